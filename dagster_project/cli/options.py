"""Settings of a command from its flags and the environment (flags win), validated once."""

from __future__ import annotations

import argparse

from pipelines.settings import Settings
from pipelines.subscriptions import Subscription
from pipelines.window import WindowError, parse_day


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
