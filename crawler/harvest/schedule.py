"""What `scrapy harvest` runs and when: the plan (sources, or the deprecated spider list),
the spider class of a source, intervals with jitter, which sources are due."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scrapy import Spider

if TYPE_CHECKING:
    from crawler.sources import Source

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


@dataclass(frozen=True)
class Planned:
    """One spider run of a harvest: the run's name (a source, or a spider), its class and arguments."""

    name: str
    spidercls: type[Spider]
    arguments: Mapping[str, str]
    every: float | None = None  # under --every: at most this often (the source's schedule)


def source_spider(source: Source, family: type[Spider]) -> type[Spider]:
    """The spider class of a source: its kind's spider, named after the source, with its settings."""
    attributes = source.spider_attributes()
    if attributes.keys() == {"name", "source"} and family.name == source.name:
        return family
    return type(f"{family.__name__}_{source.name}", (family,), attributes)


def source_plan(sources: list[Source], loader: Any) -> list[Planned]:
    """The runs of these sources (a spider loader gives each kind's spider)."""
    return [
        Planned(s.name, source_spider(s, loader.load(s.spider)), s.spider_arguments(), s.schedule)
        for s in sources
    ]


def legacy_plan(config: dict[str, Any], chosen: list[str], loader: Any) -> list[Planned]:
    """HARVEST_SPIDERS / --spider (deprecated): the configured spiders, as they are."""
    plan = spider_plan(config, chosen, loader.list())
    return [Planned(name, loader.load(name), arguments) for name, arguments in plan]


def due(planned: Planned, last_started: Mapping[str, float], now: float) -> bool:
    """Under --every: whether a run is due (never run in this process, or its schedule elapsed)."""
    started = last_started.get(planned.name)
    return started is None or planned.every is None or now - started >= planned.every
