"""Report views for analysts: ``report_events``, ``report_articles``, ``report_weekly``.

A stable surface over the pipeline's tables: the views read only columns that exist since
0001 (``articles``, ``article_topics``, ``events``) and give the same columns and values on
SQLite and PostgreSQL. Days and ISO weeks are China Standard Time (UTC+8, the site's clock):
SQLite stores instants as fixed-width ISO text in UTC, PostgreSQL as ``timestamptz``, so each
dialect gets its own small expressions for the local day, the ISO week and a sorted join.

Views never break a reader: a later revision may add a column (``CREATE OR REPLACE`` on
PostgreSQL keeps the existing columns first, in order), never rename or drop one; a change of
meaning is a new view name. The SQL is frozen here, as a migration's must be: a new version of
a view is a new revision with its own SQL.

On SQLite, a later revision that batch-alters ``articles``, ``article_topics`` or ``events``
(copy, drop, rename) must drop these views first and create them again after: SQLite checks
the views when a table is renamed into place.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Dropped in this order: none depends on another, but keep the order stable.
VIEWS = ("report_weekly", "report_events", "report_articles")
# Marks "every topic" (articles on no topic too) and "every event kind" in report_weekly.
ALL = "*"
SEPARATOR = ", "


def _sqlite_local(column: str) -> str:
    # The stored text is 'YYYY-MM-DDTHH:MM:SS.ffffff+00:00' (UTC); whole seconds are enough,
    # and SQLite would round a fraction of .9995 s up into the next day.
    return f"substr({column}, 1, 19), '+8 hours'"


class _SQLite:
    @staticmethod
    def day(column: str) -> str:
        return f"date({_sqlite_local(column)})"

    @staticmethod
    def _thursday(column: str) -> str:
        # The Thursday of the ISO week (Monday..Sunday) names its ISO year and week number.
        return f"date({_sqlite_local(column)}, '-3 days', 'weekday 4')"

    @classmethod
    def week(cls, column: str) -> str:
        thursday = cls._thursday(column)
        return (
            f"printf('%s-W%02d', strftime('%Y', {thursday}), "
            f"(CAST(strftime('%j', {thursday}) AS INTEGER) - 1) / 7 + 1)"
        )

    @classmethod
    def week_start(cls, column: str) -> str:
        return f"date({cls._thursday(column)}, '-3 days')"

    @staticmethod
    def joined(values: str) -> str:
        # SQLite before 3.44 has no ORDER BY in aggregates: it keeps an ordered subquery's order
        # (a subquery with ORDER BY under an aggregate is never flattened).
        return f"(SELECT group_concat(v, '{SEPARATOR}') FROM (SELECT DISTINCT {values} ORDER BY v))"

    @staticmethod
    def categories(column: str) -> str:
        return (
            f"(SELECT group_concat(c.value, '{SEPARATOR}') FROM json_each("
            f"CASE WHEN json_type({column}) = 'array' THEN {column} ELSE '[]' END) AS c)"
        )


class _PostgreSQL:
    @staticmethod
    def _local(column: str) -> str:
        return f"(({column} AT TIME ZONE 'UTC') + INTERVAL '8 hours')"

    @classmethod
    def day(cls, column: str) -> str:
        return f"to_char({cls._local(column)}, 'YYYY-MM-DD')"

    @classmethod
    def week(cls, column: str) -> str:
        return f"to_char({cls._local(column)}, 'IYYY-\"W\"IW')"

    @classmethod
    def week_start(cls, column: str) -> str:
        return f"to_char(date_trunc('week', {cls._local(column)}), 'YYYY-MM-DD')"

    @staticmethod
    def joined(values: str) -> str:
        return f"(SELECT string_agg(v, '{SEPARATOR}' ORDER BY v) FROM (SELECT DISTINCT {values}) s)"

    @staticmethod
    def categories(column: str) -> str:
        return (
            f"(SELECT string_agg(c.value, '{SEPARATOR}' ORDER BY c.n) "
            f"FROM json_array_elements_text(CASE WHEN json_typeof({column}) = 'array' "
            f"THEN {column} ELSE '[]'::json END) WITH ORDINALITY AS c(value, n))"
        )


def _views(sql: type[_SQLite] | type[_PostgreSQL]) -> dict[str, str]:
    event_topics = sql.joined(
        "t.topic AS v FROM events r JOIN article_topics t ON t.article_id = r.article_id "
        "WHERE r.kind = f.kind AND r.event_key = f.event_key"
    )
    # The first article (earliest published, then lowest event id) that gives a value.
    order = "PARTITION BY e.kind, e.event_key ORDER BY {blank}a.published_at, e.id"

    def first_given(column: str) -> str:
        blank = f"CASE WHEN COALESCE(TRIM(e.{column}), '') = '' THEN 1 ELSE 0 END, "
        return f"FIRST_VALUE(e.{column}) OVER ({order.format(blank=blank)}) AS {column}"

    report_events = f"""
        WITH reports AS (
            SELECT e.kind, e.event_key, e.name, e.article_id, a.title, a.url, a.published_at,
                {first_given("date_text")},
                {first_given("start_date")},
                {first_given("end_date")},
                {first_given("place")},
                ROW_NUMBER() OVER ({order.format(blank="")}) AS n
            FROM events e JOIN articles a ON a.id = e.article_id
        ),
        spans AS (
            SELECT kind, event_key, COUNT(DISTINCT article_id) AS articles,
                MIN(published_at) AS first_reported_at, MAX(published_at) AS last_reported_at
            FROM reports GROUP BY kind, event_key
        )
        SELECT f.event_key, f.kind, f.name, f.date_text, f.start_date, f.end_date, f.place,
            COALESCE({event_topics}, '') AS topics,
            s.articles, s.first_reported_at, s.last_reported_at, f.title, f.url
        FROM reports f JOIN spans s ON s.kind = f.kind AND s.event_key = f.event_key
        WHERE f.n = 1
    """
    article_topics = sql.joined("t.topic AS v FROM article_topics t WHERE t.article_id = a.id")
    report_articles = f"""
        SELECT a.id, a.title, a.url, a.published_at, a.author,
            COALESCE({article_topics}, '') AS topics,
            (SELECT COUNT(*) FROM events e WHERE e.article_id = a.id) AS events,
            COALESCE({sql.categories("a.categories")}, '') AS categories,
            {sql.day("a.published_at")} AS published_date,
            {sql.week("a.published_at")} AS week
        FROM articles a
    """
    counts = (
        "COUNT(DISTINCT article_id) AS articles, COUNT(DISTINCT event_ref) AS events, week_start, "
        "COUNT(DISTINCT CASE WHEN on_topics = 1 THEN article_id END) AS articles_on_topics, "
        "COUNT(DISTINCT CASE WHEN on_topics = 1 THEN event_ref END) AS events_on_topics"
    )
    # articles_on_topics / events_on_topics: the part of the counts that is on at least one
    # topic (equal to articles / events on a topic's own rows).
    report_weekly = f"""
        WITH weeks AS (
            SELECT a.id AS article_id, {sql.week("a.published_at")} AS week,
                {sql.week_start("a.published_at")} AS week_start,
                CASE WHEN EXISTS (SELECT 1 FROM article_topics t WHERE t.article_id = a.id)
                    THEN 1 ELSE 0 END AS on_topics
            FROM articles a
        ),
        tagged AS (
            SELECT w.week, w.week_start, w.article_id, w.on_topics, '{ALL}' AS topic FROM weeks w
            UNION ALL
            SELECT w.week, w.week_start, w.article_id, w.on_topics, t.topic
            FROM weeks w JOIN article_topics t ON t.article_id = w.article_id
        ),
        reports AS (
            SELECT x.week, x.week_start, x.topic, x.article_id, x.on_topics, e.kind,
                e.kind || ':' || e.event_key AS event_ref
            FROM tagged x LEFT JOIN events e ON e.article_id = x.article_id
        )
        SELECT week, topic, '{ALL}' AS kind, {counts}
        FROM reports GROUP BY week, week_start, topic
        UNION ALL
        SELECT week, topic, kind, {counts}
        FROM reports WHERE kind IS NOT NULL GROUP BY week, week_start, topic, kind
    """
    return {
        "report_events": report_events,
        "report_articles": report_articles,
        "report_weekly": report_weekly,
    }


def upgrade() -> None:
    dialect = op.get_context().dialect.name
    sql = _PostgreSQL if dialect == "postgresql" else _SQLite
    for name, body in _views(sql).items():
        op.execute(f"CREATE VIEW {name} AS {body}")


def downgrade() -> None:
    for name in VIEWS:
        op.execute(f"DROP VIEW IF EXISTS {name}")
