"""The interactions endpoint refuses what Slack did not sign, or signed once already, or does
not make sense: >= 200 forged, replayed, stale, oversized and malformed requests against the
running service, none accepted (nothing recorded, no 2xx), logged without their bodies; and a
reader making too many corrections in a minute gets 429."""

from __future__ import annotations

import http.client
import json
import logging
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from dagster_project.serve import ServeConfig, create_app
from pipelines.delivery import collect_pending
from pipelines.digest import build_digest
from pipelines.storage.db import make_engine, migrate, session_factory, session_scope
from pipelines.storage.models import Correction
from tests.helpers.report_data import seed
from tests.helpers.service import (
    SECRET,
    Client,
    block_actions,
    form,
    option,
    running,
    signature,
    signed_headers,
    user,
)
from tests.slack_server import Message

MARK = "BODY-MARKER-7f3a"  # in every request body: must never reach a log line
NOW = datetime(2026, 12, 7, tzinfo=UTC)


@pytest.fixture
def service(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[Client, Any, list[Message]]]:
    migrate(sqlite_url)
    engine = make_engine(sqlite_url)
    factory = session_factory(engine)
    with session_scope(factory) as session:
        seed(session)
        content = collect_pending(session, now=NOW)
    messages = [
        Message("C0DIGEST1", f"1765000000.00000{n}", n, m.text, blocks, None, None)
        for n, m in enumerate(build_digest(content), start=1)
        for blocks in [[{**b, "block_id": f"b{n}-{i}"} for i, b in enumerate(m.blocks)]]
    ]
    config = ServeConfig(
        data_dir=str(tmp_path),
        factory=factory,
        subscriptions=tuple,
        signing_secret=SECRET,
        per_minute=3,
    )
    with running(create_app(config)) as base:
        client = Client(base)
        yield client, factory, messages
        client.close()
    engine.dispose()


def _menus(messages: list[Message]) -> list[tuple[Message, dict[str, Any]]]:
    return [(m, b) for m in messages for b in m.blocks or () if "accessory" in b]


def _valid_payload(messages: list[Message], n: int = 0) -> dict[str, Any]:
    message, block = _menus(messages)[n]
    payload = block_actions(message, block, block["accessory"]["options"][0])
    payload["message"]["text"] = MARK
    return payload


def _raw(client: Client, body: bytes, headers: dict[str, str]) -> int:
    return client.request("POST", "/slack/interactions", body, headers).status


def _recorded(factory: Any) -> int:
    with session_scope(factory) as session:
        return int(session.scalar(select(func.count()).select_from(Correction)) or 0)


