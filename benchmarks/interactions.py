"""How fast ``cqmonitor serve`` answers Slack interactions: 50 concurrent readers on loopback.

Starts ``cqmonitor serve`` as its own process (uvicorn, SQLite) on a database of synthetic
articles, topics and events, and the local Slack stand-in for the follow-up calls. Each of
``--clients`` threads is one reader with a keep-alive connection sending signed
``block_actions`` payloads (alternately "Not an event" and "Not about <topic>", each on an item
of its own, so every request records and applies a correction) and times each answer. Prints
the latency percentiles and checks p95 against Slack's budget (300 ms target, 3 s limit).

    .venv/bin/python benchmarks/interactions.py [--clients 50] [--requests 20]

``BENCH_FOLLOW=0`` leaves out the follow-up message updates (no ``response_url``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.storage.db import make_engine, migrate, session_factory, session_scope  # noqa: E402
from pipelines.storage.models import Article, ArticleTopic, Event  # noqa: E402
from tests.helpers.service import SECRET, Client, block_actions, free_port  # noqa: E402
from tests.slack_server import Message, SlackServer  # noqa: E402

TARGET_MS = 300.0
FOLLOW = os.environ.get("BENCH_FOLLOW", "1") == "1"


def seed(url: str, items: int) -> None:
    migrate(url)
    engine = make_engine(url)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with session_scope(session_factory(engine)) as session:
        for n in range(items):
            article = Article(
                url=f"https://www.ichongqing.info/2025/01/01/story-{n}/",
                title=f"Story {n}",
                published_at=start + timedelta(minutes=n),
                body_text=f"Story {n} text.",
                content_hash=str(n),
                categories=[],
                tags=[],
                extraction={},
            )
            session.add(article)
            session.flush()
            session.add(ArticleTopic(article_id=article.id, topic="talent", score=1.0, evidence=[]))
            session.add(
                Event(
                    article_id=article.id,
                    kind="conference",
                    name=f"Forum {n}",
                    event_key=f"forum {n}",
                )  # fmt: skip
            )
    engine.dispose()


def payload(n: int, reader: int, slack: SlackServer) -> dict:
    if n % 2:
        value = f"ne|e||conference:forum {n}"
    else:
        value = f"nt|a|talent|https://www.ichongqing.info/2025/01/01/story-{n}/"
    block = {
        "type": "section",
        "block_id": f"b{n}",
        "text": {"type": "mrkdwn", "text": f"Forum {n}"},
        "accessory": {"type": "overflow", "action_id": "cqmonitor_correct", "options": []},
    }
    message = Message("C0DIGEST1", f"1765000000.{n:06d}", n, "digest", [block], None, None)
    chosen = {"text": {"type": "plain_text", "text": "x"}, "value": value}
    return block_actions(
        message,
        block,
        chosen,
        response_url=slack.response_url("C0DIGEST1", message.ts) if FOLLOW else "",
        reader={"id": f"U{reader:05d}", "username": f"reader{reader}", "name": "r"},
    )


def wait_up(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("cqmonitor serve exited")
        try:
            if Client(f"http://127.0.0.1:{port}").request("GET", "/healthz").status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("cqmonitor serve did not come up")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20, help="per client")
    args = parser.parse_args()
    total = args.clients * args.requests
    with tempfile.TemporaryDirectory() as tmp, SlackServer() as slack:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        seed(url, total)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CQMONITOR_"))}
        env.update(
            CQMONITOR_DATA_DIR=tmp,
            CQMONITOR_DATABASE_URL=url,
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=slack.url,
            # Each reader makes `--requests` corrections in a few seconds: above the default 20.
            CQMONITOR_CORRECTIONS_PER_MINUTE=str(args.requests + 1),
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "dagster_project.cli", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_up(port, process)
            latencies: list[float] = []
            statuses: dict[int, int] = {}
            lock = threading.Lock()
            gate = threading.Barrier(args.clients)

            def reader(r: int) -> None:
                client = Client(f"http://127.0.0.1:{port}")
                bodies = [payload(r * args.requests + i, r, slack) for i in range(args.requests)]
                gate.wait()
                for body in bodies:
                    t0 = time.perf_counter()
                    status = client.post_signed(body).status
                    elapsed = (time.perf_counter() - t0) * 1000
                    with lock:
                        latencies.append(elapsed)
                        statuses[status] = statuses.get(status, 0) + 1
                client.close()

            threads = [threading.Thread(target=reader, args=(r,)) for r in range(args.clients)]
            started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - started
            time.sleep(1)  # let the follow-ups (response_url updates) finish
        finally:
            process.terminate()
            process.wait(20)
        q = statistics.quantiles(latencies, n=100)
        print(f"interactions: {len(latencies)} requests, {args.clients} concurrent clients, "
              f"{wall:.1f} s ({len(latencies) / wall:.0f}/s); statuses {statuses}")  # fmt: skip
        print(f"latency ms: p50 {q[49]:.0f}, p95 {q[94]:.0f}, p99 {q[98]:.0f}, "
              f"max {max(latencies):.0f}")  # fmt: skip
        print(f"follow-ups received by the Slack stand-in: {len(slack.responses)}")
        ok = q[94] < TARGET_MS and statuses.get(200, 0) == total
        print(f"target p95 < {TARGET_MS:.0f} ms: {'met' if ok else 'NOT met'}")
        return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
