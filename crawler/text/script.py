"""Traditional -> Simplified conversion, and what we know about each character.

The spam mirrors convert pages with a Taiwan-style converter (著 for 着), so the
conversion uses OpenCC's ``tw2s`` configuration. Conversion only runs on text that is
Traditional: a Simplified page comes out untouched. Proper names that OpenCC gets wrong
are protected by ``PROTECTED_TERMS``.

``char_rank`` gives a character's frequency rank, derived from jieba's dictionary (word
frequencies folded per character, Traditional characters ranked as their Simplified form);
the mojibake repair and the encoding check use it to tell common text from garbage.
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

import opencc

from crawler.text.packages import package_file
from crawler.text.tables import derived_table

logger = logging.getLogger(__name__)

OPENCC_CONFIG = "tw2s"  # Taiwan-aware: 著力 -> 着力, 接著 -> 接着
PROTECTED_TERMS: dict[str, str] = {
    # term as written (Traditional or Simplified) -> its Simplified form
    "乾安縣": "乾安县",  # Jilin; a Simplified 乾安县 on a Traditional page becomes 干安县
    "乾安县": "乾安县",
    "乾縣": "乾县",  # Shaanxi
    "乾县": "乾县",
}
# One character at a time needs only OpenCC's character dictionaries; its s2t and s2tw
# configurations also load the phrase dictionary STPhrases (about 40 MB of memory).
CHARACTER_DICTIONARIES = {"s2t": ("STCharacters.ocd2",), "s2tw": ("STCharacters.ocd2", "TWVariants.ocd2")}
SIMPLIFIED_USE = 0.02  # jieba count ratio above which a convertible character is also Simplified
COMMON_RANK = 4000  # a character ranked below this is "common"
FULL_WIDTH_PUNCTUATION = frozenset("。，、；：？！“”‘’（）《》〈〉【】「」『』…—·～")
_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_PROTECTED_RE = re.compile("|".join(sorted(map(re.escape, PROTECTED_TERMS), key=len, reverse=True)))


@lru_cache(maxsize=4)
def converter(config: str = OPENCC_CONFIG) -> opencc.OpenCC:
    """Return a cached OpenCC converter for a configuration name."""
    return opencc.OpenCC(config)


@lru_cache(maxsize=2)
def char_converter(config: str) -> opencc.OpenCC:
    """A converter of single characters (or lines of one character) for `s2t` or `s2tw`.

    It converts every character as ``converter(config)`` does, from the character dictionaries
    alone (written into a configuration of our own, read once).
    """
    share = Path(opencc.__file__).parent / "clib" / "share" / "opencc"
    files = [share / name for name in CHARACTER_DICTIONARIES[config]]
    normalize = share / "CJK_Compatibility_Ideographs.ocd2"
    if not all(path.is_file() for path in [*files, normalize]):  # an OpenCC built without its data here
        return converter(config)
    chain = [{"dict": {"type": "ocd2", "file": str(path)}} for path in files]
    spec = {
        "name": f"{config}, characters only",
        "normalization": [{"dict": {"type": "ocd2", "file": str(normalize)}}],
        "segmentation": {"type": "mmseg", "dict": chain[0]["dict"]},
        "conversion_chain": chain,
    }
    with tempfile.TemporaryDirectory(prefix="opencc-") as folder:
        path = Path(folder) / f"{config}-characters.json"
        path.write_text(json.dumps(spec), "utf-8")
        return opencc.OpenCC(str(path))


def _jieba_dictionary() -> Path:
    return package_file("jieba", "dict.txt")  # not imported: `import jieba` costs 8 MB of memory


@lru_cache(maxsize=1)
def _jieba_char_counts() -> Counter[str]:
    """Fold jieba's dictionary word frequencies into per-character counts (kept on disk: tables.py)."""
    return Counter(derived_table("jieba-chars", [_jieba_dictionary()], _fold_jieba_counts))


def _fold_jieba_counts() -> dict[str, int]:
    counts: Counter[str] = Counter()
    with _jieba_dictionary().open(encoding="utf-8") as lines:
        for line in lines:
            word, freq, *_ = line.split(" ")
            weight = int(freq)
            for char in word:
                counts[char] += weight
    return dict(counts)


