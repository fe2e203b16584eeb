"""The ``cqmonitor`` command: run the pipeline, the demo, previews, evaluation, reclassification,
status, unlock and the analysts' report.

Each command lives in a module of this package listed in :data:`COMMAND_MODULES`; the module
defines ``add_parser(sub)``, which adds its subcommand(s) with ``set_defaults(func=...)``. A
module imports only the standard library at the top and everything heavy (Dagster, Scrapy,
SQLAlchemy) inside its command function, so that ``cqmonitor --help`` and ``--version`` answer
at once. Every command runs through the one error surface (``surface.guarded``): a failure is
one line on stderr and a documented exit code.

To add a command: write ``dagster_project/cli/<name>.py`` with ``add_parser(sub)`` and append
``"<name>"`` to :data:`COMMAND_MODULES` (``tests/test_cli_surface.py`` checks that ``--help``
stays light).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import types
from collections.abc import Sequence
from typing import Any

__all__ = ["COMMAND_MODULES", "RunOutcome", "execute", "main", "parser", "summary_lines"]

# The modules holding the subcommands, in the order ``--help`` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "runs",
    "commands",
    "subscriptions",
    "operate",
    "report",
    "calendar",
    "serve",
)


def version() -> str:
    """The installed distribution's version (the source tree's when not installed)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("cqmonitor")
    except PackageNotFoundError:
        return "0+unknown"


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="cqmonitor",
        description="Monitor iChongqing for talent, aerospace-information and NEV/ICV news.",
        epilog="Start with `cqmonitor demo`; docs: README.md and docs/ (operations, contract).",
    )
    top.add_argument("--version", action="version", version=f"cqmonitor {version()}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").add_parser(sub)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from .surface import guarded

    return int(guarded(args.func, args))


class _Package(types.ModuleType):
    """This package, with its public functions imported on first use (they need Dagster).

    ``from dagster_project.cli import execute`` has always named the function; the submodule of
    the same name would replace it as the package's attribute once imported, so the property
    keeps the function and ignores that rebinding.
    """

    @property
    def execute(self) -> Any:
        return importlib.import_module(f"{__name__}.execute").execute

    @execute.setter
    def execute(self, value: Any) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        if name in ("RunOutcome", "summary_lines", "execute_poll"):
            return getattr(importlib.import_module(f"{__name__}.execute"), name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


sys.modules[__name__].__class__ = _Package


if __name__ == "__main__":
    raise SystemExit(main())
