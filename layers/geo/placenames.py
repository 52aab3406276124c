"""Place text normalised for matching: one floor below the gazetteer and the boundaries,
which both match names with it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

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


# ---- place text in English -------------------------------------------------------------------

#: What separates the places of one place text (枣菏高速;济微高速): English joins them with "; ".
_PLACE_SEPARATORS = re.compile(r"[;;、,,]")


@dataclass(frozen=True)
class EnglishName:
    """A place's sourced English name. ``level`` is ``county`` or ``town`` for the Jining
    units that may lead a longer text (曲阜市尼山镇), else empty; ``county`` its adcode."""

    en: str
    level: str = ""
    county: str = ""

    @property
    def short(self) -> str:
        """A county as it qualifies a smaller place: Qufu for Qufu City, as the keys name it."""
        return self.en.split()[0] if self.level == "county" else self.en


NameTable = Mapping[str, tuple[EnglishName, ...]]


def name_table(rows: Iterable[tuple[str, str, EnglishName]]) -> dict[str, tuple[EnglishName, ...]]:
    """The names a text is rendered with: rows of (name_zh, aliases "a|b", its English name),
    each name and alias under its :func:`prefix_stripped` and its :func:`normalise` key.
    Rows without an English name are left out."""
    table: dict[str, list[EnglishName]] = {}
    for name_zh, aliases, english in rows:
        if not english.en.strip():
            continue
        for name in {name_zh, *filter(None, str(aliases).split("|"))}:
            for key in {prefix_stripped(name), normalise(name)}:
                if key and english not in table.setdefault(key, []):
                    table[key].append(english)
    return {k: tuple(v) for k, v in table.items()}


def _lookup(key: str, names: NameTable, county: str = "", level: str = "") -> EnglishName | None:
    """The one English name ``key`` has (in ``county`` when given, of ``level`` when given);
    a town loses to another place of the same name (金乡 is the county, not 金乡街道); None
    when unknown or when several places share the name."""
    found = [
        n for n in names.get(key, ()) if (not county or n.county in ("", county)) and (not level or n.level == level)
    ]
    if len({n.en for n in found}) > 1:
        found = [n for n in found if n.level != "town"] or found
    return found[0] if len({n.en for n in found}) == 1 else None


def _leading(text: str, names: NameTable, level: str, county: str = "") -> tuple[EnglishName, str] | None:
    """The longest unit of ``level`` that ``text`` starts with, and the text after it."""
    for end in range(len(text) - 1, 1, -1):  # the longest first; a unit's key has two characters at least
        found = _lookup(text[:end], names, county, level)
        if found is not None:
            return found, text[end:]
    return None


def _one_place(text: str, names: NameTable) -> str:
    whole = _lookup(prefix_stripped(text), names) or _lookup(normalise(text), names)
    if whole is not None:
        return whole.en
    rest = prefix_stripped(text)
    parts: list[str] = []
    county = _leading(rest, names, "county")
    if county is not None:
        rest = county[1]
    code = county[0].county if county else ""
    place = (_lookup(rest, names, code) or _lookup(normalise(rest), names, code)) if rest else None
    if place is not None:
        parts.append(place.en)
        rest = ""
    elif (town := _leading(rest, names, "town", code)) is not None:
        parts.append(town[0].en)
        rest = town[1]
    if not parts and county is None:
        return text  # nothing known in it: the text as written
    if county is not None and county[0].short not in " ".join(parts):
        parts.append(county[0].short if parts or rest else county[0].en)
    return ", ".join([rest, *parts] if rest else parts)


def english_place(text: str, names: NameTable) -> str:
    """A place text in English from the places' sourced English names (``names``, see
    :func:`name_table`): a known place by its English name (尼山圣境 → Nishan Shengjing
    (Nishan Sacred Land)); a text that starts with a county and a town, smallest first
    (曲阜市尼山镇 → Nishan Town, Qufu); several places joined by "; ". What has no English
    name stays as written, before the English of the places it lies in (曲阜市某村 → 某村, Qufu).
    No name is translated: a place without a sourced English name keeps its Chinese."""
    if not isinstance(text, str) or not text.strip():
        return text
    parts = [p.strip() for p in _PLACE_SEPARATORS.split(text) if p.strip()]
    return "; ".join(_one_place(p, names) for p in parts)
