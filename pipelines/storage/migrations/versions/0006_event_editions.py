"""Event editions: ``events.event_key`` becomes the edition's key, one ``event_editions`` row per
real-world event, ``report_events`` reads it; the delivery ledger is re-keyed to editions.

Before 0006 the key dropped the year, so "Smart China Expo 2025" was taken for the 2024 one and
never delivered. Now ``event_key`` is ``series|edition`` (``smart china expo|2025``), with the
old key kept as ``series_key``. The rules that give an edition are frozen here as they were at
this revision (``pipelines.events.editions`` may refine them later): the year in the name, else
the year of the start date, else the stored edition of the series nearest in time within 180
days, else the ordinal of the name, else the publication year (with its month if taken).

Deliveries are re-keyed without losing or repeating anything: an event item delivered (or
claimed) before stands for every edition of its series that an article seen before the claim
reported (those were the rows grouped into that item); an edition first seen after it is
pending, as it should always have been. A report item follows its article's edition.

New columns for the slot readers' fields (venue, city, status, parent, proposer roles) are
added to ``events`` with plain ``ALTER TABLE ... ADD COLUMN`` (no table copy on SQLite, so the
0005 views stay valid).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

import importlib.util
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from alembic import op

from pipelines.storage.models import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEPARATOR = ", "


def _new_event_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("series_key", sa.String(512), nullable=True),
        sa.Column("edition", sa.String(32), nullable=True),
        sa.Column("venue", sa.Text(), nullable=True),
        sa.Column("city", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=True),
        sa.Column("parent", sa.Text(), nullable=True),
        sa.Column("proposer_roles", sa.JSON(), nullable=True),
    ]


_CST = timedelta(hours=8)
_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
_ORDINAL = re.compile(r"\b(\d{1,3})(?:st|nd|rd|th)\b", re.IGNORECASE)
_ORDINAL_WORDS = {
    w: n
    for n, w in enumerate(
        (
            "first",
            "second",
            "third",
            "fourth",
            "fifth",
            "sixth",
            "seventh",
            "eighth",
            "ninth",
            "tenth",
            "eleventh",
            "twelfth",
        ),  # fmt: skip
        start=1,
    )
}
_SAME_EDITION_DAYS = 180
_SINGLE_EDITION_KINDS = ("alliance", "proposal")


def _v5() -> Any:
    """The 0005 module, for its view SQL (downgrade restores its report_events)."""
    path = Path(__file__).with_name("0005_report_views.py")
    spec = importlib.util.spec_from_file_location("cqmonitor_migration_0005", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _suffix(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


def _written(name: str) -> str | None:
    years = _YEAR.findall(name)
    if years:
        return years[-1]
    number = _ORDINAL.search(name)
    if number:
        return _suffix(int(number.group(1)))
    for word in re.findall(r"[a-z]+", name.lower()):
        if word in _ORDINAL_WORDS:
            return _suffix(_ORDINAL_WORDS[word])
    return None


def _instant(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _edition(kind: str, name: str, start: str | None, day: date, known: dict[str, Any]) -> str:
    written = _written(name)
    if written is not None and written.isdigit():
        return written
    if start:
        return start[:4]

    def distance(entry: dict[str, Any]) -> int:
        if entry["start"] is not None:
            return abs((day - entry["start"]).days)
        return min(abs((day - d).days) for d in entry["days"])

    if known:
        label, entry = min(known.items(), key=lambda kv: (distance(kv[1]), kv[0]))
        if kind in _SINGLE_EDITION_KINDS or distance(entry) <= _SAME_EDITION_DAYS:
            return label
    if written is not None:
        return written
    if kind in _SINGLE_EDITION_KINDS:
        return ""
    label = str(day.year)
    return f"{day:%Y-%m}" if label in known else label


def _key(series: str, edition: str) -> str:
    return f"{series}|{edition}" if edition else series


def _rekey_events(bind: Any) -> dict[tuple[str, str], dict[str, Any]]:
    """Give every events row its series and edition; returns the editions found with their
    reports' articles (id, url, first_seen_at)."""
    rows = bind.execute(
        sa.text(
            "SELECT e.id, e.kind, e.name, e.event_key, e.start_date, a.id, a.url, "
            "a.published_at, a.first_seen_at FROM events e JOIN articles a ON a.id = e.article_id "
            "ORDER BY a.published_at, a.id, e.id"
        )
    ).all()
    series_state: dict[tuple[str, str], dict[str, Any]] = {}
    editions: dict[tuple[str, str], dict[str, Any]] = {}
    for event_id, kind, name, old_key, start, article_id, url, published, seen in rows:
        day = (_instant(published) + _CST).date()
        known = series_state.setdefault((kind, old_key), {})
        edition = _edition(kind, name, start, day, known)
        entry = known.setdefault(edition, {"start": None, "days": []})
        entry["days"].append(day)
        if start and entry["start"] is None:
            entry["start"] = date.fromisoformat(start)
        key = _key(old_key, edition)
        bind.execute(
            sa.text(
                "UPDATE events SET series_key = :series, edition = :edition, event_key = :key "
                "WHERE id = :id"
            ),
            {"series": old_key, "edition": edition, "key": key, "id": event_id},
        )
        found = editions.setdefault(
            (kind, key), {"series": old_key, "articles": {}, "edition": edition}
        )
        found["articles"][article_id] = (url, _instant(seen))
    return editions


