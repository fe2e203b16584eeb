"""Dagster resources: the database, the source site, the taxonomy and Slack.

:func:`build_resources` makes them from one validated :class:`~pipelines.settings.Settings`, for
the Dagster definitions and ``cqmonitor`` alike; a setting read from the environment is passed
as ``dg.EnvVar``, so Dagster reads it at run time and the UI never shows a secret.

The source site has a live implementation (any http(s) URL) and a fixture-backed one
(``bundled``: the offline copy of the site served on loopback for the run), so ``materialize()``
runs the real crawl in tests and in the demo.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import PrivateAttr
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from crawlers.runner import CrawlRequest, CrawlResult, run_crawl
from pipelines.reports import CHART_WEEKS
from pipelines.settings import (
    BUNDLED,
    DEFAULT_DAGSTER_UI_URL,
    DEFAULT_DATA_DIR,
    DEFAULT_DELAY,
    DEFAULT_SOURCE_URL,
    SettingError,
    Settings,
    check_source_url,
)
from pipelines.slack import CHANNEL_SETTING, SlackDeliveryError, SlackSender, send_alert
from pipelines.storage.db import (
    DatabaseURLError,
    make_engine,
    migrate,
    session_factory,
    session_scope,
)
from pipelines.taxonomy import Taxonomy, load_taxonomy


class DatabaseResource(dg.ConfigurableResource):
    """The SQL database (SQLite or PostgreSQL) holding articles, topics, events and deliveries."""

    url: str

    _engine: Engine | None = PrivateAttr(default=None)
    _factory: sessionmaker[Session] | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # Migrating on every run is a no-op once the schema is current.
        try:
            migrate(self.url)
        except (DatabaseURLError, SQLAlchemyError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise SettingError(
                "CQMONITOR_DATABASE_URL", f"cannot use the database: {first}"
            ) from exc
        self._engine = make_engine(self.url)
        self._factory = session_factory(self._engine)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._engine is not None:
            self._engine.dispose()

    @property
    def factory(self) -> sessionmaker[Session]:
        if self._factory is None:
            self.setup_for_execution(dg.build_init_resource_context())
        assert self._factory is not None
        return self._factory

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.factory) as session:
            yield session


class SourceSiteResource(dg.ConfigurableResource):
    """Where articles are crawled from: the live site, any copy of it, or ``bundled``."""

    url: str = DEFAULT_SOURCE_URL
    delay: float = DEFAULT_DELAY
    concurrency: int = 1
    work_dir: str = str(Path(DEFAULT_DATA_DIR) / "crawls")
    # Extra Scrapy settings (name -> value), e.g. DOWNLOAD_TIMEOUT, for tests and tuning.
    scrapy_settings: dict[str, str] = {}

    _base_url: str | None = PrivateAttr(default=None)

    @property
    def base_url(self) -> str:
        return self._base_url or self.url

    @contextmanager
    def yield_for_execution(
        self, context: dg.InitResourceContext
    ) -> Generator[SourceSiteResource, None, None]:
        check_source_url(self.url)
        if self.url != BUNDLED:
            self._base_url = self.url
            yield self
            return
        from crawlers.sitecopy import SiteServer, build_site, load_bundled_articles

        with SiteServer(build_site(load_bundled_articles())) as server:
            self._base_url = server.url
            if context.log is not None:
                context.log.info(f"serving the bundled copy of the site at {server.url}")
            yield self

    def crawl(
        self,
        *,
        run_dir: Path,
        since: date | None,
        until: date | None,
        backfill: bool,
        changed_since: datetime | None,
        state: dict[str, Any],
        log: Callable[[str], None] | None = None,
        feed_only: bool = False,
        cancel: Callable[[], str | None] | None = None,
        database_url: str | None = None,
    ) -> CrawlResult:
        request = CrawlRequest(
            source_url=self.base_url,
            workdir=run_dir,
            since=since,
            until=until,
            backfill=backfill,
            changed_since=changed_since,
            state=state,
            feed_only=feed_only,
            robots_cache=Path(self.work_dir).resolve() / "robots-cache.json",
            delay=self.delay,
            concurrency=self.concurrency,
            settings=dict(self.scrapy_settings),
            database_url=database_url,
        )
        return run_crawl(request, log=log, cancel=cancel)


class TaxonomyResource(dg.ConfigurableResource):
    """The topic and event taxonomy: a YAML file operators can extend (empty: the packaged one)."""

    path: str = ""

    def load(self) -> Taxonomy:
        return load_taxonomy(self.path or None)


ALERT_CHANNEL_SETTING = "CQMONITOR_SLACK_ALERT_CHANNEL"


class SlackResource(dg.ConfigurableResource):
    """Slack's Web API through slack-sdk's WebClient; with no token, digests are previews."""

    token: str = ""
    channel: str = ""
    alert_channel: str = ""
    api_url: str = ""
    send_empty: bool = False
    preview_dir: str = DEFAULT_DATA_DIR
    # Where failure alerts link to (``CQMONITOR_DAGSTER_UI_URL``): ``{ui_url}/runs/{run_id}``.
    ui_url: str = DEFAULT_DAGSTER_UI_URL
    # Channels of the subscriptions that set ``weekly_report: true``.
    weekly_report_channels: list[str] = []

    def sender(self) -> SlackSender | None:
        """A sender for the digest, or None (no token: the digest is a preview)."""
        if not self.token:
            return None
        return SlackSender.from_token(self.token, base_url=self.api_url or None)

    @property
    def preview_path(self) -> Path:
        return self.preview_file()

    def preview_file(self, subscription: str = "") -> Path:
        """Where a digest preview's Block Kit JSON goes (one file per named subscription)."""
        name = f"digest-preview-{subscription}.json" if subscription else "digest-preview.json"
        return Path(self.preview_dir) / name

    def alert(
        self,
        text: str,
        *,
        step: str | None = None,
        link: str | None = None,
        log: Callable[[str], None] | None = None,
    ) -> str | None:
        """Post a failure alert (``step`` failed: ``text``, and ``link``); its ts.

        Goes to ``alert_channel``, else the digest channel. With no token the alert is passed to
        ``log`` and None is returned: an operator without Slack still finds it in the log.
        Raises :class:`SlackDeliveryError` when Slack refuses it or cannot be reached.
        """
        if not self.token:
            if log is not None:
                head = f"{step} failed: " if step else ""
                tail = f" ({link})" if link else ""
                log(f"no SLACK_BOT_TOKEN: alert not sent: cqmonitor: {head}{text}{tail}")
            return None
        channel = self.alert_channel or self.channel
        if not channel:
            raise SlackDeliveryError(
                "no channel",
                CHANNEL_SETTING,
                message=(
                    f"no channel for failure alerts: set {ALERT_CHANNEL_SETTING} "
                    f"or {CHANNEL_SETTING}"
                ),
            )
        sender = self.sender()
        assert sender is not None
        try:
            return send_alert(sender, channel, text, step=step, link=link)
        except SlackDeliveryError as exc:
            if exc.setting != CHANNEL_SETTING or not self.alert_channel:
                raise
            # The digest channel is fine; the separate alert channel is the one to fix.
            raise SlackDeliveryError(
                exc.reason,
                ALERT_CHANNEL_SETTING,
                message=(
                    f"Slack cannot post to the alert channel ({exc.reason}): check "
                    f"{ALERT_CHANNEL_SETTING} and that the bot is a member of it"
                ),
            ) from exc


