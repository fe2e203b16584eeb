"""Layers import one way: ``dagster_project`` -> ``crawlers`` -> ``pipelines``.

``pipelines`` is plain Python (no Dagster, no Scrapy, nothing of the layers above it);
``crawlers`` may use Scrapy but not Dagster nor ``dagster_project``. Every import statement is
read (at the top of a module or inside a function alike), so a lazy import cannot slip by.
And the ``cqmonitor`` command's modules import nothing heavy at the top (``--help`` stays fast).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "pipelines": {
        "dagster",
        "dagster_webserver",
        "scrapy",
        "twisted",
        "crawlers",
        "dagster_project",
    },
    "crawlers": {"dagster", "dagster_webserver", "dagster_project"},
}
HEAVY = {"dagster", "scrapy", "sqlalchemy", "alembic", "twisted", "pipelines", "crawlers"}


def imported(path: Path, *, top_only: bool = False) -> list[tuple[int, str]]:
    """(line, top-level package) of each absolute import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    nodes = tree.body if top_only else list(ast.walk(tree))
    found = []
    for node in nodes:
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_above_it(layer: str) -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in sorted((ROOT / layer).rglob("*.py"))
        for line, name in imported(path)
        if name in FORBIDDEN[layer]
    ]
    assert wrong == [], "\n".join(wrong)


def test_the_command_modules_import_nothing_heavy_at_the_top() -> None:
    from dagster_project.cli import COMMAND_MODULES

    cli = ROOT / "dagster_project" / "cli"
    light = ["__init__", "options", *COMMAND_MODULES]
    wrong = [
        f"{name}.py:{line} imports {package} at the top"
        for name in light
        for line, package in imported(cli / f"{name}.py", top_only=True)
        if package in HEAVY
    ]
    assert wrong == [], "\n".join(wrong)


def test_the_checker_sees_a_wrong_import(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("def f():\n    import dagster\n    from scrapy import Spider\n")
    assert [name for _, name in imported(module)] == ["dagster", "scrapy"]