@lru_cache(maxsize=8192)
def simplified_char(char: str) -> str:
    """The Simplified form of one character (itself when it has none)."""
    return converter("t2s").convert(char) if _HAN_RE.match(char) else char


@lru_cache(maxsize=1)
def _char_ranks() -> dict[str, int]:
    """Rank every character of the jieba table, most frequent first."""
    counts = _jieba_char_counts()
    return {char: rank for rank, (char, _) in enumerate(counts.most_common())}


@lru_cache(maxsize=65536)
def char_rank(char: str) -> int:
    """Frequency rank of a character (0 = commonest); punctuation ranks first, unknown last."""
    if char in FULL_WIDTH_PUNCTUATION:
        return 0
    ranks = _char_ranks()
    unknown = len(ranks)
    return min(ranks.get(char, unknown), ranks.get(simplified_char(char), unknown))


@lru_cache(maxsize=1)
def common_chars() -> frozenset[str]:
    """Every common character: Han (both scripts) and full-width punctuation."""
    candidates = set(_jieba_char_counts()) | {chr(code) for code in range(0x4E00, 0xA000)}
    return frozenset(char for char in candidates if is_common(char))


def is_common(char: str) -> bool:
    """True for a common Han character or a full-width punctuation mark."""
    return char_rank(char) < COMMON_RANK


@lru_cache(maxsize=1)
def _script_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Character classes of Traditional-only and Simplified-only characters (kept on disk: tables.py)."""
    sources = [_jieba_dictionary(), Path(opencc.__file__)]
    trad_class, simp_class = derived_table("script-classes", sources, _script_classes)
    return re.compile(f"[{re.escape(trad_class)}]"), re.compile(f"[{re.escape(simp_class)}]")


def _script_classes() -> tuple[str, str]:
    """The characters only Traditional text uses, and those only Simplified text uses."""
    chars = sorted(set(_jieba_char_counts()) | {chr(code) for code in range(0x4E00, 0xA000)})
    han = [char for char in chars if _HAN_RE.fullmatch(char)]
    joined = "\n".join(han)
    to_simple = converter(OPENCC_CONFIG).convert(joined).split("\n")
    to_trad = char_converter("s2t").convert(joined).split("\n")
    counts = _jieba_char_counts()
    # a character OpenCC converts but Simplified text also uses (乾隆, 著名) is not evidence
    traditional = [
        c for c, s in zip(han, to_simple, strict=True) if s != c and counts[c] < SIMPLIFIED_USE * counts[s]
    ]
    simplified = [c for c, t in zip(han, to_trad, strict=True) if t != c and c not in traditional]
    # characters that are both (a Traditional form that is also a Simplified one) count as neither
    both = set(traditional) & set(simplified)
    trad_class = "".join(c for c in traditional if c not in both)
    simp_class = "".join(c for c in simplified if c not in both)
    return trad_class, simp_class


def script_counts(text: str) -> tuple[int, int]:
    """Count (Traditional-only, Simplified-only) characters in a text."""
    trad_re, simp_re = _script_patterns()
    return len(trad_re.findall(text)), len(simp_re.findall(text))


def is_traditional(text: str) -> bool:
    """True when the text is written in Traditional characters."""
    traditional, simplified = script_counts(text)
    return traditional > 0 and traditional > simplified


def texts_are_traditional(texts: Iterable[str]) -> bool:
    """True when a set of texts (one page) is, taken together, Traditional."""
    traditional = simplified = 0
    for text in texts:
        trad, simp = script_counts(text)
        traditional += trad
        simplified += simp
    return traditional > 0 and traditional > simplified


def convert_to_simplified(text: str) -> str:
    """Convert with OpenCC tw2s, keeping protected terms in their correct form."""
    convert: Callable[[str], str] = converter(OPENCC_CONFIG).convert  # OpenCC is untyped
    if not _PROTECTED_RE.search(text):
        return convert(text)
    parts: list[str] = []
    start = 0
    for match in _PROTECTED_RE.finditer(text):
        parts.append(convert(text[start : match.start()]))
        parts.append(PROTECTED_TERMS[match.group()])
        start = match.end()
    parts.append(convert(text[start:]))
    return "".join(parts)
