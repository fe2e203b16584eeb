"""``cqmonitor subscriptions``: who gets what, and what is pending for each."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from .options import db_options

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from pipelines.settings import Settings
    from pipelines.subscriptions import Subscription


def add_parser(sub: argparse._SubParsersAction) -> None:
    subscriptions = sub.add_parser(
        "subscriptions", help="the subscriptions and what is pending for each"
    )
    db_options(subscriptions)
    subscriptions.set_defaults(func=cmd_subscriptions)


def describe(subscription: Subscription) -> str:
    topics = ", ".join(sorted(subscription.topics)) if subscription.topics else "every topic"
    kinds = ", ".join(sorted(subscription.kinds)) if subscription.kinds else "every kind"
    extra = [] if subscription.articles else ["no other articles"]
    if subscription.keywords:
        extra.append("keywords: " + ", ".join(subscription.keywords))
    if subscription.weekly_report:
        extra.append("weekly report")
    tail = f"; {'; '.join(extra)}" if extra else ""
    return (
        f"{subscription.name} -> {subscription.channel or '(no channel)'}, "
        f"{subscription.delivery}: {topics}; {kinds}{tail}"
    )


def pending_lines(settings: Settings, factory: sessionmaker[Session]) -> list[str]:
    """Each subscription and what is pending for it, two lines each."""
    from datetime import UTC, datetime

    from pipelines.delivery import pending_counts
    from pipelines.digest import DigestLabels

    labels = DigestLabels.from_taxonomy(settings.taxonomy())
    lines = []
    for subscription in settings.subscriptions():
        counts = pending_counts(
            factory, subscription=subscription, now=datetime.now(UTC), labels=labels
        )
        pending = ", ".join(f"{n} {kind}(s)" for kind, n in sorted(counts.items())) or "nothing"
        lines += [f"- {describe(subscription)}", f"    pending: {pending}"]
    return lines


def cmd_subscriptions(args: argparse.Namespace) -> int:
    from pipelines.storage.db import make_engine, session_factory

    from .options import existing_database, settings_from_args

    settings = settings_from_args(args, sending=False)
    existing_database(settings)
    engine = make_engine(settings.database_url)
    source = settings.subscriptions_path or "no CQMONITOR_SUBSCRIPTIONS: the default"
    print(f"subscriptions ({source}):")
    print("\n".join(pending_lines(settings, session_factory(engine))))
    engine.dispose()
    return 0
