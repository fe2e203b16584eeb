"""Command line of the offline site copy: ``python -m crawlers.sitecopy serve``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .data import load_bundled_articles
from .render import DEFAULT_SITE_URL, ICHONGQING, THEMES, build_site
from .server import SiteServer
from .synthetic import synthetic_articles


def _articles(extra: int) -> list[dict]:
    return load_bundled_articles() + (synthetic_articles(extra) if extra else [])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawlers.sitecopy")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the offline copy on loopback until interrupted")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="0 picks a free port")
    serve.add_argument("--articles", type=int, default=0, help="add N synthetic articles")
    serve.add_argument(
        "--self-links",
        action="store_true",
        help=f"absolute links name this server instead of {DEFAULT_SITE_URL}",
    )
    dump = sub.add_parser("dump", help="write the rendered pages under a directory")
    dump.add_argument("directory", type=Path)
    dump.add_argument("--articles", type=int, default=0, help="add N synthetic articles")
    for command in (serve, dump):
        command.add_argument(
            "--theme",
            choices=sorted(THEMES),
            default=ICHONGQING,
            help="the site's own theme, or a redesign the spider was not written for",
        )
    args = parser.parse_args(argv)

    articles = _articles(args.articles)
    if args.command == "dump":
        pages = build_site(articles, theme=args.theme)
        for path, page in pages.items():
            target = args.directory / path.lstrip("/")
            if path.endswith("/"):
                target = target / "index.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(page.body)
        print(f"wrote {len(pages)} pages under {args.directory}")
        return 0

    if args.self_links:
        server = SiteServer(
            lambda url: build_site(articles, site_url=url, theme=args.theme),
            host=args.host,
            port=args.port,
        )
    else:
        server = SiteServer(build_site(articles, theme=args.theme), host=args.host, port=args.port)
    print(
        f"serving {len(articles)} articles ({len(server.pages)} pages, theme {args.theme}) "
        f"at {server.url}/ "
        "- Ctrl-C to stop",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
