"""The Dagster UI in a real browser: ``dagster dev`` on loopback, driven by headless Chromium.

The test starts ``dagster dev -w workspace.yaml`` on a free port of 127.0.0.1 with a temporary
``DAGSTER_HOME``, the bundled copy of the site and a temporary SQLite database, opens the global
asset lineage in Debian's ``chromium`` through Playwright (the driver shipped in the PyPI wheel;
Playwright's own browser download is not used), checks that the project's five assets are drawn,
then launches a materialization by clicking (one publication day of ``raw_articles``, through
the partition dialog, then ``digest_default``) and follows each run on its page until it succeeds.

Screenshots (``failure.png`` when it fails) and the ``dagster dev`` log land in
``test-output/ui/``. The browser may only talk to the loopback webserver: every other request
is aborted. Without a ``chromium`` binary the test is skipped, except in CI (``CI`` set), where
it fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.helpers.browser import CHROMIUM_ARGS

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = [pytest.mark.ui, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "test-output" / "ui"
ASSETS = ("raw_articles", "articles", "article_topics", "events", "digest_default")
# A publication day of the bundled copy of the site (12 articles).
PARTITION = "2025-03-01"  # the month of March 2025
HOST = "127.0.0.1"
STARTUP_TIMEOUT = 240.0  # seconds: the first start imports Dagster, Scrapy and the definitions
RUN_TIMEOUT = 300.0
UI_TIMEOUT_MS = 60_000
VIEWPORT = {"width": 1280, "height": 800}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _own_process_group() -> None:
    """In the child: a new session (killable as a group) with default SIGINT/SIGTERM.

    A process started from a shell that ignores SIGINT/SIGTERM inherits that; ``dagster dev``
    then could not be stopped gracefully, so restore the defaults.
    """
    os.setsid()
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@dataclass
class DagsterDev:
    """A running ``dagster dev`` and where it logs."""

    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path
    blocked: list[str] = field(default_factory=list)
    # The environment dagster dev runs with: a CLI run given it records in the same instance.
    env: dict[str, str] = field(default_factory=dict)

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            f"{self.base_url}/graphql",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            payload: dict[str, Any] = json.load(response)
        assert "errors" not in payload, payload
        return payload["data"]

    def wait_until_serving(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    f"dagster dev exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(f"{self.base_url}/server_info", timeout=5) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        pytest.fail(f"dagster dev did not serve within {STARTUP_TIMEOUT:.0f}s:\n{self.log_tail()}")

    def wait_for_code_location(self) -> None:
        """The ``cqmonitor`` code location loaded; its load error in full otherwise."""
        query = """{ workspaceOrError { ... on Workspace { locationEntries {
            name loadStatus
            locationOrLoadError { __typename
              ... on PythonError { message cause { message cause { message } } } } } } } }"""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        entry: dict[str, Any] = {}
        while time.monotonic() < deadline:
            entries = self.graphql(query)["workspaceOrError"].get("locationEntries") or []
            entry = next((e for e in entries if e["name"] == "cqmonitor"), {})
            if entry.get("loadStatus") == "LOADED":
                break
            time.sleep(0.5)
        loaded = entry.get("locationOrLoadError") or {}
        assert loaded.get("__typename") == "RepositoryLocation", (
            f"the cqmonitor code location did not load: {json.dumps(loaded, indent=1)}"
        )

    def stop(self) -> None:
        """SIGINT to ``dagster dev`` (it stops its webserver and daemon), then kill the group."""
        if self.process.poll() is None:
            try:
                os.kill(self.process.pid, signal.SIGINT)
                self.process.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.wait(timeout=10)


@pytest.fixture
def dagster_dev(chromium: str, tmp_path: Path) -> Iterator[DagsterDev]:
    """``dagster dev`` serving this project's workspace on a free loopback port.

    Depends on ``chromium`` so that a machine without a browser skips before starting it.
    """
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    port = free_port()
    base_url = f"http://{HOST}:{port}"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CQMONITOR_", "SLACK_", "DAGSTER_"))
    }
    env.update(
        {
            "DAGSTER_HOME": str(home),
            "CQMONITOR_SOURCE_URL": "bundled",
            "CQMONITOR_DOWNLOAD_DELAY": "0",
            "CQMONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'ui.db'}",
            "CQMONITOR_DATA_DIR": str(tmp_path / "data"),
            "CQMONITOR_DAGSTER_UI_URL": base_url,
            "PYTHONUNBUFFERED": "1",
        }
    )
    OUTPUT.mkdir(parents=True, exist_ok=True)
    log_path = OUTPUT / "dagster-dev.log"
    dagster = Path(sys.executable).with_name("dagster")
    command = [str(dagster), "dev", "-w", "workspace.yaml", "-h", HOST, "-p", str(port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_own_process_group,  # the test has started no threads yet
        )
    server = DagsterDev(process=process, base_url=base_url, log_path=log_path, env=env)
    try:
        server.wait_until_serving()
        server.wait_for_code_location()
        yield server
    finally:
        server.stop()


def open_launched_run(page: Page, base_url: str) -> str:
    """Open the run announced by the "Launched run …" toast; its short id.

    The toast's *View* button leads to the run; should the toast be gone already, the run is
    opened from the runs list instead.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
    from playwright.sync_api import expect

    toast = page.locator("[class*=toast], [class*=Toast]").filter(has_text="Launched run").first
    expect(toast).to_be_visible(timeout=UI_TIMEOUT_MS)
    match = re.search(r"Launched run (\w+)", toast.inner_text())
    assert match, toast.inner_text()
    short_id = match.group(1)
    try:
        toast.get_by_text("View", exact=True).click(timeout=10_000)
    except PlaywrightTimeoutError:
        page.goto(f"{base_url}/runs")
        page.get_by_role("link", name=short_id).first.click()
    page.wait_for_url(re.compile(rf"/runs/{short_id}[0-9a-f-]*"), timeout=UI_TIMEOUT_MS)
    return short_id


