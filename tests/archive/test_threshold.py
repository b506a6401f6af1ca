"""The near-duplicate threshold is measured: it separates copies of a story from other stories.

Same story: a replica story against copies with a mirror's junk (a county-name run, a share
widget, a 相关阅读 line) put through the junk stage, and small edits (figures changed, a clause
dropped, half-width commas). Different stories: two stories of the same channel (topic), and
a story against another one of its channel rewritten to be about the first one's county.
"""

from __future__ import annotations

import itertools
import random
import re

from crawler.text.fingerprint import NEAR_DUPLICATE, fingerprint, similarity
from crawler.text.junk import remove_junk
from crawler.text.regions import find_regions
from replica.model import Story, load_pool
from replica.site import SEED_JUNK

MARGIN = 0.15  # both kinds of pair stay at least this far from the threshold


def signature(title: str, paragraphs: list[str]) -> bytes:
    return fingerprint(title, None, "\n".join(paragraphs)).signature


def mirror_copy(story: Story, rng: random.Random) -> list[str]:
    """The story as a mirror serves it, after our junk stage: small edits remain."""
    paragraphs = [re.sub(r"\d+", lambda m: str(int(m.group()) + rng.randint(1, 9)), p)
                  if rng.random() < 0.3 else p for p in story.paragraphs]  # fmt: skip
    n = rng.randrange(len(paragraphs))
    cut = rng.randrange(max(1, len(paragraphs[n]) // 2))
    paragraphs[n] = paragraphs[n][:cut] + paragraphs[n][cut + 8 :]
    paragraphs = [p.replace("，", ",") for p in paragraphs]
    paragraphs.insert(rng.randint(0, len(paragraphs)), f"相关阅读：{story.title}")
    paragraphs += ["|".join(rng.sample(SEED_JUNK, 6)) + "|", "分享到：微信 微博 QQ空间"]
    cleaned, removed = remove_junk(paragraphs)
    assert removed, "the copy carried junk"
    return cleaned


def county(story: Story) -> dict | None:
    return next((r for r in find_regions(story.title, story.paragraphs) if r["level"] == "county"), None)


def moved_to(story: Story, place: dict, other: Story) -> Story:
    """`story` rewritten to happen in the county of `other`."""
    here = county(story)
    swap = (lambda t: t.replace(here["name"], place["name"])) if here else (lambda t: place["name"] + t)
    return Story(story.key + "@" + place["code"], swap(story.title), "", story.source, story.author,
                 story.editor, story.channel, [swap(p) for p in story.paragraphs])  # fmt: skip


def pairs() -> tuple[list[float], list[float]]:
    pool = load_pool()
    rng = random.Random(2026)
    same = [
        similarity(signature(s.title, s.paragraphs), signature(s.title, mirror_copy(s, rng)))
        for s in pool for _ in range(3)
    ]  # fmt: skip
    different = []
    for a, b in itertools.combinations(pool, 2):
        if a.channel != b.channel:
            continue
        different.append(similarity(signature(a.title, a.paragraphs), signature(b.title, b.paragraphs)))
        if (place := county(a)) is not None:
            local = moved_to(b, place, a)
            different.append(
                similarity(signature(a.title, a.paragraphs), signature(local.title, local.paragraphs))
            )
    return same, different


def test_the_threshold_separates_copies_from_other_stories():
    same, different = pairs()
    assert len(same) >= 100 and len(different) >= 200
    assert max(different) + MARGIN <= NEAR_DUPLICATE <= min(same) - MARGIN, (
        f"different stories up to {max(different):.2f}, copies from {min(same):.2f}: "
        f"NEAR_DUPLICATE={NEAR_DUPLICATE} should sit between them"
    )