class ReportResource(dg.ConfigurableResource):
    """Where the weekly report is written (a folder per ISO week) and how many weeks its charts
    show."""

    out_dir: str = str(Path(DEFAULT_DATA_DIR) / "reports")
    chart_weeks: int = CHART_WEEKS


def build_resources(
    settings: Settings,
    *,
    preview_only: bool = False,
    crawl_settings: dict[str, str] | None = None,
) -> dict[str, dg.ConfigurableResource]:
    """The project's resources from validated settings (``preview_only``: post nothing)."""

    def value(name: str) -> Any:
        env = settings.from_env_vars.get(name)
        return dg.EnvVar(env) if env else getattr(settings, name)

    return {
        "database": DatabaseResource(url=value("database_url")),
        "source_site": SourceSiteResource(
            url=value("source_url"),
            delay=settings.delay,
            work_dir=settings.crawl_dir,
            scrapy_settings={
                **settings.scrapy_settings(),
                **(crawl_settings or {}),
            },
        ),
        "taxonomy": TaxonomyResource(path=value("taxonomy_path")),
        "slack": SlackResource(
            token="" if preview_only else value("slack_token"),
            channel=value("slack_channel"),
            alert_channel=value("slack_alert_channel"),
            api_url=value("slack_api_url"),
            send_empty=settings.slack_send_empty,
            preview_dir=settings.data_dir,
            ui_url=value("ui_url"),
            weekly_report_channels=[
                s.channel for s in settings.subscriptions() if s.weekly_report and s.channel
            ],
        ),
        "reports": ReportResource(out_dir=str(Path(settings.data_dir) / "reports")),
    }
