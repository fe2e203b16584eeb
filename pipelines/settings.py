"""cqmonitor's settings: read from flags and the environment in one place, checked once.

Both the ``cqmonitor`` command and the Dagster definitions build their resources from one
:class:`Settings` (``dagster_project.resources.build_resources``). A bad setting stops a run
before it writes anything, with one line naming the setting.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from urllib.parse import urlsplit

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


class SettingError(ValueError):
    """A setting cannot be used; ``str()`` is one line naming it."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"{setting}: {problem}")
        self.setting = setting


def default_database_url(data_dir: str = DEFAULT_DATA_DIR) -> str:
    return f"sqlite:///{Path(data_dir).resolve() / 'cqmonitor.db'}"


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
    data_dir: str = field(default=DEFAULT_DATA_DIR, metadata={"env": "CQMONITOR_DATA_DIR"})
    slack_token: str = field(default="", metadata={"env": "SLACK_BOT_TOKEN"})
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
    # Which settings came from the environment (name -> variable), so that Dagster can read
    # those at run time (``dg.EnvVar``) and never show a secret in the UI.
    from_env_vars: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, repr=False
    )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from the environment, with ``overrides`` (flags) winning where not None."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        origins: dict[str, str] = {}
        for spec in fields(cls):
            name = spec.metadata.get("env")
            if name is None or not env.get(name):
                continue
            raw = env[name]
            if spec.type == "float":
                values[spec.name] = _number(name, raw)
            elif spec.type == "bool":
                values[spec.name] = _flag(name, raw)
            else:
                values[spec.name] = raw
            origins[spec.name] = name
        for key, value in overrides.items():
            if value is not None:
                values[key] = value
                origins.pop(key, None)
        settings = cls(**values, from_env_vars=MappingProxyType(origins))  # type: ignore[arg-type]
        if not settings.database_url:
            settings = replace(settings, database_url=default_database_url(settings.data_dir))
        return settings

    def validate(self) -> Settings:
        """Raise :class:`SettingError` on the first bad setting; else return them normalised."""
        check_source_url(self.source_url)
        try:
            database_url = check_database_url(self.database_url)
        except DatabaseURLError as exc:
            raise SettingError("CQMONITOR_DATABASE_URL", str(exc).split(": ", 1)[-1]) from exc
        if self.delay < 0:
            raise SettingError("CQMONITOR_DOWNLOAD_DELAY", f"must be >= 0, got {self.delay}")
        if self.retry_backoff < 0:
            raise SettingError("CQMONITOR_RETRY_BACKOFF", f"must be >= 0, got {self.retry_backoff}")
        if self.slack_token and not self.slack_channel and not self.subscriptions_path:
            raise SettingError(
                "CQMONITOR_SLACK_CHANNEL", "SLACK_BOT_TOKEN is set but no channel to post to"
            )
        for name, url in (
            ("SLACK_API_URL", self.slack_api_url),
            ("CQMONITOR_DAGSTER_UI_URL", self.ui_url),
        ):
            if url and urlsplit(url).scheme not in ("http", "https"):
                raise SettingError(name, f"not an http(s) URL: {url!r}")
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
        try:
            return load_taxonomy(self.taxonomy_path or None)
        except TaxonomyError as exc:
            raise SettingError("CQMONITOR_TAXONOMY", str(exc)) from exc

    def subscriptions(self) -> tuple[Subscription, ...]:
        """Who gets what (``CQMONITOR_SUBSCRIPTIONS``; without it, ``default`` to the channel)."""
        try:
            return load_subscriptions(
                self.subscriptions_path or None,
                self.taxonomy(),
                default_channel=self.slack_channel,
            )
        except SubscriptionError as exc:
            raise SettingError("CQMONITOR_SUBSCRIPTIONS", str(exc)) from exc

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


def _number(name: str, text: str) -> float:
    try:
        return float(text)
    except ValueError as exc:
        raise SettingError(name, f"not a number: {text!r}") from exc


def _flag(name: str, text: str) -> bool:
    value = text.strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise SettingError(name, f"expected true or false, got {value!r}")


def check_source_url(url: str) -> str:
    if url == BUNDLED:
        return url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingError("CQMONITOR_SOURCE_URL", f"not an http(s) URL: {url!r}")
    return url
