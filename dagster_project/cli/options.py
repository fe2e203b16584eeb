"""Settings of a command from its flags and the environment (flags win), validated once."""

from __future__ import annotations

import argparse

from pipelines.settings import Settings
from pipelines.window import parse_day


def settings_from_args(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        source_url=getattr(args, "source_url", None),
        database_url=getattr(args, "database_url", None),
        delay=getattr(args, "delay", None),
    ).validate()


def check_window(since: str | None, until: str | None) -> None:
    first = parse_day(since, "--since")
    last = parse_day(until, "--until")
    if last and not first:
        raise ValueError("--until needs --since")
    if first and last and last < first:
        raise ValueError(f"--until {last} is before --since {first}")
