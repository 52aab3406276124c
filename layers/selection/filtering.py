"""Filters a planner applies to the register, and their URL form.

A district is one of the 11 county adcodes or a functional zone id. A measure
matches a county when the county is in its ``county_adcodes``; it matches a zone
when its geometry meets the zone's (approximate) area. City-wide measures apply to
every district, so they match any district filter unless ``include_citywide`` is
off.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache

import geopandas as gpd
import pandas as pd

from layers.geo.actions import load_actions
from layers.geo.boundaries import county_names
from layers.geo.register import FORMS, KINDS
from layers.labels import LIGHT_WORDS

#: Functional zones offered as districts: id -> shape id in geodata/shapes.csv.
ZONES = {
    "hightech": "zone_hightech",
    "taibaihu": "zone_taibaihu",
    "etdz": "zone_etdz",
}
ZONE_NAMES = {
    "hightech": {"zh": "济宁高新区", "en": "High-tech Zone"},
    "taibaihu": {"zh": "太白湖新区", "en": "Taibai Lake New Area"},
    "etdz": {"zh": "济宁经济技术开发区", "en": "Economic and Technological Development Zone"},
}


@dataclass(frozen=True)
class Filters:
    """The current selection. Empty tuples mean "all"."""

    actions: tuple[int, ...] = ()
    districts: tuple[str, ...] = ()
    forms: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    q: str = ""
    include_citywide: bool = True
    warnings: tuple[str, ...] = field(default=(), compare=False)
    #: Progress lights (layers.labels.LIGHT_WORDS codes), as of the app's date.
    lights: tuple[str, ...] = ()

    @property
    def is_default(self) -> bool:
        return self == Filters()


def district_codes() -> list[str]:
    """Every valid district value: the 11 adcodes, then the zone ids."""
    return list(county_names()) + list(ZONES)


def district_label(code: str, lang: str = "zh") -> str:
    if code in ZONES:
        return ZONE_NAMES[code][lang]
    return county_names(lang)[code]


@lru_cache(maxsize=1)
def zone_shapes() -> dict[str, object]:
    from layers.geo.shapes import load_shapes

    shapes = load_shapes().set_index("shape_id")
    return {z: shapes.loc[sid].geometry for z, sid in ZONES.items()}


def district_matches(projects: gpd.GeoDataFrame, district: str) -> pd.Series:
    """Which measures the district filter keeps for one district (an adcode or a zone id),
    city-wide ones aside: a county by ``county_adcodes``, a zone by its area."""
    return _matches_district(projects, (district,))


@lru_cache(maxsize=1)
def _district_keys() -> dict[str, str]:
    """Each county's and zone's name and aliases (Chinese and English, from the gazetteer),
    normalised as the geocoder matches them, to its district code."""
    from layers.geo.gazetteer import read_gazetteer
    from layers.geo.placenames import normalise

    codes = {zh: code for code, zh in county_names("zh").items()}
    codes |= {n["zh"]: z for z, n in ZONE_NAMES.items()}
    keys = {}
    for rec in read_gazetteer().to_dict("records"):
        code = codes.get(rec["name_zh"])
        if code is None or rec["kind"] not in ("county", "zone"):
            continue
        for name in (rec["name_zh"], rec["name_en"], *rec["aliases"].split("|")):
            if name.strip():
                keys.setdefault(normalise(name), code)
    for code, names in ZONE_NAMES.items():
        for name in names.values():
            keys.setdefault(normalise(name), code)
    return keys


def district_named(word: str) -> str | None:
    """The district (adcode or zone id) that ``word`` names, by its name or an alias in either
    language (兖州, 兖州区, Yanzhou, 高新区, 济宁高新区), else None."""
    from layers.geo.placenames import normalise

    return _district_keys().get(normalise(word)) if word.strip() else None


def _matches_district(projects: gpd.GeoDataFrame, districts: tuple[str, ...]) -> pd.Series:
    codes = projects["county_adcodes"].fillna("").str.split(",")
    mask = pd.Series(False, index=projects.index)
    for d in districts:
        if d in ZONES:
            zone = zone_shapes()[d]
            mask |= projects.geometry.apply(lambda g, z=zone: g is not None and g.intersects(z))
        else:
            mask |= codes.apply(lambda cs, d=d: d in cs)
    return mask


def filter_projects(projects: gpd.GeoDataFrame, filters: Filters) -> gpd.GeoDataFrame:
    """Return the measures that match every filter, in register order."""
    mask = pd.Series(True, index=projects.index)
    if filters.actions:
        mask &= projects["action"].isin(filters.actions)
    if filters.forms:
        mask &= projects["form"].isin(filters.forms)
    if filters.kinds:
        mask &= projects["kind"].isin(filters.kinds)
    if filters.q.strip():
        text = (
            projects["title_zh"] + " " + projects["title_en"] + " " + projects["summary_zh"] + " " + projects["place"]
        ).str.casefold()
        for word in filters.q.casefold().split():
            # A word that names a district (兖州, 高新区) also keeps the measures located in it.
            named = district_named(word)
            found = text.str.contains(word, regex=False)
            mask &= (found | _matches_district(projects, (named,))) if named else found
    if filters.lights:
        # The lights are columns the app joins as of its date; without them every measure has no plan.
        light = projects["light"] if "light" in projects.columns else pd.Series("no_plan", index=projects.index)
        mask &= light.isin(filters.lights)
    citywide = projects["form"] == "city"
    if filters.districts:
        mask &= _matches_district(projects, filters.districts) | (citywide & filters.include_citywide)
    elif not filters.include_citywide:
        mask &= ~citywide
    return projects[mask]


def counts_per_action(projects: pd.DataFrame) -> dict[int, int]:
    """Number of measures per action id 1-10 (zero included)."""
    counts = projects["action"].value_counts()
    return {int(a): int(counts.get(a, 0)) for a in load_actions().index}


#: Bounds on what a URL may carry: its length per parameter, values per parameter, a value's length.
URL_MAX_CHARS = 1000
URL_MAX_VALUES = 30
URL_MAX_VALUE_CHARS = 40
_ACTION = re.compile(r"[0-9]{1,2}")  # ASCII digits only: ² ① ٣ are not action numbers


def _split(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        value = ",".join(str(v) for v in value)
    parts = [v.strip() for v in str(value)[:URL_MAX_CHARS].split(",") if v.strip()]
    return [v[:URL_MAX_VALUE_CHARS] for v in parts[:URL_MAX_VALUES]]


def filters_from_query(params: dict) -> Filters:
    """Read filters from URL query parameters (``action``, ``district``, ``q``, ``form``, ``kind``).

    Unknown values are dropped and described in ``Filters.warnings`` so the app
    can say what it ignored.
    """
    warnings = []
    actions = []
    for a in _split(params.get("action")):
        if _ACTION.fullmatch(a) and 1 <= int(a) <= 10:
            actions.append(int(a))
        else:
            warnings.append(f"action={a}")
    valid_d = set(district_codes())
    districts = [d for d in _split(params.get("district")) if d in valid_d]
    warnings += [f"district={d}" for d in _split(params.get("district")) if d not in valid_d]
    forms = [f for f in _split(params.get("form")) if f in FORMS]
    warnings += [f"form={f}" for f in _split(params.get("form")) if f not in FORMS]
    kinds = [k for k in _split(params.get("kind")) if k in KINDS]
    warnings += [f"kind={k}" for k in _split(params.get("kind")) if k not in KINDS]
    q = params.get("q") or ""
    if isinstance(q, list):
        q = " ".join(str(v) for v in q)
    from layers._text import clean_text

    q = clean_text(q, URL_MAX_VALUE_CHARS * 2)
    citywide = str(params.get("citywide", "1")) != "0"
    lights = [x for x in _split(params.get("light")) if x in LIGHT_WORDS]
    warnings += [f"light={x}" for x in _split(params.get("light")) if x not in LIGHT_WORDS]
    return Filters(
        tuple(dict.fromkeys(actions)),
        tuple(dict.fromkeys(districts)),
        tuple(forms),
        tuple(kinds),
        str(q),
        citywide,
        tuple(warnings),
        tuple(dict.fromkeys(lights)),
    )


def filters_to_query(filters: Filters) -> dict[str, str]:
    """The URL query parameters for ``filters`` (defaults are left out)."""
    out = {}
    if filters.actions:
        out["action"] = ",".join(str(a) for a in filters.actions)
    if filters.districts:
        out["district"] = ",".join(filters.districts)
    if filters.forms:
        out["form"] = ",".join(filters.forms)
    if filters.kinds:
        out["kind"] = ",".join(filters.kinds)
    if filters.q.strip():
        out["q"] = filters.q.strip()
    if not filters.include_citywide:
        out["citywide"] = "0"
    if filters.lights:
        out["light"] = ",".join(filters.lights)
    return out


#: The map's colourings (URL ``color``): by action (the default) or by progress light.
COLOURINGS = ("action", "progress")


def view_from_query(params: dict, today: dt.date) -> tuple[dt.date, str, list[str]]:
    """The as-of date (URL ``asof=YYYY-MM-DD``, default ``today``) and the colouring (URL
    ``color``) of the view, and what was ignored (as ``filters_from_query`` reports it)."""
    warnings = []
    asof = today
    raw = str(params.get("asof") or "")[:URL_MAX_VALUE_CHARS].strip()
    if raw:
        try:
            asof = dt.date.fromisoformat(raw)
            if not ASOF_RANGE[0] <= asof <= ASOF_RANGE[1]:
                raise ValueError(raw)
        except ValueError:
            asof = today
            warnings.append(f"asof={raw}")
    colour = str(params.get("color") or "action")[:URL_MAX_VALUE_CHARS]
    if colour not in COLOURINGS:
        warnings.append(f"color={colour}")
        colour = "action"
    return asof, colour, warnings


#: Dates an as-of may take: the plan's years, with room on either side.
ASOF_RANGE = (dt.date(2015, 1, 1), dt.date(2040, 12, 31))


__all__ = [
    "COLOURINGS",
    "Filters",
    "ZONES",
    "counts_per_action",
    "district_codes",
    "district_label",
    "district_matches",
    "district_named",
    "filter_projects",
    "filters_from_query",
    "filters_to_query",
    "view_from_query",
]