def test_forged_replayed_and_malformed_requests_are_refused(
    service: tuple[Client, Any, list[Message]], caplog: pytest.LogCaptureFixture
) -> None:
    client, factory, messages = service
    caplog.set_level(logging.INFO, logger="cqmonitor.serve")
    statuses: dict[str, Counter[int]] = {}

    def send(category: str, body: bytes, headers: dict[str, str]) -> None:
        statuses.setdefault(category, Counter())[_raw(client, body, headers)] += 1

    good = form(_valid_payload(messages))
    now = time.time()
    # Signed with the wrong secret.
    for i in range(40):
        send("forged", good, signed_headers(good, secret=f"not-the-secret-{i}"))
    # A valid signature of another body.
    for i in range(30):
        other = form({**_valid_payload(messages), "trigger_id": f"t{i}"})
        headers = signed_headers(other)
        send("tampered", good, headers)
    # Stale or future timestamps (more than 5 minutes off), correctly signed.
    # The clock is read at each send: on a busy machine the sends before took seconds, and a
    # timestamp 301 s ahead of a stale "now" would come back inside the window.
    for i in range(30):
        off = 400 + i * 97
        at = time.time() - off if i % 2 else time.time() + off
        send("stale", good, signed_headers(good, at=at))
    # Missing or malformed signature headers.
    ts = str(int(now))
    broken: list[dict[str, str]] = [
        {},
        {"X-Slack-Request-Timestamp": ts},
        {"X-Slack-Signature": signature(good, ts)},
        {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": signature(good, "abc")},
        {"X-Slack-Request-Timestamp": "", "X-Slack-Signature": signature(good, ts)},
        {"X-Slack-Request-Timestamp": "9" * 30, "X-Slack-Signature": signature(good, "9" * 30)},
        {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v1=" + "0" * 64},
        {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature(good, ts).upper()},
        {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature(good, ts)[:-1]},
        {"X-Slack-Request-Timestamp": f"{ts}.5", "X-Slack-Signature": signature(good, f"{ts}.5")},
    ]
    for i in range(30):
        send("unsigned", good, broken[i % len(broken)])
    # Signed but not ours, or not shaped like Slack's: 400.
    menu, block = _menus(messages)[0]
    malformed: list[bytes] = [
        b"",
        b"not a form",
        b"payload=",
        b"payload=%7Bnot-json",
        b"payload=%5B%5D",
        b"payload=1&payload=2",
        form({"type": "shortcut", "user": user()}),
        form({"type": "block_actions", "user": user(), "actions": []}),
        form({"type": "block_actions", "actions": [{"action_id": "x"}]}),
        form({"type": "view_submission", "user": user(), "view": {"callback_id": "other"}}),
        form(
            {"type": "view_submission", "user": user(), "view": {"callback_id": "cqmonitor_slots"}}
        ),
        form(
            {
                **_valid_payload(messages),
                "actions": [{**_valid_payload(messages)["actions"][0], "action_id": "other"}],
            }
        ),
        json.dumps({"payload": "x"}).encode(),
    ]
    unknown_values = ["zz|e||conference:x", "ne|a||https://x/", "nt|e||conference:x", "ne|e||",
                      "ne|q||conference:x", "ws", "|||", "nt|a|talent|#!!!notbase64!!",
                      "x" * 151]  # fmt: skip
    for value in unknown_values:
        payload = block_actions(
            menu, block, {"text": {"type": "plain_text", "text": MARK}, "value": value}
        )
        malformed.append(form(payload))
    for i in range(40):
        body = malformed[i % len(malformed)]
        # Each at its own second: the same body and second again would be a replay (401).
        send("malformed", body, signed_headers(body, at=now - i))
    # Over 64 KB: refused before the body is read (declared length), or as it streams (chunked).
    big = form({**_valid_payload(messages), "pad": MARK * 5000})
    for _ in range(10):
        send("oversized", big, signed_headers(big))
    host, port = client.conn.host, client.conn.port
    for _ in range(10):
        conn = http.client.HTTPConnection(host, port, timeout=10)
        conn.putrequest("POST", "/slack/interactions")
        for key, value in signed_headers(big).items():
            conn.putheader(key, value)
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        try:
            for start in range(0, len(big), 8192):
                chunk = big[start : start + 8192]
                conn.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            conn.send(b"0\r\n\r\n")
        except OSError:
            pass  # the service answered and closed before the whole body
        statuses.setdefault("oversized", Counter())[conn.getresponse().status] += 1
        conn.close()
    # Replays: a signed request sent again within the 5 minutes.
    for i in range(25):
        body = form({"type": "shortcut", "user": user(), "n": i})
        headers = signed_headers(body)
        assert _raw(client, body, headers) == 400  # the original: signed, not ours
        send("replayed", body, headers)
    real = form(_valid_payload(messages, 1))
    real_headers = signed_headers(real)
    assert _raw(client, real, real_headers) == 200  # one genuine correction
    for _ in range(5):
        send("replayed", real, real_headers)

    total = sum(sum(c.values()) for c in statuses.values())
    assert total >= 200
    accepted = sum(n for c in statuses.values() for code, n in c.items() if code < 300)
    assert accepted == 0, json.dumps(statuses)
    expected = {
        "forged": 401, "tampered": 401, "stale": 401, "unsigned": 401, "malformed": 400,
        "oversized": 413, "replayed": 401,
    }  # fmt: skip
    assert {k: set(c) for k, c in statuses.items()} == {k: {v} for k, v in expected.items()}
    assert _recorded(factory) == 1  # the genuine one only
    # Well formed, about an item no longer stored: Slack hears 200 (no error shown), nothing kept.
    gone = block_actions(menu, block, {"text": {"type": "plain_text", "text": "x"},
                                       "value": "ne|e||#AAAAAAAAAAAAAAAA"})  # fmt: skip
    assert client.post_signed(gone).status == 200
    assert _recorded(factory) == 1
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "refused" in logged
    assert MARK not in logged and SECRET not in logged


def test_a_reader_making_too_many_corrections_gets_429(
    service: tuple[Client, Any, list[Message]],
) -> None:
    client, factory, messages = service
    menus = _menus(messages)
    answers = []
    assert len(menus) >= 4
    for n in (0, 1, 2, 3, 3):
        message, block = menus[n]
        texts = [o["text"]["text"] for o in block["accessory"]["options"]]
        # Distinct items, each correction sure to apply (two events may share an article).
        chosen = option(block, "Not an event" if "Not an event" in texts else "Not about")
        payload = block_actions(message, block, chosen)
        answers.append(client.post_signed(payload).status)
    assert answers == [200, 200, 200, 429, 429]
    assert _recorded(factory) == 3
    # Another reader is not held back.
    message, block = menus[3]
    other = block_actions(message, block, option(block, "Not about"), reader=user("U0BEN", "ben"))
    assert client.post_signed(other).status == 200
