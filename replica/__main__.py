"""`python -m replica serve|manifest`: run the replica, or print what a harvest of it must give."""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
from datetime import date
from pathlib import Path

from replica.evolution import add_articles, correct_articles
from replica.faults import PAGE_FAULTS, plan_faults
from replica.layouts import PORTAL_PREFIX, add_portal, drift_news
from replica.model import EPAPER_PREFIX, NEWS_PREFIX
from replica.server import MAIN_ADDRESS, MIRROR_ADDRESS, Behaviour, parse_faults, serve
from replica.site import build_site
from replica.traps import add_traps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m replica", description=__doc__)
    parser.add_argument("command", choices=["serve", "manifest"])
    parser.add_argument("--articles", type=int, default=120, help="distinct stories (default 120)")
    parser.add_argument(
        "--end-date", type=date.fromisoformat, default=None, help="newest issue day (default today)"
    )
    parser.add_argument("--seed", type=int, default=2021, help="random seed of the layout")
    parser.add_argument("--port", type=int, default=0, help="port (default: any free one)")
    parser.add_argument("--manifest", type=Path, help="also write the manifest JSON here")
    parser.add_argument(
        "--add", type=int, default=0, help="publish N newer stories on top (old URLs unchanged)"
    )
    parser.add_argument(
        "--correct", type=int, default=0, help="append a correction to the N newest UTF-8 news articles"
    )
    parser.add_argument(
        "--portal", type=int, default=0, help="also serve a county portal of N stories (a second CMS layout)"
    )
    parser.add_argument(
        "--drift", action="store_true", help="the news site after a redesign: new list and article markup"
    )
    parser.add_argument(
        "--faults",
        type=parse_faults,
        default=[],
        help=f"KIND:GLOB[:TIMES|*],… KIND: 429, 503, 500, reset, {', '.join(PAGE_FAULTS)}",
    )
    parser.add_argument(
        "--chaos", type=float, default=0.0, help="put a fault on this share of the article pages (0-1)"
    )
    parser.add_argument("--chaos-seed", type=int, default=1, help="random seed of the fault plan")
    parser.add_argument(
        "--chaos-kinds", default="", help=f"faults to deal, comma-separated (default {','.join(PAGE_FAULTS)})"
    )
    parser.add_argument(
        "--traps", action="store_true", help="e-paper links to days far away, a channel list without end"
    )
    parser.add_argument("--stall", type=float, default=30.0, help="seconds a 'stall' page waits (default 30)")
    parser.add_argument("--retry-after", default="1", help="Retry-After sent with 429/503 (default 1)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    args = parser.parse_args(argv)

    end_date = args.end_date or date.today()
    site = build_site(args.articles, end_date, args.seed)
    add_articles(site, args.add, end_date, args.seed)
    correct_articles(site, args.correct)
    add_portal(site, args.portal, end_date, args.seed)
    if args.drift:
        drift_news(site)
    if args.chaos:
        plan_faults(site, args.chaos, args.chaos_seed, [k for k in args.chaos_kinds.split(",") if k] or None)
    if args.traps:
        add_traps(site)
    if args.manifest:
        args.manifest.write_text(site.manifest_json(), encoding="utf-8")
    if args.command == "manifest":
        print(site.manifest_json())
        return 0

    try:
        behaviour = Behaviour(
            faults=args.faults, retry_after=args.retry_after, latency=args.latency, stall=args.stall
        )
        _servers, port = serve(site, args.port, behaviour)
    except OSError as error:
        print(f"replica: cannot listen on port {args.port}: {error.strerror} (try --port 0)", file=sys.stderr)
        return 1
    # One line on stdout tells the caller where everything is; then serve until told to stop.
    print(
        json.dumps(
            {
                "epaper": f"http://{MAIN_ADDRESS}:{port}{EPAPER_PREFIX}",
                "news": f"http://{MAIN_ADDRESS}:{port}{NEWS_PREFIX}",
                "mirror": f"http://{MIRROR_ADDRESS}:{port}{NEWS_PREFIX}",
                "portal": f"http://{MAIN_ADDRESS}:{port}{PORTAL_PREFIX}",
                "articles": len(site.articles()),
                "issue_days": [d.isoformat() for d in site.issue_days],
                "expected_errors": site.expected_errors(),
            }
        ),
        flush=True,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
