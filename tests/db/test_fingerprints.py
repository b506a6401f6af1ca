"""Stored fingerprints must not change: the archive compares new texts with signatures and LSH band
keys written by earlier runs (crawler.text.fingerprint, crawler.db.clusters)."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from crawler.text import fingerprint as fp

REPEATED = (
    "锦屏县油茶产业带动三千户增收。村里的合作社今年新建了加工厂，油茶收购价每斤上涨0.5元。乡村振兴看锦屏"
)

# Computed by the code that wrote the first archives (the MinHash over np.unique'd 3-gram hashes)
GOLDEN = [
    (("乡村振兴看锦屏", None, REPEATED), "87fc8dc6292cf1ff3d3f3714",
     (-2234035953916380391, -3401820269605546130, -2187206343129505345)),
    (("AB", "小标题", "Village 5G 网络"), "b587a9fa8b94483e86500618",
     (2004701884387371539, 5067304945879976179, -3661699022877930082)),
]  # fmt: skip


@pytest.mark.parametrize(("text", "signature", "first_bands"), GOLDEN)
def test_fingerprint_is_the_one_stored_by_earlier_runs(text, signature, first_bands):
    found = fp.fingerprint(*text)
    assert hashlib.sha256(found.signature).hexdigest()[:24] == signature
    assert found.bands[:3] == first_bands
    assert len(found.bands) == fp.BANDS


def test_too_short_a_text_has_no_bands():
    found = fp.fingerprint("一二", None, "")
    assert found.bands == ()
    assert np.array_equal(np.frombuffer(found.signature, dtype="<u4"), np.full(fp.PERMUTATIONS, 0xFFFFFFFF))


def reference_signature(text: str) -> np.ndarray:
    """MinHash by the definition: the minimum of each hash function over the distinct 3-grams."""
    hashes = fp.shingle_hashes(text)
    with np.errstate(over="ignore"):
        permuted = (hashes[:, None] * fp._MULTIPLIERS[None, :] + fp._OFFSETS[None, :]) & np.uint64(2**64 - 1)
    return (permuted >> np.uint64(32)).min(axis=0).astype(np.uint32)


# A long text of many distinct 3-grams (Chinese, Latin, digits; a fixed pseudo-random sequence)
VARIED = "".join(chr(0x4E00 + (n * 7919) % 3000) if n % 5 else "ab3"[n % 3] for n in range(6000))


@pytest.mark.parametrize("text", ["油茶油茶油茶油茶", REPEATED, "abcabcabc", "abc", "乡村振兴" * 50, VARIED])
def test_signature_of_repeated_grams_is_that_of_the_distinct_grams(text):
    assert np.array_equal(fp.signature_of(text), reference_signature(text))
    assert len(fp.shingle_hashes(text)) == len(set(zip(text, text[1:], text[2:], strict=False)))
