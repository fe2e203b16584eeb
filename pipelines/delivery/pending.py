"""What is pending delivery, read from the ledger into digest content."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from pipelines.digest import (
    DigestArticle,
    DigestContent,
    DigestEvent,
    DigestLabels,
    DigestLink,
    default_labels,
)
from pipelines.storage import ledger
from pipelines.storage.corrections import slot_notes
from pipelines.storage.models import Event, EventEdition
from pipelines.subscriptions import Subscription, default_subscription

_SUMMARY_CHARS = 200


def _first_sentence(text: str, limit: int = _SUMMARY_CHARS) -> str:
    text = " ".join((text or "").split())
    for stop in (". ", "! ", "? ", "。"):
        at = text.find(stop)
        if 0 < at < limit:
            return text[: at + 1].strip()
    if len(text) <= limit:
        return text
    # A teaser of the body, visibly shortened: the link carries the whole article.
    return text[:limit].rsplit(" ", 1)[0] + " …"


def _unique(values: Iterable[Any]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values:
        text = " ".join(str(value or "").split())
        if text and text.casefold() not in {k.casefold() for k in seen}:
            seen[text] = None
    return tuple(seen)


def _event_groups(
    rows: Iterable[Any],
    topics: dict[int, list[str]],
    subscription: Subscription,
    sources: dict[int, str] | None = None,
) -> dict[tuple[str, str], list[Any]]:
    """Rows by event, keeping the articles on the subscription's topics, keywords and
    sources."""
    groups: dict[tuple[str, str], list[Any]] = {}
    for row in rows:
        event = row[0]
        if not subscription.wants_kind(event.kind):
            continue
        if sources is not None and not subscription.wants_source(sources.get(row[4], "")):
            continue
        if not subscription.wants_topics(topics.get(row[4], ())):
            continue
        if not subscription.wants_keywords(event.name, row[2], row[5]):
            continue
        groups.setdefault((event.kind, event.event_key), []).append(row)
    return groups


def digest_event(
    kind: str,
    key: str,
    rows: list[Any],
    topics: dict[int, list[str]],
    labels: DigestLabels,
    edition: EventEdition | None = None,
) -> DigestEvent:
    """One event, however many articles (``rows``) reported it; its slots resolved over all
    its reports by ``edition`` (its ``event_editions`` row) where there is one."""
    evs: list[Event] = [r[0] for r in rows]

    def latest(attr: str) -> Any:
        if edition is not None:
            return getattr(edition, attr)
        return next((getattr(e, attr) for e in reversed(evs) if (getattr(e, attr) or "")), None)

    links: dict[str, DigestLink] = {}
    for r in rows:
        links.setdefault(r[1], DigestLink(url=r[1], title=r[2], published=r[3]))
    proposers = list(edition.proposers or ()) if edition is not None else []
    return DigestEvent(
        kind=kind,
        name=(edition.name if edition is not None else None) or evs[0].name or key,
        key=key,
        topics=labels.ordered_topics(t for r in rows for t in topics.get(r[4], ())),
        date_text=latest("date_text"),
        place=latest("place"),
        organisers=_unique(o for e in evs for o in (e.organisers or ()))
        if edition is None
        else tuple(edition.organisers or ()),
        proposers=_unique(p for e in evs for p in (e.proposers or ())),
        proposers_with_roles=tuple(
            f"{p['name']} ({p['role']})" if p.get("role") else str(p["name"]) for p in proposers
        ),
        summary=next((e.summary for e in evs if (e.summary or "").strip()), ""),
        links=tuple(links.values()),
        start_date=latest("start_date"),
        end_date=latest("end_date"),
        venue=latest("venue"),
        city=latest("city"),
        status=latest("status"),
        parent=edition.parent_name if edition is not None else evs[0].parent,
        reports=edition.articles if edition is not None else len(links),
    )


def collect_pending(
    session: Session,
    *,
    now: datetime,
    labels: DigestLabels | None = None,
    subscription: Subscription | None = None,
) -> DigestContent:
    """Events and topic articles the subscription has not had yet (nor claimed by a digest in
    progress), filtered by its topics, kinds, keywords and sources.

    Only articles with at least one topic count; an event reported by several articles is one
    item, with every matching article's link. ``labels`` name and order topics and kinds
    (default: the packaged taxonomy's); ``subscription`` defaults to everything.
    """
    labels = labels or default_labels()
    subscription = subscription or default_subscription("")
    event_rows = ledger.event_rows(session, subscription.name)
    article_rows = (
        ledger.pending_article_rows(session, subscription.name) if subscription.articles else []
    )
    topics = ledger.topics_of(
        session, {row[4] for row in event_rows} | {a.id for a in article_rows}
    )
    sources = (
        ledger.sources_of(session, {row[4] for row in event_rows} | {a.id for a in article_rows})
        if subscription.sources is not None
        else None
    )
    groups = _event_groups(event_rows, topics, subscription, sources)
    editions = ledger.editions_of(session, groups)
    events = [
        digest_event(kind, key, rows, topics, labels, editions.get((kind, key)))
        for (kind, key), rows in groups.items()
    ]
    # A date or place a reader corrected is shown with its source.
    notes = slot_notes(session, (ev.item_key for ev in events))
    events = [replace(ev, corrected=notes.get(ev.item_key, "")) for ev in events]
    published = [row[3] for rows in groups.values() for row in rows]
    articles = []
    for art in article_rows:
        if not subscription.wants_topics(topics.get(art.id, ())):
            continue
        if not subscription.wants_source(art.source):
            continue
        if not subscription.wants_keywords(art.title, art.body_text):
            continue
        published.append(art.published_at)
        articles.append(
            DigestArticle(
                url=art.url,
                title=art.title,
                topics=labels.ordered_topics(topics.get(art.id, ())),
                summary=_first_sentence(art.body_text),
                published=art.published_at,
            )
        )
    return DigestContent(
        window_start=min(published) if published else None,
        window_end=max(published) if published else None,
        events=tuple(events),
        other_articles=tuple(articles),
        generated_at=now,
        labels=labels,
    )
