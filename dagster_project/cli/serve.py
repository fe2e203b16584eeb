"""``cqmonitor serve`` (the web service: health, calendars, Slack corrections) and
``cqmonitor corrections`` (list readers' corrections, export them as labeled articles)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .options import settings_from_args


def add_parser(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser("serve", help="web service: /healthz, calendars, Slack corrections")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port (8080)")
    serve.add_argument("--database-url", help="env CQMONITOR_DATABASE_URL")
    serve.add_argument(
        "--corrections-per-minute",
        type=int,
        help="most corrections one reader may make a minute; env CQMONITOR_CORRECTIONS_PER_MINUTE"
        " (20)",
    )
    serve.set_defaults(func=cmd_serve)

    corrections = sub.add_parser(
        "corrections", help="readers' corrections; --export writes them as labeled articles"
    )
    corrections.add_argument("--export", metavar="FILE", help="write the eval-dev JSON here")
    corrections.add_argument("--database-url", help="env CQMONITOR_DATABASE_URL")
    corrections.set_defaults(func=cmd_corrections)


def cmd_serve(args: argparse.Namespace) -> int:
    from dagster_project.serve import build_config, serve
    from dagster_project.serve.app import describe_app

    settings = settings_from_args(args)
    if not 0 < args.port < 65536:
        raise ValueError(f"--port {args.port}: not a TCP port")
    if args.corrections_per_minute is not None and args.corrections_per_minute < 1:
        raise ValueError("--corrections-per-minute: must be >= 1")
    config = build_config(settings, per_minute=args.corrections_per_minute)
    from .surface import arm_log

    arm_log()
    stream = logging.StreamHandler(sys.stderr)
    stream.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger("cqmonitor.serve").addHandler(stream)
    on = describe_app(config)
    print(
        f"cqmonitor serve on http://{args.host}:{args.port}/ (interactions "
        f"{'on' if on['interactions'] else 'off: no SLACK_SIGNING_SECRET'}, Slack token "
        f"{'set' if on['slack_token'] else 'not set'}; calendars from {on['calendars']})",
        file=sys.stderr,
        flush=True,
    )
    serve(config, args.host, args.port)
    return 0


def cmd_corrections(args: argparse.Namespace) -> int:
    from pipelines.corrections import write_export
    from pipelines.corrections.record import describe
    from pipelines.storage.corrections import list_all
    from pipelines.storage.db import make_engine, migrate, session_factory, session_scope

    settings = settings_from_args(args)
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    with session_scope(session_factory(engine)) as session:
        rows = list_all(session)
        for c in rows:
            who = c.user_name or c.user_id
            print(
                f"#{c.id} {c.created_at:%Y-%m-%d %H:%M} {who}: {c.item_type} {c.item_key} "
                f"{describe(c)}"
            )
        if not rows:
            print("no corrections yet")
        if args.export:
            count = write_export(session, Path(args.export))
            print(f"exported {count} labeled article(s) to {args.export}")
    engine.dispose()
    return 0
