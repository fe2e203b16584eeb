"""A small Slack-compatible Web API server on 127.0.0.1 for tests with the real slack_sdk client.

Implements ``chat.postMessage``, ``chat.update``, ``views.open``, ``conversations.history``,
``conversations.replies``, ``conversations.list`` and ``auth.test`` closely enough for
:mod:`pipelines.slack` and ``cqmonitor serve``: bearer-token checks, Block Kit limit validation
on every post (a block gets a ``block_id`` as Slack gives one), message metadata, threads,
pagination; an interaction's ``response_url`` (``server.response_url()``, POSTed JSON replaces
the message or is recorded as ephemeral); and the file uploads of ``files_upload_v2``
(``tests.slack_files``).

Failures are scripted per method, consumed one per request::

    server.script("chat.postMessage", 500, 500)                   # two HTTP 500s
    server.script("chat.postMessage", (429, {"Retry-After": "0"}))
    server.script("chat.postMessage", {"ok": False, "error": "channel_not_found"})
    server.script("chat.postMessage", DROP)         # store the post, then drop the connection
    server.script("chat.postMessage", ACCEPT_500)   # store the post, then answer 500
    server.script("chat.postMessage", PASS, 500)    # first post fine, the second gets a 500
    server.fail_always("chat.postMessage", 500)     # until server.clear_failures()
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.slack_blocks import MAX_TEXT_CHARS, block_kit_errors
from tests.slack_files import UPLOAD_METHOD, UPLOAD_PATH, FileUploads

__all__ = ["ACCEPT_500", "DROP", "PASS", "SlackServer", "block_kit_errors"]

PASS = "pass"  # handle this request normally (to script a failure for a later one)
DROP = "drop"
ACCEPT_500 = "accept_500"


Scripted = int | tuple[Any, ...] | dict[str, Any] | str


@dataclass
class Request:
    """One request the server received (after parsing), for assertions."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Message:
    channel: str
    ts: str
    seq: int
    text: str
    blocks: list[dict[str, Any]] | None
    thread_ts: str | None
    metadata: dict[str, Any] | None
    params: dict[str, Any] = field(default_factory=dict)

    def as_slack(self, with_metadata: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "message",
            "user": "U0CQMONITOR",
            "bot_id": "B0CQMONITOR",
            "ts": self.ts,
            "text": self.text,
        }
        if self.blocks is not None:
            out["blocks"] = self.blocks
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if with_metadata and self.metadata:
            out["metadata"] = self.metadata
        return out


def _truthy(value: Any) -> bool:
    return str(value).lower() in ("1", "true", "yes")


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _in_range(messages: list[Message], params: dict[str, Any]) -> list[Message]:
    """``oldest`` / ``latest`` (exclusive unless ``inclusive``), compared as Slack's ts."""
    inclusive = _truthy(params.get("inclusive"))
    out = messages
    if params.get("oldest"):
        low = float(params["oldest"])
        out = [m for m in out if float(m.ts) > low or (inclusive and float(m.ts) == low)]
    if params.get("latest"):
        high = float(params["latest"])
        out = [m for m in out if float(m.ts) < high or (inclusive and float(m.ts) == high)]
    return out


