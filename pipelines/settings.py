"""cqmonitor's settings: read from flags and the environment in one place, checked once.

One list of settings (the fields of :class:`Settings`, each naming its variable); the
environment is read by pydantic-settings (typed, an empty variable as unset), flags win over
it, and the defaults come last. Scrapy's settings are derived from it
(:meth:`Settings.scrapy_settings`).

Both the ``cqmonitor`` command and the Dagster definitions build their resources from one
:class:`Settings` (``dagster_project.resources.build_resources``). A bad setting stops a run
before it writes anything, with one line naming the setting.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, create_model
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipelines.core.problems import InputError
from pipelines.sources import Source, SourceError, load_sources
from pipelines.storage.db import DatabaseURLError, check_database_url
from pipelines.subscriptions import Subscription, SubscriptionError, load_subscriptions
from pipelines.taxonomy import Taxonomy, TaxonomyError, load_taxonomy

DEFAULT_SOURCE_URL = "https://www.ichongqing.info"
DEFAULT_DATA_DIR = ".cqmonitor"
DEFAULT_DELAY = 2.0
DEFAULT_RETRY_BACKOFF = 1.0
DEFAULT_DAGSTER_UI_URL = "http://127.0.0.1:3000"
BUNDLED = "bundled"
# Two years before the project started: the bundled copy and every test fit, and "Materialize
# all" in the UI is about 50 monthly partitions, not every month since 2015.
DEFAULT_FIRST_MONTH = "2023-01"


class SettingError(InputError, ValueError):
    """A setting cannot be used; ``str()`` is one line naming it."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"{setting}: {problem}")
        self.setting = setting


def default_database_url(data_dir: str = DEFAULT_DATA_DIR) -> str:
    return f"sqlite:///{Path(data_dir).resolve() / 'cqmonitor.db'}"


def default_dagster_home(data_dir: str = DEFAULT_DATA_DIR) -> str:
    """The Dagster instance's home under the data dir (``make dev`` opens the same one)."""
    return str(Path(data_dir).resolve() / "dagster")


