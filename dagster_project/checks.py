"""Asset checks operators see in the UI. Those protecting readers are blocking: a failure
stops the run before the digest."""

from collections import defaultdict

import dagster as dg
from sqlalchemy import func, or_, select

from pipelines.core.urls import article_key
from pipelines.monitoring import COVERAGE_THRESHOLDS
from pipelines.storage.models import EVENT_KINDS, TOPICS, Article, ArticleTopic, CrawlRun, Event

from .resources import DatabaseResource

SAMPLE = 10


@dg.asset_check(asset="articles", blocking=True)
def no_duplicate_articles(database: DatabaseResource) -> dg.AssetCheckResult:
    """One row per article: no two stored URLs are the same article (scheme, host, AMP, ...)."""
    by_key: dict[str, list[str]] = defaultdict(list)
    with database.session() as session:
        for (url,) in session.execute(select(Article.url)):
            by_key[article_key(url) or url].append(url)
    duplicates = {key: urls for key, urls in by_key.items() if len(urls) > 1}
    return dg.AssetCheckResult(
        passed=not duplicates,
        metadata={
            "articles": sum(len(urls) for urls in by_key.values()),
            "duplicated_articles": len(duplicates),
            "examples": dg.MetadataValue.json(dict(list(duplicates.items())[:SAMPLE])),
        },
    )


@dg.asset_check(asset="articles", blocking=True)
def articles_complete(database: DatabaseResource) -> dg.AssetCheckResult:
    """Every article has a title, a publication instant and a body."""
    with database.session() as session:
        incomplete = session.execute(
            select(Article.url).where(
                or_(
                    func.length(func.trim(Article.title)) == 0,
                    func.length(func.trim(Article.body_text)) == 0,
                    Article.published_at.is_(None),
                )
            )
        ).scalars()
        urls = list(incomplete)
    return dg.AssetCheckResult(
        passed=not urls,
        metadata={"incomplete": len(urls), "examples": dg.MetadataValue.json(urls[:SAMPLE])},
    )


@dg.asset_check(asset="articles")
def crawl_field_coverage(database: DatabaseResource) -> dg.AssetCheckResult:
    """The latest stored crawl found each field on enough pages (else the markup changed)."""
    with database.session() as session:
        latest = session.scalars(
            select(CrawlRun)
            .where(CrawlRun.status.in_(("success", "failed")))
            .order_by(CrawlRun.id.desc())
        ).first()
        if latest is None:
            return dg.AssetCheckResult(passed=True, metadata={"crawl": "none stored yet"})
        coverage: dict[str, float] = dict((latest.stats or {}).get("health/coverage", {}))
        problems = list((latest.stats or {}).get("health/problems", []))
        crawl_id = latest.id
    low = {
        name: share
        for name, share in coverage.items()
        if name in COVERAGE_THRESHOLDS and share < COVERAGE_THRESHOLDS[name]
    }
    return dg.AssetCheckResult(
        passed=not low and not problems,
        metadata={
            "crawl_run_id": crawl_id,
            "coverage": dg.MetadataValue.json(coverage),
            "thresholds": dg.MetadataValue.json(COVERAGE_THRESHOLDS),
            "problems": dg.MetadataValue.json(problems),
        },
    )


@dg.asset_check(asset="article_topics")
def topics_consistent(database: DatabaseResource) -> dg.AssetCheckResult:
    """Topics are known ones, each with its evidence, and no article waits for classification."""
    with database.session() as session:
        unknown = session.scalar(
            select(func.count()).select_from(ArticleTopic).where(ArticleTopic.topic.not_in(TOPICS))
        )
        # JSON has no portable length(): count empty evidence lists in Python.
        no_evidence = sum(1 for (ev,) in session.execute(select(ArticleTopic.evidence)) if not ev)
        orphans = session.scalar(
            select(func.count())
            .select_from(ArticleTopic)
            .where(ArticleTopic.article_id.not_in(select(Article.id)))
        )
        pending = session.scalar(
            select(func.count()).select_from(Article).where(Article.taxonomy_version.is_(None))
        )
    counts = {
        "unknown_topic": unknown,
        "without_evidence": no_evidence,
        "orphans": orphans,
        "articles_not_classified": pending,
    }
    return dg.AssetCheckResult(
        passed=not any(counts.values()), metadata={k: int(v or 0) for k, v in counts.items()}
    )


@dg.asset_check(asset="events")
def events_consistent(database: DatabaseResource) -> dg.AssetCheckResult:
    """Events have a known kind, a name and an article; no article waits for extraction."""
    with database.session() as session:
        bad_kind = session.scalar(
            select(func.count()).select_from(Event).where(Event.kind.not_in(EVENT_KINDS))
        )
        unnamed = session.scalar(
            select(func.count()).select_from(Event).where(func.length(func.trim(Event.name)) == 0)
        )
        orphans = session.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.article_id.not_in(select(Article.id)))
        )
        pending = session.scalar(
            select(func.count()).select_from(Article).where(Article.events_version.is_(None))
        )
    counts = {
        "unknown_kind": bad_kind,
        "unnamed": unnamed,
        "orphans": orphans,
        "articles_not_extracted": pending,
    }
    return dg.AssetCheckResult(
        passed=not any(counts.values()), metadata={k: int(v or 0) for k, v in counts.items()}
    )


ASSET_CHECKS = [
    no_duplicate_articles,
    articles_complete,
    crawl_field_coverage,
    topics_consistent,
    events_consistent,
]
