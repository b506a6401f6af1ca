"""What `scrapy harvest` runs and when: the spider plan, intervals with jitter."""

from __future__ import annotations

import random
import re
from typing import Any

_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_interval(text: str) -> float:
    """Seconds in "90", "90s", "15m", "6h" or "1d"."""
    match = _INTERVAL.match(text.lower())
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"not an interval: {text!r} (try 30m, 6h, 1d)")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def jittered(seconds: float, jitter: float, rng: random.Random | None = None) -> float:
    """`seconds` shifted by up to ±jitter (a fraction), so many harvesters don't wake together."""
    return max(0.0, seconds * (1 + (rng or random).uniform(-jitter, jitter)))


def spider_plan(
    config: dict[str, Any], chosen: list[str], known: list[str]
) -> list[tuple[str, dict[str, str]]]:
    """(spider, arguments) to run: the configured ones, or those chosen (configured or not)."""
    for name in [*config, *chosen]:
        if name not in known:
            raise ValueError(f"no spider named {name!r} (known: {', '.join(sorted(known))})")
    names = chosen or list(config)
    return [(name, {k: str(v) for k, v in (config.get(name) or {}).items()}) for name in names]