@dataclass(frozen=True)
class Settings:
    """Every setting of a run; ``metadata["env"]`` names the variable each is read from."""

    source_url: str = field(default=DEFAULT_SOURCE_URL, metadata={"env": "CQMONITOR_SOURCE_URL"})
    database_url: str = field(default="", metadata={"env": "CQMONITOR_DATABASE_URL"})
    delay: float = field(default=DEFAULT_DELAY, metadata={"env": "CQMONITOR_DOWNLOAD_DELAY"})
    # Seconds before the first retry of a failed request, doubled for each further one.
    retry_backoff: float = field(
        default=DEFAULT_RETRY_BACKOFF, metadata={"env": "CQMONITOR_RETRY_BACKOFF"}
    )
    # This many different pages in a row with no usable answer: the site is down, stop.
    outage_after: int = field(default=5, metadata={"env": "CQMONITOR_OUTAGE_AFTER"})
    # A page that failed is retried on later runs this many times, then left for an operator.
    max_failure_attempts: int = field(default=5, metadata={"env": "CQMONITOR_MAX_FAILURE_ATTEMPTS"})
    data_dir: str = field(default=DEFAULT_DATA_DIR, metadata={"env": "CQMONITOR_DATA_DIR"})
    slack_token: str = field(default="", metadata={"env": "SLACK_BOT_TOKEN"})
    # Verifies the interactions `cqmonitor serve` receives from Slack (readers' corrections).
    slack_signing_secret: str = field(
        default="", repr=False, metadata={"env": "SLACK_SIGNING_SECRET"}
    )
    slack_channel: str = field(default="", metadata={"env": "CQMONITOR_SLACK_CHANNEL"})
    slack_alert_channel: str = field(default="", metadata={"env": "CQMONITOR_SLACK_ALERT_CHANNEL"})
    slack_api_url: str = field(default="", metadata={"env": "SLACK_API_URL"})
    taxonomy_path: str = field(default="", metadata={"env": "CQMONITOR_TAXONOMY"})
    subscriptions_path: str = field(default="", metadata={"env": "CQMONITOR_SUBSCRIPTIONS"})
    sources_path: str = field(default="", metadata={"env": "CQMONITOR_SOURCES"})
    # An empty day posts nothing unless asked for a one-line "nothing new".
    slack_send_empty: bool = field(default=False, metadata={"env": "CQMONITOR_SLACK_SEND_EMPTY"})
    ui_url: str = field(
        default=DEFAULT_DAGSTER_UI_URL,
        metadata={"env": "CQMONITOR_DAGSTER_UI_URL"},
    )
    # The Dagster instance every run records in (CLI and UI alike); empty: <data dir>/dagster.
    dagster_home: str = field(default="", metadata={"env": "DAGSTER_HOME"})
    # Schedules and sensors start on their own only when a deployment says so.
    schedules: bool = field(default=False, metadata={"env": "CQMONITOR_SCHEDULES"})
    # The first month of the publication partitions (YYYY-MM): what "Materialize all" covers.
    first_month: str = field(default=DEFAULT_FIRST_MONTH, metadata={"env": "CQMONITOR_FIRST_MONTH"})
    # Which settings came from the environment (name -> variable), so that Dagster can read
    # those at run time (``dg.EnvVar``) and never show a secret in the UI.
    from_env_vars: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, repr=False
    )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from the environment, with ``overrides`` (flags) winning where not None."""
        values: dict[str, object] = read_environment(env)
        origins = {name: _VARIABLES[name] for name in values}
        for key, value in overrides.items():
            if value is not None:
                values[key] = value
                origins.pop(key, None)
        settings = cls(**values, from_env_vars=MappingProxyType(origins))  # type: ignore[arg-type]
        if not settings.database_url:
            settings = replace(settings, database_url=default_database_url(settings.data_dir))
        if not settings.dagster_home:
            settings = replace(settings, dagster_home=default_dagster_home(settings.data_dir))
        return settings

    def validate(self, *, sending: bool = True) -> Settings:
        """Raise :class:`SettingError` on the first bad setting; else return them normalised.

        ``sending=False``: the command posts nothing (status, previews), so a Slack token
        without a channel does not stop it.
        """
        check_source_url(self.source_url)
        try:
            database_url = check_database_url(self.database_url)
        except DatabaseURLError as exc:
            raise SettingError("CQMONITOR_DATABASE_URL", str(exc)) from exc
        if self.delay < 0:
            raise SettingError("CQMONITOR_DOWNLOAD_DELAY", f"must be >= 0, got {self.delay}")
        for name, count in (
            ("CQMONITOR_OUTAGE_AFTER", self.outage_after),
            ("CQMONITOR_MAX_FAILURE_ATTEMPTS", self.max_failure_attempts),
        ):
            if count < 1:
                raise SettingError(name, f"must be at least 1, got {count}")
        if self.retry_backoff < 0:
            raise SettingError("CQMONITOR_RETRY_BACKOFF", f"must be >= 0, got {self.retry_backoff}")
        if sending and self.slack_token and not self.slack_channel and not self.subscriptions_path:
            raise SettingError(
                "CQMONITOR_SLACK_CHANNEL",
                "SLACK_BOT_TOKEN is set but no channel to post to: set CQMONITOR_SLACK_CHANNEL "
                "(a channel id or name) or CQMONITOR_SUBSCRIPTIONS, or unset SLACK_BOT_TOKEN "
                "to preview only",
            )
        for name, url in (
            ("SLACK_API_URL", self.slack_api_url),
            ("CQMONITOR_DAGSTER_UI_URL", self.ui_url),
        ):
            if url and urlsplit(url).scheme not in ("http", "https"):
                raise SettingError(name, f"not an http(s) URL: {url!r}")
        first_month_day(self.first_month)
        if self.taxonomy_path and not Path(self.taxonomy_path).is_file():
            raise SettingError("CQMONITOR_TAXONOMY", f"no such file: {self.taxonomy_path}")
        self.taxonomy()
        known = {source.name for source in self.sources()}
        for subscription in self.subscriptions():
            unknown = sorted((subscription.sources or frozenset()) - known)
            if unknown:
                raise SettingError(
                    "CQMONITOR_SUBSCRIPTIONS",
                    f"{subscription.name}: sources: unknown source {unknown[0]!r} "
                    f"(the sources are: {', '.join(sorted(known))})",
                )
        return replace(self, database_url=database_url)

    def taxonomy(self) -> Taxonomy:
        """The taxonomy in force (``CQMONITOR_TAXONOMY``, else the packaged one)."""
        return _taxonomy(self.taxonomy_path, _mtime(self.taxonomy_path))

    def subscriptions(self) -> tuple[Subscription, ...]:
        """Who gets what (``CQMONITOR_SUBSCRIPTIONS``; without it, ``default`` to the channel).

        Read once per file version: a run asks several times (checks, resources, assets)."""
        return _subscriptions(
            self.subscriptions_path,
            _mtime(self.subscriptions_path),
            self.taxonomy_path,
            _mtime(self.taxonomy_path),
            self.slack_channel,
        )

    def scrapy_settings(self) -> dict[str, str]:
        """The crawler's Scrapy settings derived from these (under Scrapy-side names, ``CRAWL_*``;
        ``CQMONITOR_*`` names only environment variables)."""
        return {
            "CRAWL_RETRY_BACKOFF": str(self.retry_backoff),
            "CRAWL_OUTAGE_AFTER": str(self.outage_after),
            "CRAWL_MAX_FAILURE_ATTEMPTS": str(self.max_failure_attempts),
        }

    def effective(self) -> list[tuple[str, str]]:
        """Each setting in force as (its variable, its value), secrets masked, each marked with
        where it came from (environment, flag or default)."""
        rows = []
        for spec in fields(self):
            name = spec.metadata.get("env")
            if name is None:
                continue
            value = getattr(self, spec.name)
            shown = mask(str(value)) if spec.name in SECRETS else str(value)
            if spec.name in self.from_env_vars:
                origin = f"env {self.from_env_vars[spec.name]}"
            else:
                origin = "default" if value == spec.default else "flag"
            rows.append((name, f"{shown or '(empty)'}  [{origin}]"))
        return rows

    def sources(self) -> tuple[Source, ...]:
        """The sources crawled (``CQMONITOR_SOURCES``; without it, iChongqing alone at
        ``source_url``)."""
        try:
            return load_sources(self.sources_path or None, default_url=self.source_url)
        except SourceError as exc:
            raise SettingError("CQMONITOR_SOURCES", str(exc)) from exc

    @property
    def crawl_dir(self) -> str:
        return str(Path(self.data_dir) / "crawls")


def _mtime(path: str) -> float:
    """A file's modification time (0 without a file): a cache key that sees edits."""
    try:
        return Path(path).stat().st_mtime if path else 0.0
    except OSError:
        return 0.0


