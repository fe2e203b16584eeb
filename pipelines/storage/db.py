"""Engines, sessions and schema migrations for cqmonitor's database.

The schema is owned by Alembic (``pipelines/storage/migrations``); :func:`migrate` brings any
database to the newest revision and is safe to call on every run.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from pipelines.core.problems import InputError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SUPPORTED_BACKENDS = ("sqlite", "postgresql")


class DatabaseURLError(InputError, ValueError):
    """The database URL cannot be used; the message names the setting."""


def check_database_url(url: str) -> str:
    """Return ``url`` normalised, or raise :class:`DatabaseURLError` saying why it is unusable.

    The message does not name the setting (the caller does, once). ``postgres://`` (Heroku's and
    many hosts' spelling) and a bare ``postgresql://`` both mean psycopg 3 here.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseURLError(
            f"not a database URL: {url!r} (e.g. sqlite:///path/cqmonitor.db or "
            "postgresql+psycopg://user@host:5432/db)"
        ) from exc
    if parsed.drivername in ("postgres", "postgresql"):
        # SQLAlchemy 2.1 maps bare postgresql:// to psycopg 3, 2.0 to psycopg2: be explicit.
        parsed = parsed.set(drivername="postgresql+psycopg")
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise DatabaseURLError(
            f"{backend!r} is not supported: use sqlite:///PATH or "
            "postgresql+psycopg://USER@HOST:PORT/DB"
        )
    return parsed.render_as_string(hide_password=False)


def missing_database(url: str) -> str | None:
    """Where the database at ``url`` should be, if it is not there (None: it is there).

    A SQLite file that does not exist is missing (nothing is created to find out); a server
    database without cqmonitor's tables is missing too. A server that cannot be reached is not
    decided here: the caller's connection says why.
    """
    from sqlalchemy import inspect
    from sqlalchemy.exc import SQLAlchemyError

    url = check_database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            return None
        path = Path(parsed.database).expanduser()
        return None if path.is_file() else str(path.resolve())
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            present = inspect(conn).has_table("alembic_version")
    except SQLAlchemyError:
        return None
    finally:
        engine.dispose()
    return None if present else parsed.render_as_string(hide_password=True)


def _ensure_sqlite_dir(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets the Dagster UI read while a run writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = check_database_url(url)
    _ensure_sqlite_dir(url)
    # A pooled connection whose server end was closed (a restarted or failed-over PostgreSQL,
    # an administrator's pg_terminate_backend) is replaced, not handed out to fail.
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, future=True, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation would choke on a '%' in a password.
    cfg.set_main_option("sqlalchemy.url", check_database_url(url).replace("%", "%%"))
    return cfg


@contextmanager
def _one_migrator(url: str) -> Iterator[None]:
    """Let one process at a time migrate the database at ``url``.

    Two runs started together on a new database would both create its tables (and one fail on
    "already exists"). The second waits here, then finds the schema current. PostgreSQL: a
    session advisory lock per schema; SQLite: a lock file beside the database.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            yield
            return
        lock_path = Path(f"{Path(parsed.database).expanduser()}.migrate-lock")
        with lock_path.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    engine = create_engine(url, poolclass=NullPool)
    key = text("SELECT hashtext('cqmonitor migrate ' || current_schema())")
    try:
        with engine.connect() as conn:
            lock_key = conn.execute(key).scalar_one()
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": lock_key})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key})
                conn.commit()
    finally:
        engine.dispose()


def migrate(url: str, revision: str = "head") -> None:
    """Upgrade the database at ``url`` to ``revision`` (creating the tables on first use)."""
    url = check_database_url(url)
    _ensure_sqlite_dir(url)
    with _one_migrator(url):
        command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, future=True)


def begin_exclusive(session: Session) -> None:
    """On SQLite, take the write lock now (``BEGIN IMMEDIATE``), before this transaction reads
    what it will change: a second writer waits for it, then reads what it committed. Call first
    in a fresh transaction. PostgreSQL needs no such step (row locks and advisory locks)."""
    if session.get_bind().dialect.name != "sqlite":
        return
    dbapi = session.connection().connection.dbapi_connection
    # Already writing (a caller's earlier statement began the transaction): it holds the lock.
    if not getattr(dbapi, "in_transaction", False):
        session.execute(text("BEGIN IMMEDIATE"))


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A transaction: committed when the block ends, rolled back if it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
