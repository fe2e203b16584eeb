"""``python -m dagster_project.cli``: the same as the ``cqmonitor`` command."""

from . import main

raise SystemExit(main())
