"""``cqmonitor serve`` on loopback for tests and the benchmark: uvicorn in a thread on a free
port, and requests shaped and signed like Slack's (``block_actions``, ``view_submission``)."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import uvicorn
from starlette.applications import Starlette

SECRET = "8f14e45fceea167a5a36dedd4bea2543"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running(app: Starlette) -> Iterator[str]:
    """The app served by uvicorn on 127.0.0.1; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the service did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def signature(body: bytes, timestamp: str, secret: str = SECRET) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def form(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def signed_headers(body: bytes, *, secret: str = SECRET, at: float | None = None) -> dict[str, str]:
    timestamp = str(int(time.time() if at is None else at))
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature(body, timestamp, secret),
    }


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class Client:
    """One keep-alive HTTP connection to the service."""

    def __init__(self, base: str) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=30)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        try:
            self.conn.request(method, path, body=body, headers=headers or {})
            response = self.conn.getresponse()
        except (ConnectionError, http.client.HTTPException):
            self.conn.close()
            raise
        data = response.read()
        reply = Reply(response.status, data, {k.lower(): v for k, v in response.getheaders()})
        if response.will_close:
            self.conn.close()
        return reply

    def post_signed(self, payload: dict[str, Any], **kwargs: Any) -> Reply:
        body = form(payload)
        return self.request("POST", "/slack/interactions", body, signed_headers(body, **kwargs))

    def close(self) -> None:
        self.conn.close()


def user(uid: str = "U0ANA", name: str = "ana") -> dict[str, str]:
    return {"id": uid, "username": name, "name": name, "team_id": "T0CQMONITOR"}


def menu_blocks(message: Any) -> list[dict[str, Any]]:
    """The blocks of a posted message that carry a correction menu."""
    return [b for b in message.blocks or () if "accessory" in b]


def option(block: dict[str, Any], starts: str) -> dict[str, Any]:
    """The menu option of ``block`` whose text starts with ``starts``."""
    return next(o for o in block["accessory"]["options"] if o["text"]["text"].startswith(starts))


def block_actions(
    message: Any,
    block: dict[str, Any],
    chosen: dict[str, Any],
    *,
    response_url: str = "",
    reader: dict[str, str] | None = None,
    trigger_id: str = "1337.42.abcd",
) -> dict[str, Any]:
    """A ``block_actions`` payload as Slack sends it when a reader picks ``chosen``."""
    return {
        "type": "block_actions",
        "user": reader or user(),
        "api_app_id": "A0CQMONITOR",
        "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": message.ts, "channel_id": message.channel},
        "trigger_id": trigger_id,
        "team": {"id": "T0CQMONITOR", "domain": "cqmonitor-test"},
        "channel": {"id": message.channel, "name": "cqmonitor-digest"},
        "message": message.as_slack(False),
        "response_url": response_url,
        "actions": [
            {
                "type": "overflow",
                "action_id": block["accessory"]["action_id"],
                "block_id": block["block_id"],
                "selected_option": chosen,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def view_submission(
    view: dict[str, Any], values: dict[str, dict[str, Any]], reader: dict[str, str] | None = None
) -> dict[str, Any]:
    """A ``view_submission`` of the modal ``view`` (as views.open got it) with ``values``:
    {block_id: {action_id: element state}}."""
    return {
        "type": "view_submission",
        "team": {"id": "T0CQMONITOR", "domain": "cqmonitor-test"},
        "user": reader or user(),
        "api_app_id": "A0CQMONITOR",
        "trigger_id": "1337.43.efgh",
        "view": {
            "id": "V0000001",
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "state": {"values": values},
        },
        "response_urls": [],
    }