@functools.lru_cache(maxsize=8)
def _taxonomy(path: str, mtime: float) -> Taxonomy:
    try:
        return load_taxonomy(path or None)
    except TaxonomyError as exc:
        raise SettingError("CQMONITOR_TAXONOMY", str(exc)) from exc


@functools.lru_cache(maxsize=8)
def _subscriptions(
    path: str, mtime: float, taxonomy_path: str, taxonomy_mtime: float, channel: str
) -> tuple[Subscription, ...]:
    try:
        return load_subscriptions(
            path or None, _taxonomy(taxonomy_path, taxonomy_mtime), default_channel=channel
        )
    except SubscriptionError as exc:
        raise SettingError("CQMONITOR_SUBSCRIPTIONS", str(exc)) from exc


def dagster_home(settings: Settings) -> str:
    """The Dagster instance's home of ``settings`` (``DAGSTER_HOME``, else under the data dir)."""
    return settings.dagster_home or default_dagster_home(settings.data_dir)


def first_month_day(text: str) -> date:
    """The first day of the month ``text`` (YYYY-MM, or a YYYY-MM-DD in it)."""
    try:
        day = date.fromisoformat(text if len(text) > 7 else f"{text}-01")
    except ValueError as exc:
        raise SettingError("CQMONITOR_FIRST_MONTH", f"not a month (YYYY-MM): {text!r}") from exc
    return day.replace(day=1)


# Never printed whole: the token, and a password in a database URL.
SECRETS = frozenset({"slack_token", "database_url"})


def mask(value: str) -> str:
    """A secret shown safely: a token's first characters, a URL without its password."""
    if "://" in value:
        parts = urlsplit(value)
        if parts.password:
            return value.replace(f":{parts.password}@", ":***@", 1)
        return value
    return f"{value[:5]}***" if value else ""


# --- the environment, read by pydantic-settings --------------------------------------------

# Each setting's variable, from the one list of fields above.
_VARIABLES = {
    spec.name: spec.metadata["env"] for spec in fields(Settings) if "env" in spec.metadata
}
_TYPES: dict[str, type] = {"str": str, "float": float, "int": int, "bool": bool}


class _Environment(BaseSettings):
    """The process environment as pydantic-settings reads it: each setting under its variable
    (case-sensitive), an empty variable as unset, other variables ignored."""

    model_config = SettingsConfigDict(case_sensitive=True, env_ignore_empty=True, extra="ignore")


@functools.cache
def _environment_model() -> type[_Environment]:
    """One optional, typed field per setting, aliased to its variable (built from the fields of
    :class:`Settings`, so that the list of settings is written once)."""
    specs: dict[str, Any] = {
        spec.name: (_TYPES[str(spec.type)] | None, Field(default=None, validation_alias=variable))
        for spec in fields(Settings)
        if (variable := spec.metadata.get("env"))
    }
    return create_model("SettingsEnvironment", __base__=_Environment, **specs)


def read_environment(env: Mapping[str, str] | None = None) -> dict[str, object]:
    """The settings given by the environment (``env``; default the process's), typed; a value
    that does not parse raises :class:`SettingError` naming its variable."""
    model = _environment_model()
    try:
        if env is None:
            parsed = model()
        else:
            parsed = model.model_validate({k: v for k, v in env.items() if v})
    except ValidationError as exc:
        error = exc.errors()[0]
        variable = str(error["loc"][0]) if error["loc"] else "environment"
        raise SettingError(variable, f"{error['msg'].lower()}: {error.get('input')!r}") from exc
    return parsed.model_dump(exclude_none=True)


def check_source_url(url: str) -> str:
    if url == BUNDLED:
        return url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingError("CQMONITOR_SOURCE_URL", f"not an http(s) URL: {url!r}")
    return url