def _rekey_deliveries(bind: Any, editions: dict[tuple[str, str], dict[str, Any]]) -> None:
    by_series: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for (kind, key), found in editions.items():
        by_series.setdefault(f"{kind}:{found['series']}", []).append((f"{kind}:{key}", found))
    columns = "subscription, item_type, item_key, digest_id, status, message_ts, claimed_at"
    columns += ", delivered_at"
    rows = bind.execute(
        sa.text(f"SELECT id, {columns} FROM deliveries WHERE item_type IN ('event', 'report')")
    ).all()
    for row in rows:
        delivery_id, item_type, item_key, claimed = row[0], row[2], row[3], _instant(row[7])
        if item_type == "report":
            item, _, url = item_key.partition("@")
            new = next(
                (
                    key
                    for key, found in by_series.get(item, ())
                    if any(u == url for u, _s in found["articles"].values())
                ),
                None,
            )
            if new is not None and new != item:
                _set_key(bind, delivery_id, f"{new}@{url}")
            continue
        versions = sorted(by_series.get(item_key, ()), key=lambda kf: kf[0])
        covered = [
            key
            for key, found in versions
            if any(seen <= claimed for _u, seen in found["articles"].values())
        ]
        if not covered and versions:
            # Nothing seen before the claim (clock skew): it stood for the earliest edition.
            first = min(versions, key=lambda kf: min(s for _u, s in kf[1]["articles"].values()))
            covered = [first[0]]
        if not covered or covered == [item_key]:
            continue
        _set_key(bind, delivery_id, covered[0])
        for key in covered[1:]:
            values = dict(zip(columns.split(", "), row[1:], strict=True))
            values["item_key"] = key
            names = ", ".join(values)
            marks = ", ".join(f":{n}" for n in values)
            bind.execute(sa.text(f"INSERT INTO deliveries ({names}) VALUES ({marks})"), values)


def _set_key(bind: Any, delivery_id: int, key: str) -> None:
    bind.execute(
        sa.text("UPDATE deliveries SET item_key = :key WHERE id = :id"),
        {"key": key, "id": delivery_id},
    )