class SlackServer(FileUploads):
    """Slack Web API stand-in; use as a context manager; ``url`` is a WebClient base_url."""

    def __init__(
        self,
        *,
        token: str = "xoxb-test-token",
        channels: dict[str, str] | None = None,
    ) -> None:
        self.token = token
        self.channels = channels if channels is not None else {"C0DIGEST1": "cqmonitor-digest"}
        self.messages: list[Message] = []
        self.requests: list[Request] = []
        self._scripts: dict[str, deque[Scripted]] = {}
        self._always: dict[str, Scripted] = {}
        self._lock = threading.Lock()
        self._seq = 0
        self.views: list[dict[str, Any]] = []
        self.responses: list[dict[str, Any]] = []  # what was POSTed to response URLs
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._init_files()

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> SlackServer:
        handler = type("Handler", (_Handler,), {"slack": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SlackServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/"

    def response_url(self, channel: str, ts: str) -> str:
        """An interaction's response_url for the message ``ts`` (like hooks.slack.com's)."""
        return self.url.replace("/api/", f"/actions/{channel}/{ts}")

    def message(self, ts: str) -> Message:
        with self._lock:
            return next(m for m in self.messages if m.ts == ts)

    # --- scripting ----------------------------------------------------------------------------

    def script(self, method: str, *responses: Scripted) -> None:
        """Queue responses for ``method``, one per request, before normal handling resumes."""
        with self._lock:
            self._scripts.setdefault(method, deque()).extend(responses)

    def fail_always(self, method: str, response: Scripted) -> None:
        with self._lock:
            self._always[method] = response

    def clear_failures(self) -> None:
        with self._lock:
            self._scripts.clear()
            self._always.clear()

    def _next_scripted(self, method: str) -> Scripted | None:
        with self._lock:
            queue = self._scripts.get(method)
            if queue:
                return queue.popleft()
            return self._always.get(method)

    # --- views for assertions -----------------------------------------------------------------

    @property
    def posts(self) -> list[Message]:
        with self._lock:
            return list(self.messages)

    def calls(self, method: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.method == method]

    def iter_block_texts(self) -> Iterator[str]:
        for message in self.posts:
            for block in message.blocks or ():
                text = block.get("text")
                if isinstance(text, dict):
                    yield text.get("text", "")

    # --- API ----------------------------------------------------------------------------------

    def _channel_id(self, channel: str) -> str | None:
        if channel in self.channels:
            return channel
        name = channel.lstrip("#")
        return next((cid for cid, n in self.channels.items() if n == name), None)

    def handle(self, method: str, params: dict[str, Any], auth: str | None) -> dict[str, Any]:
        token = auth or params.get("token")
        if not token:
            return {"ok": False, "error": "not_authed"}
        if token != self.token:
            return {"ok": False, "error": "invalid_auth"}
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://cqmonitor-test.slack.com/",
                "team": "cqmonitor test",
                "user": "cqmonitor",
                "team_id": "T0CQMONITOR",
                "user_id": "U0CQMONITOR",
                "bot_id": "B0CQMONITOR",
            }
        if method.startswith("files."):
            return self.handle_files(method, params)
        if method == "chat.postMessage":
            return self._post(params)
        if method == "chat.update":
            return self._update(params)
        if method == "views.open":
            return self._open_view(params)
        if method == "conversations.history":
            return self._history(params)
        if method == "conversations.replies":
            return self._replies(params)
        if method == "conversations.list":
            channels = [
                {"id": cid, "name": n, "is_archived": False} for cid, n in self.channels.items()
            ]
            return {"ok": True, "channels": channels, "response_metadata": {"next_cursor": ""}}
        return {"ok": False, "error": "unknown_method"}

    def _post(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_id(str(params.get("channel", "")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        text = str(params.get("text") or "")
        blocks = _maybe_json(params.get("blocks"))
        metadata = _maybe_json(params.get("metadata"))
        if not text and not blocks:
            return {"ok": False, "error": "no_text"}
        if len(text) > MAX_TEXT_CHARS:
            return {"ok": False, "error": "msg_too_long"}
        if blocks is not None:
            errors = block_kit_errors(blocks)
            if errors:
                return {
                    "ok": False,
                    "error": "invalid_blocks",
                    "response_metadata": {"messages": errors},
                }
            # Slack gives every block without one a block_id (interactions name it).
            blocks = [
                {**b, "block_id": b.get("block_id") or f"blk{self._seq + 1}-{i}"}
                for i, b in enumerate(blocks)
            ]
        if metadata is not None and not (
            isinstance(metadata, dict)
            and isinstance(metadata.get("event_type"), str)
            and isinstance(metadata.get("event_payload"), dict)
        ):
            return {"ok": False, "error": "invalid_metadata_format"}
        with self._lock:
            self._seq += 1
            ts = f"{int(time.time())}.{self._seq:06d}"
            message = Message(
                channel=channel,
                ts=ts,
                seq=self._seq,
                text=text,
                blocks=blocks,
                thread_ts=params.get("thread_ts") or None,
                metadata=metadata,
                params=dict(params),
            )
            self.messages.append(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": message.as_slack(True)}

    def _update(self, params: dict[str, Any]) -> dict[str, Any]:
        blocks = _maybe_json(params.get("blocks"))
        if blocks is not None:
            errors = block_kit_errors(blocks)
            if errors:
                return {"ok": False, "error": "invalid_blocks"}
        with self._lock:
            found = [
                m
                for m in self.messages
                if m.channel == params.get("channel") and m.ts == params.get("ts")
            ]
            if not found:
                return {"ok": False, "error": "message_not_found"}
            message = found[0]
            if blocks is not None:
                message.blocks = blocks
            if params.get("text") is not None:
                message.text = str(params["text"])
        return {"ok": True, "channel": message.channel, "ts": message.ts, "text": message.text}

    def _open_view(self, params: dict[str, Any]) -> dict[str, Any]:
        view = _maybe_json(params.get("view"))
        if not params.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        if not isinstance(view, dict) or view.get("type") != "modal":
            return {"ok": False, "error": "invalid_arguments"}
        if len(str(view.get("private_metadata", ""))) > 3000:
            return {"ok": False, "error": "invalid_arguments"}
        with self._lock:
            self.views.append({"trigger_id": params["trigger_id"], "view": view})
        return {"ok": True, "view": {**view, "id": f"V{len(self.views):08d}"}}

    def receive_response(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """A POST to a response_url: ``replace_original`` updates the message."""
        _, _, channel, ts = path.split("/", 3)
        with self._lock:
            self.responses.append({"channel": channel, "ts": ts, **body})
            message = next((m for m in self.messages if m.ts == ts and m.channel == channel), None)
            if body.get("replace_original") and message is not None:
                if body.get("blocks") is not None:
                    message.blocks = body["blocks"]
                message.text = str(body.get("text") or message.text)
        return {"ok": True}

    def _page(
        self, messages: list[Message], params: dict[str, Any], with_metadata: bool
    ) -> dict[str, Any]:
        limit = int(params.get("limit") or 100)
        start = int(params.get("cursor") or 0)
        page = messages[start : start + limit]
        more = start + limit < len(messages)
        return {
            "ok": True,
            "messages": [m.as_slack(with_metadata) for m in page],
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel", ""))
        if channel not in self.channels:
            # Like Slack: history wants the ID, not a '#name'.
            return {"ok": False, "error": "channel_not_found"}
        with self._lock:
            found = [
                m
                for m in self.messages
                if m.channel == channel and (not m.thread_ts or m.thread_ts == m.ts)
            ]
        found.sort(key=lambda m: m.seq, reverse=True)
        found = _in_range(found, params)
        return self._page(found, params, _truthy(params.get("include_all_metadata")))

    def _replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel", ""))
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        ts = str(params.get("ts", ""))
        with self._lock:
            found = [
                m
                for m in self.messages
                if m.channel == channel and (m.ts == ts or m.thread_ts == ts)
            ]
        if not any(m.ts == ts for m in found):
            return {"ok": False, "error": "thread_not_found"}
        found.sort(key=lambda m: m.seq)
        found = _in_range(found, params)
        return self._page(found, params, _truthy(params.get("include_all_metadata")))


class _Handler(BaseHTTPRequestHandler):
    slack: SlackServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _params(self) -> dict[str, Any]:
        parts = urlsplit(self.path)
        params: dict[str, Any] = dict(parse_qsl(parts.query))
        body = self._body()
        ctype = self.headers.get("Content-Type", "")
        if body and ctype.startswith("application/json"):
            params.update(json.loads(body.decode("utf-8")))
        elif body and ctype.startswith("application/x-www-form-urlencoded"):
            params.update(parse_qsl(body.decode("utf-8")))
        elif body and ctype.startswith("multipart/form-data"):
            head = f"Content-Type: {ctype}\r\n\r\n".encode()
            message = BytesParser(policy=HTTP).parsebytes(head + body)
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if name:
                    params[str(name)] = part.get_content()
        return params

    def _reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        self.send_response(status)
        ctype = "application/json; charset=utf-8" if not isinstance(body, bytes) else "text/plain"
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _drop(self) -> None:
        # The request was processed but the client never hears back: a lost reply.
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        self._serve()

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._serve()

    def _serve(self) -> None:
        path = urlsplit(self.path).path
        if path.startswith("/actions/"):
            body = json.loads(self._body() or b"{}")
            self._reply(200, self.slack.receive_response(path, body))
            return
        upload = path.startswith(UPLOAD_PATH)
        if not path.startswith("/api/") and not upload:
            self._reply(404, b"not found")
            return
        method = UPLOAD_METHOD if upload else path[len("/api/") :]
        # The upload URL takes the file's raw bytes, whatever Content-Type urllib gives them.
        params = {"data": self._body()} if upload else self._params()
        auth = self.headers.get("Authorization", "")
        token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else None
        headers = {k: v for k, v in self.headers.items() if k.lower() != "authorization"}
        with self.slack._lock:
            self.slack.requests.append(Request(method, params, headers))

        scripted = self.slack._next_scripted(method)
        if upload and scripted in (None, PASS):
            self._reply(*self.slack.receive_upload(path[len(UPLOAD_PATH) :], params["data"]))
            return
        if scripted is None or scripted in (PASS, DROP, ACCEPT_500):
            result = self.slack.handle(method, params, token)
            if scripted == DROP:
                self._drop()
            elif scripted == ACCEPT_500:
                self._reply(500, b"Internal Server Error")
            else:
                self._reply(200, result)
            return
        if isinstance(scripted, int):
            self._reply(scripted, b"Internal Server Error" if scripted >= 500 else b"error")
        elif isinstance(scripted, tuple):
            status, extra = scripted[0], (scripted[1] if len(scripted) > 1 else {})
            body = scripted[2] if len(scripted) > 2 else {"ok": False, "error": "ratelimited"}
            self._reply(status, body, extra)
        elif isinstance(scripted, dict):
            self._reply(200, scripted)
        else:
            raise ValueError(f"unknown scripted response {scripted!r}")
