"""Event editions in the database: the edition of each stored report, and one ``event_editions``
row per real-world event with its slots resolved over all its reports.

``events`` keeps one row per article mention (the contract's table); ``event_editions`` is
derived from it (recomputed for the keys a run touched) and read by ``report_events``, the
digest, the alerts and the calendar.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, exists, func, select, tuple_
from sqlalchemy.orm import Session

from pipelines.core.instants import cst_day
from pipelines.events.editions import KnownEdition, resolve_edition
from pipelines.events.keys import edition_key, part_of, series_key
from pipelines.storage.models import Article, Event, EventEdition

EditionRef = tuple[str, str]  # (kind, event_key)
_CHUNK = 400


def known_editions(
    session: Session, kind: str, series: str, article_id: int | None
) -> list[KnownEdition]:
    """The editions of a series stored from other articles than ``article_id``."""
    rows = session.execute(
        select(Event.edition, Event.start_date, Article.published_at)
        .join(Article, Article.id == Event.article_id)
        .where(Event.kind == kind, Event.series_key == series, Event.article_id != article_id)
    )
    found: dict[str, dict[str, Any]] = {}
    for edition, start, published in rows:
        day = cst_day(published)
        entry = found.setdefault(edition or "", {"start": None, "days": []})
        entry["days"].append(day)
        if start and entry["start"] is None:
            entry["start"] = date.fromisoformat(start)
    return [
        KnownEdition(
            edition=e, start=v["start"], first_reported=min(v["days"]), last_reported=max(v["days"])
        )
        for e, v in found.items()
    ]


def edition_of(
    session: Session, article: Article, kind: str, name: str, start: date | None
) -> tuple[str, str, str]:
    """(series key, edition, event key) of a report of ``name`` in ``article``."""
    series = series_key(name)
    known = known_editions(session, kind, series, article.id)
    edition = resolve_edition(kind, name, start, cst_day(article.published_at), known)
    return series, edition, edition_key(series, edition)


def keys_of_articles(session: Session, article_ids: Sequence[int]) -> set[EditionRef]:
    """The edition keys the articles' stored events belong to."""
    keys: set[EditionRef] = set()
    for start in range(0, len(article_ids), _CHUNK):
        chunk = list(article_ids[start : start + _CHUNK])
        keys.update(
            (k, e)
            for k, e in session.execute(
                select(Event.kind, Event.event_key).where(Event.article_id.in_(chunk))
            )
        )
    return keys


def _latest(rows: Sequence[Any], attr: str) -> Any:
    """The value of the latest report giving one (a later report may move a date)."""
    for event, _article in reversed(rows):
        value = getattr(event, attr)
        if value is not None and str(value).strip():
            return value
    return None


def _days(rows: Sequence[Any]) -> dict[str, str | None]:
    """The edition's days: the start the latest report gives (a later report may move it), and
    the furthest end any report with that start gives ("opened on Thursday" after "runs from
    Thursday to Sunday" does not shorten it)."""
    start = _latest(rows, "start_date")
    ends = [e.end_date for e, _a in rows if e.start_date == start and e.end_date]
    end = max(ends) if ends else None
    return {"start_date": start, "end_date": end if end and start and end >= start else None}


def _same_place(a: str, b: str) -> bool:
    """One place named more or less precisely ("Chongqing" in "... Expo Center, Chongqing")."""
    x, y = a.casefold(), b.casefold()
    return x in y or y in x


def _place(rows: Sequence[Any]) -> str | None:
    """The latest place given, unless it only names less precisely one given before."""
    given = [e.place.strip() for e, _a in rows if e.place and e.place.strip()]
    if not given:
        return None
    latest = given[-1]
    fuller = [p for p in given if _same_place(p, latest) and len(p) > len(latest)]
    return max(fuller, key=len) if fuller else latest


