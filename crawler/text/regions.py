"""Which province, prefecture and county an article is about, from its title and body.

The title's place prefix (``贵州锦屏：``) wins. Otherwise the body decides: full names are
counted (``锦屏县``; a two-character name such as ``南县`` only right after its parent, or
it would be found inside ``湖南县域``), names shared by several divisions are resolved with
the province the article talks about, and the most-mentioned county wins when it clearly
does. Paragraphs that are runs of place names (SEO junk) are ignored.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from crawler.text.gazetteer import Division, by_full_name, divisions, lookup, parents
from crawler.text.junk import is_place_run

_TITLE_PREFIX = re.compile(r"^\s*([\u4e00-\u9fff]{2,14})\s*[：:]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_TITLE_WEIGHT = 2  # a full name in the title counts as this many body mentions
_MIN_MENTIONS = 2  # a division named once is not enough, unless its parent is named too

Mention = tuple[int, int, tuple[Division, ...]]  # start, end, candidates


@lru_cache(maxsize=1)
def _name_shape() -> tuple[frozenset[str], int]:
    """The last characters of full names (省, 市, 县 …) and the longest full name."""
    names = [division.name for division in divisions()]
    return frozenset(name[-1] for name in names), max(map(len, names))


def find_mentions(text: str) -> list[Mention]:
    """Full division names in the text, longest first at each end, left to right."""
    endings, longest = _name_shape()
    mentions: list[Mention] = []
    for end in range(2, len(text) + 1):
        if text[end - 1] not in endings:
            continue
        for start in range(max(0, end - longest), end - 1):
            found = by_full_name(text[start:end])
            if not found:
                continue
            if end - start == 2 and not _after_parent(text, start, found, mentions):
                continue
            mentions.append((start, end, found))
            break
    return mentions


def _after_parent(text: str, start: int, found: tuple[Division, ...], mentions: list[Mention]) -> bool:
    """A two-character name counts only after a non-Han character or right after its parent."""
    if start == 0 or not _HAN.match(text[start - 1]):
        return True
    if not mentions or mentions[-1][1] != start:
        return False
    parent_names = {division.name for division in mentions[-1][2]}
    return any(division.province in parent_names or division.prefecture in parent_names for division in found)


def _chain(division: Division) -> list[dict[str, str]]:
    return [record.as_dict() for record in (*parents(division), division)]


def _within(division: Division, scope: Division | None) -> bool:
    if scope is None:
        return True
    if scope.level == "province":
        return division.province == scope.name
    if scope.level == "prefecture":
        return division.prefecture == scope.name and division.province == scope.province
    return division.code == scope.code


def title_division(title: str, provinces: Counter[str] | None = None) -> Division | None:
    """The division named by the title's place prefix (贵州锦屏：, 锦屏县：, 宁夏：), or None."""
    match = _TITLE_PREFIX.match(title)
    if match is None:
        return None
    prefix = match.group(1)
    candidates = list(lookup(prefix))
    for split in range(2, len(prefix) - 1):
        for outer in lookup(prefix[:split]):
            if outer.level != "county":
                candidates += [
                    d for d in lookup(prefix[split:]) if d.level != "province" and _within(d, outer)
                ]
    candidates = list({d.code: d for d in candidates}.values())
    if len(candidates) > 1 and provinces:
        top = max(provinces[d.province] for d in candidates)
        candidates = [d for d in candidates if provinces[d.province] == top]
    return candidates[0] if len(candidates) == 1 else None


def _votes(mentions: Iterable[tuple[tuple[Division, ...], int]]) -> Counter[str]:
    """Province votes: each mention of a province, or of a division only one province has."""
    votes: Counter[str] = Counter()
    for found, weight in mentions:
        provinces = {division.province for division in found}
        if len(provinces) == 1:
            votes[provinces.pop()] += weight
    return votes


def find_regions(title: str, body: list[str]) -> list[dict[str, str]]:
    """The article's province, prefecture and county (top down, full names and codes); [] if unsure."""
    paragraphs = [paragraph for paragraph in body if not is_place_run(paragraph)]
    weighted = [(found, _TITLE_WEIGHT) for _, _, found in find_mentions(title)]
    rest: list[str] = []  # the body with the full names blanked out, for counting short names
    for paragraph in paragraphs:
        mentions = find_mentions(paragraph)
        weighted += [(found, 1) for _, _, found in mentions]
        rest.append(_blank(paragraph, mentions))
    provinces = _votes(weighted)
    scope = title_division(title, provinces)
    if scope is not None and scope.level == "county":
        return _chain(scope)
    context = scope.province if scope is not None else _top(provinces)

    counts: Counter[Division] = Counter()
    for found, weight in weighted:
        resolved = [d for d in found if _within(d, scope)]
        if len(resolved) > 1 and context:
            resolved = [d for d in resolved if d.province == context]
        if len(resolved) == 1:
            counts[resolved[0]] += weight
    text = "\n".join(rest)
    for division in [d for d in counts if d.level == "county" and d.short != d.name]:
        counts[division] += text.count(division.short)

    for level in ("county", "prefecture", "province"):
        winner = _winner(counts, level)
        if winner is not None:
            return _chain(winner)
    return _chain(scope) if scope is not None else []


def _blank(text: str, mentions: list[Mention]) -> str:
    for start, end, _ in mentions:
        text = text[:start] + "\0" * (end - start) + text[end:]
    return text


def _top(votes: Counter[str]) -> str:
    ranked = votes.most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return ""
    return ranked[0][0]


def _winner(counts: Counter[Division], level: str) -> Division | None:
    """The clear leader at one level: named most and twice, or named once, alone, with a parent."""
    ranked = sorted(((n, d) for d, n in counts.items() if d.level == level), key=lambda x: -x[0])
    if not ranked or (len(ranked) > 1 and ranked[0][0] == ranked[1][0]):
        return None
    mentions, division = ranked[0]
    if mentions >= _MIN_MENTIONS:
        return division
    alone = len(ranked) == 1 and not any(d.level == "county" for d in counts if d.level != level)
    return division if alone and any(counts[p] for p in parents(division)) else None