def _create_editions_table() -> None:
    op.create_table(
        "event_editions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("event_key", sa.String(512), nullable=False),
        sa.Column("series_key", sa.String(512), nullable=False),
        sa.Column("edition", sa.String(32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("date_text", sa.Text(), nullable=True),
        sa.Column("start_date", sa.String(10), nullable=True),
        sa.Column("end_date", sa.String(10), nullable=True),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("venue", sa.Text(), nullable=True),
        sa.Column("city", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=True),
        sa.Column("organisers", sa.JSON(), nullable=False),
        sa.Column("proposers", sa.JSON(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("parent_name", sa.Text(), nullable=True),
        sa.Column("parent_key", sa.String(512), nullable=True),
        sa.Column("articles", sa.Integer(), nullable=False),
        sa.Column("first_reported_at", UTCDateTime(), nullable=True),
        sa.Column("last_reported_at", UTCDateTime(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("url", sa.String(2048), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=True),
        sa.Column("change", sa.Text(), nullable=True),
        sa.Column("previous_start_date", sa.String(10), nullable=True),
        sa.Column("previous_end_date", sa.String(10), nullable=True),
        sa.Column("previous_place", sa.Text(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_editions")),
        sa.UniqueConstraint("kind", "event_key", name=op.f("uq_event_editions_kind_event_key")),
    )


def _fill_editions(bind: Any) -> None:
    """One row per edition from its reports (latest report giving a value wins)."""
    rows = bind.execute(
        sa.text(
            "SELECT e.kind, e.event_key, e.series_key, e.edition, e.name, e.date_text, "
            "e.start_date, e.end_date, e.place, e.organisers, e.proposers, a.id, a.url, "
            "a.title, a.published_at FROM events e JOIN articles a ON a.id = e.article_id "
            "ORDER BY a.published_at, a.id, e.id"
        )
    ).all()
    groups: dict[tuple[str, str], list[Any]] = {}
    for row in rows:
        groups.setdefault((row[0], row[1]), []).append(row)
    table = sa.table(
        "event_editions",
        *(sa.column(n) for n in ("kind", "event_key", "series_key", "edition", "name")),
        *(sa.column(n) for n in ("date_text", "start_date", "end_date", "place", "articles")),
        sa.column("organisers", sa.JSON()),
        sa.column("proposers", sa.JSON()),
        sa.column("sources", sa.JSON()),
        sa.column("first_reported_at", UTCDateTime()),
        sa.column("last_reported_at", UTCDateTime()),
        sa.column("updated_at", UTCDateTime()),
        *(sa.column(n) for n in ("title", "url", "sequence")),
    )

    def latest(found: list[Any], n: int) -> Any:
        return next((r[n] for r in reversed(found) if r[n] and str(r[n]).strip()), None)

    def listed(value: Any) -> list[Any]:
        if isinstance(value, str):
            import json

            value = json.loads(value or "[]")
        return list(value or [])

    values = []
    for (kind, key), found in groups.items():
        organisers: dict[str, str] = {}
        proposers: dict[str, dict[str, str]] = {}
        for r in found:
            for o in listed(r[9]):
                organisers.setdefault(str(o).casefold(), str(o))
            for p in listed(r[10]):
                proposers.setdefault(str(p).casefold(), {"name": str(p), "role": ""})
        values.append(
            {
                "kind": kind,
                "event_key": key,
                "series_key": found[0][2] or key,
                "edition": found[0][3] or "",
                "name": found[0][4],
                "date_text": latest(found, 5),
                "start_date": latest(found, 6),
                "end_date": latest(found, 7),
                "place": latest(found, 8),
                "articles": len({r[11] for r in found}),
                "organisers": list(organisers.values()),
                "proposers": list(proposers.values()),
                "sources": sorted({urlsplit(r[12]).hostname or "" for r in found} - {""}),
                "first_reported_at": _instant(found[0][14]),
                "last_reported_at": _instant(found[-1][14]),
                "updated_at": datetime.now(UTC),
                "title": found[0][13],
                "url": found[0][12],
                "sequence": 0,
            }
        )
    if values:
        op.bulk_insert(table, values)


class _SQLite:
    @staticmethod
    def joined(values: str) -> str:
        return f"(SELECT group_concat(v, '{SEPARATOR}') FROM (SELECT DISTINCT {values} ORDER BY v))"

    @staticmethod
    def listed(column: str) -> str:
        return f"(SELECT group_concat(c.value, '{SEPARATOR}') FROM json_each({column}) AS c)"

    @staticmethod
    def people(column: str) -> str:
        person = (
            "json_extract(c.value, '$.name') || CASE WHEN COALESCE(json_extract(c.value, "
            "'$.role'), '') = '' THEN '' ELSE ' (' || json_extract(c.value, '$.role') || ')' END"
        )
        return f"(SELECT group_concat({person}, '{SEPARATOR}') FROM json_each({column}) AS c)"


class _PostgreSQL:
    @staticmethod
    def joined(values: str) -> str:
        return f"(SELECT string_agg(v, '{SEPARATOR}' ORDER BY v) FROM (SELECT DISTINCT {values}) s)"

    @staticmethod
    def listed(column: str) -> str:
        return (
            f"(SELECT string_agg(c.value, '{SEPARATOR}' ORDER BY c.n) FROM "
            f"json_array_elements_text({column}) WITH ORDINALITY AS c(value, n))"
        )

    @staticmethod
    def people(column: str) -> str:
        person = (
            "(c.value->>'name') || CASE WHEN COALESCE(c.value->>'role', '') = '' THEN '' "
            "ELSE ' (' || (c.value->>'role') || ')' END"
        )
        return (
            f"(SELECT string_agg({person}, '{SEPARATOR}' ORDER BY c.n) FROM "
            f"json_array_elements({column}) WITH ORDINALITY AS c(value, n))"
        )


def report_events_sql(sql: type[_SQLite] | type[_PostgreSQL]) -> str:
    """One row per edition: the 0005 columns first, in order, then the new ones."""
    topics = sql.joined(
        "t.topic AS v FROM events r JOIN article_topics t ON t.article_id = r.article_id "
        "WHERE r.kind = x.kind AND r.event_key = x.event_key"
    )
    return f"""
        SELECT x.event_key, x.kind, x.name, x.date_text, x.start_date, x.end_date, x.place,
            COALESCE({topics}, '') AS topics,
            x.articles, x.first_reported_at, x.last_reported_at, x.title, x.url,
            COALESCE({sql.listed("x.organisers")}, '') AS organisers,
            COALESCE({sql.people("x.proposers")}, '') AS proposers,
            x.status,
            COALESCE({sql.listed("x.sources")}, '') AS sources,
            x.series_key, x.edition, x.venue, x.city, x.parent_key, x.parent_name,
            x.sequence, x.changed_at
        FROM event_editions x
    """


def upgrade() -> None:
    bind = op.get_bind()
    sql = _PostgreSQL if bind.dialect.name == "postgresql" else _SQLite
    for column in _new_event_columns():
        op.add_column("events", column)
    op.create_index("ix_events_series_key", "events", ["kind", "series_key"])
    _create_editions_table()
    editions = _rekey_events(bind)
    _rekey_deliveries(bind, editions)
    _fill_editions(bind)
    op.execute("DROP VIEW IF EXISTS report_events")
    op.execute(f"CREATE VIEW report_events AS {report_events_sql(sql)}")


def _collapse(bind: Any, pattern: str, key_of: Any) -> None:
    """Give rows matching ``pattern`` the key ``key_of(key)``, one row per new key (the first)."""
    rows = bind.execute(
        sa.text(
            "SELECT id, subscription, item_type, item_key FROM deliveries "
            "WHERE item_key LIKE :pattern ORDER BY id"
        ),
        {"pattern": pattern},
    ).all()
    taken = {
        (s, t, k)
        for s, t, k in bind.execute(
            sa.text("SELECT subscription, item_type, item_key FROM deliveries")
        )
    }
    for delivery_id, subscription, item_type, key in rows:
        new = key_of(key)
        if new == key:
            continue
        taken.discard((subscription, item_type, key))
        if (subscription, item_type, new) in taken:
            bind.execute(sa.text("DELETE FROM deliveries WHERE id = :id"), {"id": delivery_id})
        else:
            _set_key(bind, delivery_id, new)
            taken.add((subscription, item_type, new))


def downgrade() -> None:
    bind = op.get_bind()
    op.execute("DROP VIEW IF EXISTS report_events")
    v5 = _v5()
    old_sql = v5._PostgreSQL if bind.dialect.name == "postgresql" else v5._SQLite
    op.execute(f"CREATE VIEW report_events AS {v5._views(old_sql)['report_events']}")

    def series_of(key: str) -> str:
        item, at, url = key.partition("@")
        kind, _, event_key = item.partition(":")
        return f"{kind}:{event_key.split('|')[0]}{at}{url}"

    _collapse(bind, "%|%", series_of)
    # One row per article and series: a story naming two editions keeps its first.
    bind.execute(
        sa.text(
            "DELETE FROM events WHERE series_key IS NOT NULL AND id NOT IN (SELECT MIN(id) "
            "FROM events WHERE series_key IS NOT NULL GROUP BY article_id, kind, series_key)"
        )
    )
    bind.execute(sa.text("UPDATE events SET event_key = series_key WHERE series_key IS NOT NULL"))
    op.drop_table("event_editions")
    op.drop_index("ix_events_series_key", table_name="events")
    for column in reversed(_new_event_columns()):
        # Plain DROP COLUMN (SQLite >= 3.35): a batch copy would invalidate the 0005 views.
        op.execute(f"ALTER TABLE events DROP COLUMN {column.name}")
