"""Place text normalised for matching: one floor below the gazetteer and the boundaries,
which both match names with it."""

from __future__ import annotations

import re
import unicodedata

_PREFIXES = ("山东省", "济宁市")
_SUFFIXES = ("街道办事处", "街道", "市", "县", "区", "镇", "乡")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Normalise place text for matching.

    Full-width characters become half-width (NFKC), spaces go, a leading
    山东省/济宁市 is dropped (repeatedly), and one trailing administrative
    suffix (市/县/区/镇/街道/乡) is dropped, so 济宁市邹城市 and 邹城 match.
    A name that is nothing but a suffix-bearing prefix (济宁市 itself) is kept.
    """
    s = _SPACE.sub("", unicodedata.normalize("NFKC", str(text))).casefold()
    stripped = True
    while stripped:
        stripped = False
        for p in _PREFIXES:
            if s.startswith(p) and len(s) > len(p):
                s = s[len(p) :]
                stripped = True
    for suf in _SUFFIXES:
        if s.endswith(suf) and len(s) - len(suf) >= 2:
            return s[: -len(suf)]
    return s


def prefix_stripped(text: str) -> str:
    """NFKC, no spaces, casefolded, a leading 山东省/济宁市 dropped: like :func:`normalise`
    but keeping the trailing suffix, so 嘉祥街道 stays distinct from 嘉祥."""
    s = _SPACE.sub("", unicodedata.normalize("NFKC", str(text))).casefold()
    for p in _PREFIXES:
        if s.startswith(p) and len(s) > len(p):
            s = s[len(p) :]
    return s
