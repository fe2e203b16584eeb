"""Settings of a command from its flags and the environment (flags win), validated once; the
database a read-only command reads, which must exist already."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipelines.settings import Settings
    from pipelines.subscriptions import Subscription


def db_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", help="env CQMONITOR_DATABASE_URL")


def settings_from_args(args: argparse.Namespace, *, sending: bool = True) -> Settings:
    """The settings in force; ``sending=False`` (a command that posts nothing) lets a Slack
    token without a channel pass: status and previews still run."""
    from pipelines.settings import Settings

    return Settings.from_env(
        source_url=getattr(args, "source_url", None),
        database_url=getattr(args, "database_url", None),
        delay=getattr(args, "delay", None),
        data_dir=getattr(args, "data_dir", None),
    ).validate(sending=sending)


def existing_database(settings: Settings) -> None:
    """A read-only command reads the database that is there: it never creates one.

    A missing SQLite file, or a database without cqmonitor's tables, stops the command (exit 2)
    naming the URL and how to fix it; a database on an older schema is brought up to date.
    """
    from pipelines.settings import SettingError
    from pipelines.storage.db import missing_database

    where = missing_database(settings.database_url)
    if where is not None:
        raise SettingError(
            "CQMONITOR_DATABASE_URL",
            f"no cqmonitor database at {where}: run `cqmonitor run` (or `cqmonitor demo`) "
            "first, or point --database-url / CQMONITOR_DATABASE_URL at the one to read",
        )
    check_database(settings)


def check_writable(directory: str, setting: str) -> None:
    """Create ``directory`` if need be and prove a file can be written in it."""
    import tempfile
    from pathlib import Path

    from pipelines.settings import SettingError

    try:
        Path(directory).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise SettingError(setting, f"cannot write in {Path(directory).resolve()}: {why}") from exc


def check_database(settings: Settings) -> None:
    """Migrate the database: one that cannot be used stops the command before it writes."""
    from sqlalchemy.exc import SQLAlchemyError

    from pipelines.settings import SettingError
    from pipelines.storage.db import migrate

    try:
        migrate(settings.database_url)
    except SQLAlchemyError as exc:
        first = str(exc).strip().splitlines()[0]
        raise SettingError(
            "CQMONITOR_DATABASE_URL", f"cannot use the database {settings.database_url}: {first}"
        ) from exc
    except OSError as exc:
        # sqlite:////proc/x.db: the file cannot be made where the URL says.
        why = exc.strerror or str(exc)
        raise SettingError(
            "CQMONITOR_DATABASE_URL",
            f"cannot create or open the SQLite file of {settings.database_url}: {why}; "
            "point it at a writable folder",
        ) from exc


def preflight(settings: Settings) -> None:
    """What must hold before a run writes anything: writable directories, a usable database."""
    from pathlib import Path

    from pipelines.settings import dagster_home

    check_writable(settings.data_dir, "CQMONITOR_DATA_DIR")
    if Path(settings.crawl_dir).exists():
        check_writable(settings.crawl_dir, "CQMONITOR_DATA_DIR")
    check_writable(dagster_home(settings), "DAGSTER_HOME")
    check_database(settings)


def check_window(since: str | None, until: str | None) -> None:
    from pipelines.window import WindowError, parse_day

    first = parse_day(since, "--since")
    last = parse_day(until, "--until")
    if last and not first:
        raise WindowError("--until needs --since")
    if first and last and last < first:
        raise WindowError(f"--until {last} is before --since {first}")


def pick_subscription(settings: Settings, name: str | None) -> Subscription:
    """The subscription named ``name`` (default: the first, ``default`` without a file)."""
    subscriptions = settings.subscriptions()
    if name is None:
        return subscriptions[0]
    for subscription in subscriptions:
        if subscription.name == name:
            return subscription
    names = ", ".join(s.name for s in subscriptions)
    raise ValueError(f"--subscription {name}: no such subscription (there are: {names})")
