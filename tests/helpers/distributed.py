"""A Dagster instance on PostgreSQL and Celery workers on RabbitMQ, for the distributed test and
``benchmarks/sources.py``: real processes, real broker, one private database and queue each."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dagster as dg
from sqlalchemy import create_engine, text

BROKER = "amqp://guest:guest@127.0.0.1:5672//"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
INSTANCE_YAML = """storage:
  postgres:
    postgres_url: {url}
concurrency:
  pools:
    default_limit: 1
telemetry:
  enabled: false
"""

WORKER_CONFIG = "worker_prefetch_multiplier = 1\ntask_acks_late = True\n"


def broker_up(host: str = "127.0.0.1", port: int = 5672) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
        return True
    return False


def _with_database(url: str, name: str, driver: str) -> str:
    parts = urlsplit(url)
    scheme = f"postgresql+{driver}"
    return urlunsplit((scheme, parts.netloc, f"/{name}", "", ""))


@contextlib.contextmanager
def dagster_database(base_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database for a Dagster instance (its URL, psycopg2), dropped after."""
    name = f"cqm_dagster_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield _with_database(base_url, name, "psycopg2")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Cluster:
    """A Dagster home on PostgreSQL, the environment its workers share, and the workers."""

    home: Path
    queue: str
    env: dict[str, str]
    workers: list[subprocess.Popen[str]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    def instance(self) -> dg.DagsterInstance:
        return dg.DagsterInstance.from_config(str(self.home))

    def start_workers(self, count: int) -> None:
        for i in range(count):
            log = self.home / f"worker-{i}.log"
            # --pool=solo: the worker process runs its task itself (one step at a time), so
            # the step's pid is the worker's.
            self.workers.append(
                subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                    [sys.executable, "-m", "celery", "-A", "dagster_celery.app", "worker",
                     "--pool=solo", "-Q", self.queue, "-n", f"w{i}-{self.queue}@%h",
                     "--without-gossip", "--without-mingle", "--loglevel=INFO"],
                    cwd=PROJECT_ROOT,
                    env=self.env,
                    stdout=log.open("w"),
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            )  # fmt: skip
            self.logs.append(log)
        self._wait_ready(count)

    def _wait_ready(self, count: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready = sum("ready." in log.read_text(errors="replace") for log in self.logs)
            if ready >= count:
                return
            for worker in self.workers:
                if worker.poll() is not None:
                    raise RuntimeError(f"a Celery worker exited: {self.tail()}")
            time.sleep(0.3)
        raise RuntimeError(f"Celery workers not ready after {timeout:.0f} s: {self.tail()}")

    def tail(self) -> str:
        return "\n".join(log.read_text(errors="replace")[-2000:] for log in self.logs)

    @property
    def pids(self) -> set[int]:
        return {w.pid for w in self.workers}

    def stop(self) -> None:
        for worker in self.workers:
            worker.terminate()
        for worker in self.workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        self._delete_queue()

    def _delete_queue(self) -> None:
        """The test's private queue goes with it (RabbitMQ keeps a declared queue)."""
        from kombu import Connection, Queue

        with contextlib.suppress(Exception), Connection(BROKER, connect_timeout=5) as conn:
            Queue(self.queue).bind(conn.default_channel).delete()

    def executor_config(self) -> dict[str, object]:
        return {"broker": BROKER, "config_source": {"task_default_queue": self.queue}}


@contextlib.contextmanager
def cluster(home: Path, dagster_url: str, settings_env: dict[str, str]) -> Iterator[Cluster]:
    """A Dagster home on ``dagster_url``; workers are started by the caller and always stopped."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(INSTANCE_YAML.format(url=dagster_url), encoding="utf-8")
    # dagster_celery's app reads this module when it is importable: a worker takes one task at a
    # time (no prefetch), so a second step goes to an idle worker instead of waiting behind it.
    (home / "dagster_celery_config.py").write_text(WORKER_CONFIG, encoding="utf-8")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(Path.home()),
        "PYTHONPATH": f"{PROJECT_ROOT}:{home}",
        "DAGSTER_HOME": str(home),
        **settings_env,
    }
    group = Cluster(home=home, queue=f"cqmonitor-{uuid.uuid4().hex[:8]}", env=env)
    try:
        yield group
    finally:
        group.stop()