def _proposers(events: Iterable[Event]) -> list[dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for event in events:
        roles = list(event.proposer_roles or ())
        for n, name in enumerate(event.proposers or ()):
            text = " ".join(str(name).split())
            role = str(roles[n]) if n < len(roles) and roles[n] else ""
            entry = found.setdefault(text.casefold(), {"name": text, "role": role})
            if not entry["role"] and role:
                entry["role"] = role
    return [v for v in found.values() if v["name"]]


def _organisers(events: Iterable[Event]) -> list[str]:
    found: dict[str, str] = {}
    for event in events:
        for name in event.organisers or ():
            text = " ".join(str(name).split())
            if text:
                found.setdefault(text.casefold(), text)
    return list(found.values())


def _parent_key(session: Session, event: Event, edition: str) -> str | None:
    if not event.parent:
        return None
    siblings = session.scalars(
        select(Event).where(Event.article_id == event.article_id, Event.id != event.id)
    )
    for sibling in siblings:
        if part_of(event.parent, sibling.name) or part_of(sibling.name, event.parent):
            return sibling.event_key
    return edition_key(series_key(event.parent), edition)


def _moves(row: EventEdition, values: dict[str, Any]) -> list[str]:
    """What a later report moved: a date or a place the edition already had."""
    moved = []
    start, end = values["start_date"], values["end_date"]
    # A range given before and another end now is a move; a single day growing into the range
    # it opens is not ("opened on Thursday", then "runs until Sunday").
    ranged = row.end_date not in (None, row.start_date)
    if row.start_date and start and (start != row.start_date or (ranged and end != row.end_date)):
        moved.append("date")
    if row.place and values["place"] and not _same_place(row.place, values["place"]):
        moved.append("place")
    return moved


def sync_editions(session: Session, keys: Iterable[EditionRef], now: datetime) -> int:
    """Recompute the ``event_editions`` rows of ``keys`` from their reports; drop editions left
    with none. Returns how many rows were written."""
    wanted = sorted(set(keys))
    written = 0
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        rows = session.execute(
            select(Event, Article)
            .join(Article, Article.id == Event.article_id)
            .where(tuple_(Event.kind, Event.event_key).in_(chunk))
            .order_by(Article.published_at, Article.id, Event.id)
        ).all()
        reports: dict[EditionRef, list[Any]] = {}
        for event, article in rows:
            reports.setdefault((event.kind, event.event_key), []).append((event, article))
        existing = {
            (r.kind, r.event_key): r
            for r in session.scalars(
                select(EventEdition).where(
                    tuple_(EventEdition.kind, EventEdition.event_key).in_(chunk)
                )
            )
        }
        for ref, found in reports.items():
            _write(session, ref, found, existing.get(ref), now)
            written += 1
    orphan = ~exists().where(
        Event.kind == EventEdition.kind, Event.event_key == EventEdition.event_key
    )
    session.execute(delete(EventEdition).where(orphan))
    return written


def _write(
    session: Session, ref: EditionRef, found: list[Any], row: EventEdition | None, now: datetime
) -> None:
    events = [e for e, _a in found]
    first_event, first_article = found[0]
    latest_parent = next((e for e, _a in reversed(found) if e.parent), None)
    edition = first_event.edition or ""
    values: dict[str, Any] = {
        "series_key": first_event.series_key or first_event.event_key,
        "edition": edition,
        "name": first_event.name,
        "date_text": _latest(found, "date_text"),
        **_days(found),
        "place": _place(found),
        "venue": _latest(found, "venue"),
        "city": _latest(found, "city"),
        "status": _latest(found, "status"),
        "organisers": _organisers(events),
        "proposers": _proposers(events),
        "parent_name": latest_parent.parent if latest_parent else None,
        "parent_key": _parent_key(session, latest_parent, edition) if latest_parent else None,
        "articles": len({a.id for _e, a in found}),
        "sources": sorted({a.source for _e, a in found if a.source}),
        "first_reported_at": first_article.published_at,
        "last_reported_at": found[-1][1].published_at,
        "title": first_article.title,
        "url": first_article.url,
    }
    if row is None:
        row = EventEdition(kind=ref[0], event_key=ref[1], sequence=0)
        session.add(row)
    else:
        moved = _moves(row, values)
        if moved:
            row.sequence = (row.sequence or 0) + 1
            row.changed_at = now
            row.change = _change_text(row, values, moved)
            row.previous_start_date = row.start_date
            row.previous_end_date = row.end_date
            row.previous_place = row.place
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = now


def _change_text(row: EventEdition, values: dict[str, Any], moved: Sequence[str]) -> str:
    parts = []
    if "date" in moved:
        parts.append(
            f"date: {row.start_date}/{row.end_date or row.start_date} -> "
            f"{values['start_date']}/{values['end_date'] or values['start_date']}"
        )
    if "place" in moved:
        parts.append(f"place: {row.place} -> {values['place']}")
    return "; ".join(parts)


def dated_editions(session: Session, since: date) -> list[tuple[EventEdition, list[Any]]]:
    """Editions with a start day whose last day is ``since`` or later, each with its reports:
    (url, title, published_at, article id, body text), oldest first."""
    last_day = func.coalesce(EventEdition.end_date, EventEdition.start_date)
    editions = list(
        session.scalars(
            select(EventEdition)
            .where(EventEdition.start_date.is_not(None), last_day >= since.isoformat())
            .order_by(EventEdition.start_date, EventEdition.id)
        )
    )
    reports: dict[EditionRef, list[Any]] = {}
    refs = [(e.kind, e.event_key) for e in editions]
    for start in range(0, len(refs), _CHUNK):
        rows = session.execute(
            select(
                Event.kind,
                Event.event_key,
                Article.url,
                Article.title,
                Article.published_at,
                Article.id,
                Article.body_text,
            )
            .join(Article, Article.id == Event.article_id)
            .where(tuple_(Event.kind, Event.event_key).in_(refs[start : start + _CHUNK]))
            .order_by(Article.published_at, Article.id)
        )
        for kind, key, *report in rows:
            reports.setdefault((kind, key), []).append(tuple(report))
    return [(e, reports.get((e.kind, e.event_key), [])) for e in editions]