def follow_run(page: Page, server: DagsterDev, short_id: str, screenshot: Path) -> None:
    """Wait on the run's page until it shows Success (fail on Failure/Canceled)."""
    from playwright.sync_api import expect

    assert short_id in page.url, page.url
    expect(page.get_by_text(short_id).first).to_be_visible(timeout=UI_TIMEOUT_MS)
    # The status tag in the run's header reads Queued/Starting/Started, then its outcome.
    outcome = page.get_by_text(re.compile(r"^(Success|Failure|Canceled)$"))
    expect(outcome.first).to_be_visible(timeout=RUN_TIMEOUT * 1000)
    text = outcome.first.inner_text().strip()
    assert text == "Success", f"run {short_id} ended {text}:\n{server.log_tail()}"

    # Backstop: the API agrees (the run's record follows its events by a moment), and the run
    # was launched from the UI.
    query = (
        "{ runsOrError(limit: 20) { ... on Runs { results { runId status tags { key value } } } } }"
    )
    deadline = time.monotonic() + 60
    while True:
        runs = server.graphql(query)["runsOrError"]["results"]
        run = next(r for r in runs if r["runId"].startswith(short_id))
        if run["status"] in ("SUCCESS", "FAILURE", "CANCELED") or time.monotonic() > deadline:
            break
        page.wait_for_timeout(250)
    assert run["status"] == "SUCCESS", run
    tags = {t["key"]: t["value"] for t in run["tags"]}
    assert tags.get("dagster/from_ui") == "true", tags
    page.screenshot(path=str(screenshot))


def wait_until_still(locator: Locator, timeout: float = 30.0) -> None:
    """Wait until the element stops moving (the graph animates as it zooms to fit)."""
    deadline = time.monotonic() + timeout
    previous = None
    while time.monotonic() < deadline:
        box = locator.bounding_box()
        if box is not None and box == previous:
            return
        previous = box
        locator.page.wait_for_timeout(250)
    pytest.fail(f"{locator} kept moving for {timeout:.0f}s")


