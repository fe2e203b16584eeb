"""A SQLite upgrade killed (SIGKILL) or starved of disk at any point leaves the old schema or the
new one, never a mix: the next ``migrate`` finishes it.

The upgrade runs in a forked child of the test (a real process, really killed): the child
counts the statements it sends and kills itself with SIGKILL before or after the N-th one, or
just before the commit, for N spread over the whole 0002 -> head upgrade.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from pipelines.storage.db import migrate

from .conftest import fault

OLD = "0002"
KILL_POINTS = 40


def schema(path: Path) -> tuple[str | None, list[tuple[str, str]]]:
    """(alembic revision, sorted (type, name) of every table, view and index) of a database."""
    with sqlite3.connect(path) as conn:
        objects = sorted(
            conn.execute(
                "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
                "AND name NOT LIKE '_alembic_tmp_%'"
            ).fetchall()
        )
        try:
            (version,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except (sqlite3.OperationalError, TypeError):
            version = None
    conn.close()
    return version, objects


def in_child(work: Callable[[], None]) -> int:
    """Run ``work`` in a forked child; its wait status (a signal number if it was killed)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 0
        try:
            work()
        except BaseException:
            code = 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def upgrade_killed_at(url: str, point: int | None) -> Callable[[], None]:
    """The child's work: upgrade, SIGKILLing itself at event number ``point`` (statement
    before/after, commit), or counting them all into the file named by ``point`` None."""
    count = [0]

    def tick(*_: object, **__: object) -> None:
        count[0] += 1
        if count[0] == point:
            os.kill(os.getpid(), signal.SIGKILL)

    def work() -> None:
        event.listen(Engine, "before_cursor_execute", tick)
        event.listen(Engine, "after_cursor_execute", tick)
        event.listen(Engine, "commit", tick)
        migrate(url)
        Path(url.removeprefix("sqlite:///") + ".events").write_text(str(count[0]))

    return work


@pytest.fixture(scope="module")
def old_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A database made by an older build (schema 0002) with a crawl, a digest and a delivery."""
    path = tmp_path_factory.mktemp("old") / "old.db"
    migrate(f"sqlite:///{path}", OLD)
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO crawl_runs (started_at, status, source_url, requests, items, new, "
            "updated, unchanged, failed, stats) "
            "VALUES ('2026-01-01T00:00:00+00:00', 'success', 'http://x', 1, 1, 1, 0, 0, 0, '{}')"
        )
        conn.execute(
            "INSERT INTO digests (created_at, status, item_count, message_ts, text, blocks) "
            "VALUES ('2026-01-01T00:00:00+00:00', 'sent', 1, '[]', 'hello', '[]')"
        )
        conn.execute(
            "INSERT INTO deliveries (digest_id, item_type, item_key, status, claimed_at) "
            "VALUES (1, 'article', 'http://x/a', 'delivered', '2026-01-01T00:00:00+00:00')"
        )
    conn.close()
    yield path


def test_an_upgrade_killed_anywhere_is_never_wedged(old_database: Path, tmp_path: Path) -> None:
    head = tmp_path / "head.db"
    migrate(f"sqlite:///{head}")
    new = schema(head)
    old = schema(old_database)
    counting = tmp_path / "count.db"
    shutil.copy(old_database, counting)
    assert in_child(upgrade_killed_at(f"sqlite:///{counting}", None)) == 0
    events = int(Path(f"{counting}.events").read_text())
    points = sorted({1 + (events - 1) * i // (KILL_POINTS - 1) for i in range(KILL_POINTS)})
    outcomes = {"old": 0, "new": 0}
    wedged: list[str] = []
    for point in points:
        path = tmp_path / f"kill-{point}.db"
        shutil.copy(old_database, path)
        url = f"sqlite:///{path}"
        status = in_child(upgrade_killed_at(url, point))
        assert status == -signal.SIGKILL, f"point {point}: the child ended with {status}"
        left = schema(path)
        if left == old:
            outcomes["old"] += 1
        elif left == new:
            outcomes["new"] += 1
        try:
            migrate(url)
        except Exception as exc:  # noqa: BLE001 - a wedged database is what this counts
            wedged.append(f"point {point}: {exc}".splitlines()[0])
            continue
        if schema(path) != new:
            wedged.append(f"point {point}: upgraded to a different schema")
    mixed = len(points) - outcomes["old"] - outcomes["new"]
    fault(
        f"SQLite upgrade {OLD} -> head SIGKILLed at {len(points)} of {events} points: left the "
        f"old schema {outcomes['old']}x, the new one {outcomes['new']}x, a mix {mixed}x; "
        f"{len(wedged)} wedged"
    )
    assert wedged == [] and mixed == 0
    assert len(points) >= 30


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs of 1 MiB (needs root; skipped otherwise)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_an_upgrade_on_a_full_disk_leaves_the_old_schema(
    old_database: Path, small_disk: Path
) -> None:
    path = small_disk / "cqmonitor.db"
    shutil.copy(old_database, path)
    old = schema(path)
    # Fill the disk but for a few pages: the upgrade's copies of tables need more than that.
    filler = small_disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    os.truncate(filler, max(filler.stat().st_size - 8 * 4096, 0))
    url = f"sqlite:///{path}"
    with pytest.raises(Exception) as failure:  # noqa: PT011 - whatever SQLite says of the disk
        migrate(url)
    said = str(failure.value).splitlines()[0]
    assert schema(path) == old, said
    filler.unlink()
    migrate(url)
    version, _ = schema(path)
    assert version is not None and version != OLD
    fault(f"SQLite upgrade on a full disk: failed ({said}); old schema intact; space freed, "
          f"next upgrade reached {version}")  # fmt: skip
