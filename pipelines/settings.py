"""cqmonitor's settings: read from flags and the environment, checked before anything runs.

A bad setting stops a run before it writes anything, with one line naming the setting.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from pipelines.storage.db import DatabaseURLError, check_database_url

DEFAULT_SOURCE_URL = "https://www.ichongqing.info"
DEFAULT_DATA_DIR = ".cqmonitor"
DEFAULT_DELAY = 2.0
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
    source_url: str = DEFAULT_SOURCE_URL
    database_url: str = ""
    delay: float = DEFAULT_DELAY
    data_dir: str = DEFAULT_DATA_DIR
    slack_token: str = ""
    slack_channel: str = ""
    slack_alert_channel: str = ""
    slack_api_url: str = ""
    taxonomy_path: str = ""
    # An empty day posts nothing unless asked for a one-line "nothing new".
    slack_send_empty: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from the environment, with ``overrides`` (flags) winning where not None."""
        env = os.environ if env is None else env
        delay_text = env.get("CQMONITOR_DOWNLOAD_DELAY")
        try:
            delay = float(delay_text) if delay_text not in (None, "") else DEFAULT_DELAY
        except ValueError as exc:
            raise SettingError("CQMONITOR_DOWNLOAD_DELAY", f"not a number: {delay_text!r}") from exc
        data_dir = env.get("CQMONITOR_DATA_DIR") or DEFAULT_DATA_DIR
        settings = cls(
            source_url=env.get("CQMONITOR_SOURCE_URL") or DEFAULT_SOURCE_URL,
            database_url=env.get("CQMONITOR_DATABASE_URL") or "",
            delay=delay,
            data_dir=data_dir,
            slack_token=env.get("SLACK_BOT_TOKEN", ""),
            slack_channel=env.get("CQMONITOR_SLACK_CHANNEL", ""),
            slack_alert_channel=env.get("CQMONITOR_SLACK_ALERT_CHANNEL", ""),
            slack_api_url=env.get("SLACK_API_URL", ""),
            taxonomy_path=env.get("CQMONITOR_TAXONOMY", ""),
            slack_send_empty=_flag(env, "CQMONITOR_SLACK_SEND_EMPTY"),
        )
        given = {k: v for k, v in overrides.items() if v is not None}
        settings = replace(settings, **given)  # type: ignore[arg-type]
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
        if self.slack_token and not self.slack_channel:
            raise SettingError(
                "CQMONITOR_SLACK_CHANNEL", "SLACK_BOT_TOKEN is set but no channel to post to"
            )
        if self.slack_api_url and urlsplit(self.slack_api_url).scheme not in ("http", "https"):
            raise SettingError("SLACK_API_URL", f"not an http(s) URL: {self.slack_api_url!r}")
        if self.taxonomy_path and not Path(self.taxonomy_path).is_file():
            raise SettingError("CQMONITOR_TAXONOMY", f"no such file: {self.taxonomy_path}")
        return replace(self, database_url=database_url)


def _flag(env: Mapping[str, str], name: str) -> bool:
    value = (env.get(name) or "").strip().lower()
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