def open_lineage(page: Page, base_url: str) -> None:
    """The global asset lineage, side panels hidden, every group expanded (the graph refits)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
    from playwright.sync_api import expect

    page.goto(f"{base_url}/asset-groups")
    expect(page.get_by_text("Global asset lineage").first).to_be_visible(timeout=UI_TIMEOUT_MS)
    settings = page.locator("#zoom-slider-container").get_by_role("button", name="settings")
    expect(settings).to_be_visible(timeout=UI_TIMEOUT_MS)
    # More room for the graph (both toggles are remembered by the browser for later visits).
    for toggle in ("Hide navigation", "panel_show_right"):
        button = page.get_by_role("button", name=toggle)
        if button.count():
            button.first.click()
    expand = page.get_by_role("menuitem", name="Expand all groups")
    collapse = page.get_by_role("menuitem", name="Collapse all groups")
    first_asset = page.get_by_text(ASSETS[0], exact=True).first
    # The newsletter dialog may pop up at any moment and close the menu: then try again.
    for _ in range(5):
        try:
            settings.click()
            expect(expand.or_(collapse).first).to_be_visible(timeout=10_000)
            if expand.count():
                expand.click(timeout=10_000)
            page.keyboard.press("Escape")  # the menu stays open after a choice
            expect(page.get_by_role("menu")).to_have_count(0, timeout=10_000)
            expect(first_asset).to_be_visible(timeout=10_000)
            return
        except (PlaywrightTimeoutError, AssertionError):
            page.keyboard.press("Escape")
    expect(first_asset).to_be_visible(timeout=UI_TIMEOUT_MS)


CLI_RUNS = """{ runsOrError(filter: {tags: [{key: "cqmonitor/trigger", value: "cli"}]}) {
  ... on Runs { results { runId status } } } }"""
ASSET_STATE = """query ($key: AssetKeyInput!) { assetOrError(assetKey: $key) { ... on Asset {
  assetMaterializations(limit: 1) { runId partition }
  definition { assetChecksOrError { ... on AssetChecks { checks { name
    executionForLatestMaterialization { status } } } } } } } }"""


def cli_run_shows_in_the_ui(page: Page, server: DagsterDev) -> None:
    """``cqmonitor run`` (one month of the bundled copy, no digest) with the UI's environment;
    the UI then lists the run, and each stored asset's materialization and check results."""
    from playwright.sync_api import expect

    result = subprocess.run(
        [sys.executable, "-m", "dagster_project.cli", "run", "--since", "2025-03-01",
         "--until", "2025-03-31", "--no-digest"],
        cwd=ROOT, env=server.env, capture_output=True, text=True, timeout=RUN_TIMEOUT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    runs = server.graphql(CLI_RUNS)["runsOrError"]["results"]
    assert [r["status"] for r in runs] == ["SUCCESS"], runs
    run_id = runs[0]["runId"]
    for asset in ("raw_articles", "articles", "article_topics", "events"):
        state = server.graphql(ASSET_STATE, {"key": {"path": [asset]}})["assetOrError"]
        (latest,) = state["assetMaterializations"]
        assert latest["runId"] == run_id, asset
        checks = state["definition"]["assetChecksOrError"].get("checks", [])
        statuses = {c["name"]: (c["executionForLatestMaterialization"] or {}).get("status")
                    for c in checks}  # fmt: skip
        assert all(status == "SUCCEEDED" for status in statuses.values()), (asset, statuses)
    page.goto(f"{server.base_url}/runs")
    expect(page.get_by_text(run_id[:8]).first).to_be_visible()
    page.screenshot(path=str(OUTPUT / "cli-run-in-runs.png"))
    page.goto(f"{server.base_url}/assets/articles?view=checks")
    expect(page.get_by_text("no_duplicate_articles").first).to_be_visible()
    page.screenshot(path=str(OUTPUT / "cli-run-articles-checks.png"))


def test_asset_graph_and_a_materialization_launched_from_the_ui(
    chromium: str, dagster_dev: DagsterDev, tmp_path: Path
) -> None:
    from playwright.sync_api import Route, expect, sync_playwright

    base_url = dagster_dev.base_url

    def loopback_only(route: Route) -> None:
        if route.request.url.startswith(f"{base_url}/"):
            route.continue_()
        else:
            dagster_dev.blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=chromium,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport=VIEWPORT,  # type: ignore[arg-type]
        )
        try:
            context.route("**/*", loopback_only)
            page = context.new_page()
            page.set_default_timeout(UI_TIMEOUT_MS)
            # The first visit to a fresh instance may greet with a newsletter dialog.
            page.add_locator_handler(
                page.get_by_role("button", name="Skip", exact=True),
                lambda skip: skip.click(),
            )

            # 0. A run of the command line is in the UI: its run, materializations and checks.
            cli_run_shows_in_the_ui(page, dagster_dev)

            # 1. The asset graph shows the project's assets.
            open_lineage(page, base_url)
            for name in ASSETS:
                expect(page.get_by_text(name, exact=True).first).to_be_visible(
                    timeout=UI_TIMEOUT_MS
                )
            wait_until_still(page.get_by_text(ASSETS[-1], exact=True).first)
            page.screenshot(path=str(OUTPUT / "asset-graph.png"))

            # 2. One publication month of raw_articles, launched through the partition dialog.
            page.get_by_text("raw_articles", exact=True).first.click()
            page.get_by_role("button", name="Materialize selected").click()
            dialog = page.get_by_role("dialog")
            expect(dialog.get_by_text("Launch runs to materialize")).to_be_visible()
            show_all = dialog.get_by_text("Show all partitions")
            if show_all.count():
                show_all.click()
            partitions = dialog.locator("input").first
            partitions.fill(PARTITION)
            partitions.press("Enter")
            expect(dialog.get_by_text("1 partition", exact=True)).to_be_visible()
            dialog.get_by_role("button", name="Launch 1 run").click()
            short_id = open_launched_run(page, base_url)
            expect(page.get_by_text(f"partition: {PARTITION}").first).to_be_visible()
            follow_run(page, dagster_dev, short_id, OUTPUT / "run-raw-articles.png")

            # 3. A second run from the same UI, without restarting: the (unpartitioned) digest.
            open_lineage(page, base_url)
            page.get_by_text("digest_default", exact=True).first.click()
            page.get_by_role("button", name="Materialize selected").click()
            # Its upstream topics and events are not materialized: the UI asks to confirm.
            confirm = page.get_by_role("dialog").get_by_role("button", name="Confirm")
            expect(confirm.or_(page.get_by_text("Launched run")).first).to_be_visible()
            if confirm.count():
                confirm.click()
            short_id = open_launched_run(page, base_url)
            follow_run(page, dagster_dev, short_id, OUTPUT / "run-slack-digest.png")
        except BaseException:
            # What the browser showed when it went wrong, next to the dagster dev log.
            for open_page in context.pages:
                with contextlib.suppress(Exception):
                    open_page.screenshot(path=str(OUTPUT / "failure.png"))
            raise
        finally:
            context.close()

    assert not dagster_dev.blocked, f"the UI tried to leave loopback: {dagster_dev.blocked}"
