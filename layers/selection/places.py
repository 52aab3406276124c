"""Place search: a place typed by a planner, found by the offline geocoder, and the measures
within or near it. Plain functions, tested without Streamlit (``ui/place_search.py`` draws them).

The geocoder is the one ``python -m layers geocode`` uses (``layers.geo.gazetteer``): towns,
places, counties, zones and their aliases, never the network and never a guess. What a place
covers:

- a county (兖州), or a town whose seat is unknown (its county): the county's polygon, and the
  measures whose ``county_adcodes`` hold it (as the district filter keeps them);
- a functional zone (高新区): the zone's approximate area, and the measures that meet it (as
  the district filter keeps them);
- the city (济宁): its outline, and every measure with a place;
- a town (大安镇): its seat, and the measures within ``NEAR_KM["town"]`` = 5 km of it. Jining's
  156 towns share 11,200 km², about 72 km² each: a circle of 4.8 km radius; the median distance
  from a seat to the nearest other seat is 5.8 km. So 5 km around a seat covers about its town
  and stops short of the next town's seat;
- a site (a station, a lake, a scenic spot): its point, and the measures within
  ``NEAR_KM["site"]`` = 2 km: the place and its immediate surroundings, about the ± of the
  register's approximate points.

When no measure lies that near a point place, the ``NEAREST`` = 3 nearest within ``FALLBACK_KM``
= 20 km are listed instead (``near`` False), each with its distance: most towns have no measure
of their own (大安镇's nearest is 9 km away), and "nothing here, the nearest are …" is more use
to a planner than an empty list. 20 km is about a county's radius (Jining's counties average
1,000 km²), so what is listed is still in the neighbourhood.

City-wide measures apply everywhere and are never listed as near a place; a county-wide
measure is near every place in its county.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import geopandas as gpd
import pandas as pd
import shapely

from layers._errors import Msg
from layers._text import clean_text
from layers.geo.boundaries import county_names, load_city, load_counties
from layers.geo.coords import GK_CRS
from layers.geo.gazetteer import Geocoder, default_geocoder
from layers.selection.filtering import ZONE_NAMES, district_matches, zone_shapes

#: The longest text a search takes (characters); the rest is cut off before the geocoder sees it.
PLACE_MAX = 40
#: How far from a point place a measure is "near" it, by the place's precision (see above).
NEAR_KM = {"town": 5.0, "site": 2.0}
#: When nothing is that near a point place: how many of the nearest measures, and how far at most.
NEAREST = 3
FALLBACK_KM = 20.0
#: The map's zoom for a point place: a town and its neighbours, or a site and its streets.
POINT_ZOOM = {"town": 12, "site": 14}
#: What a search can answer (``PlaceResult.status``).
STATUSES = ("ok", "ambiguous", "unresolved", "mismatch", "outside", "empty")


@dataclass(frozen=True)
class PlaceResult:
    """A place found for a search, or why none was.

    ``status`` ``ok`` gives the place: its name, ``kind`` (``county``, ``zone``, ``city``,
    ``town`` or ``site``), its point (``lon``, ``lat``, WGS-84), and for a county, a zone or the
    city its ``area`` (a shapely geometry, WGS-84) and ``district`` (the adcode or zone id the
    district filter knows). ``ambiguous`` lists ``candidates`` (each a text that finds one of
    them: county name + place name); ``mismatch`` and ``outside`` carry a ``message``;
    ``unresolved`` and ``empty`` nothing more.
    """

    query: str
    status: str
    name_zh: str | None = None
    kind: str | None = None
    lon: float | None = None
    lat: float | None = None
    county_adcode: str | None = None
    district: str | None = None
    area: object | None = field(default=None, compare=False, repr=False)
    candidates: tuple[dict, ...] = ()
    message: str | None = None

    @property
    def found(self) -> bool:
        return self.status == "ok"

    @property
    def bounds(self) -> tuple[float, float, float, float] | None:
        """(minx, miny, maxx, maxy) of the place's area, None for a point place."""
        return tuple(self.area.bounds) if self.area is not None else None

    @property
    def near_km(self) -> float | None:
        """The distance within which a measure is near this point place; None for an area."""
        return NEAR_KM.get(self.kind) if self.area is None else None

    @property
    def zoom(self) -> int | None:
        """The map's zoom for a point place; None for an area (the map fits its bounds)."""
        return POINT_ZOOM.get(self.kind) if self.area is None else None

    def name(self, lang: str) -> str:
        """The place's name in ``lang``: its sourced English name, else the Chinese one."""
        if lang == "en":
            return _english_names().get(self.name_zh) or self.name_zh or ""
        return self.name_zh or ""


@lru_cache(maxsize=1)
def _english_names() -> dict[str, str]:
    from layers.geo.gazetteer import read_gazetteer

    g = read_gazetteer()
    return {z: e for z, e in zip(g["name_zh"], g["name_en"], strict=True) if e}


def bounded(text) -> str:
    """What a search looks up: clean text (no control, zero-width or bidirectional characters)
    of at most ``PLACE_MAX`` characters."""
    return clean_text(text, PLACE_MAX)


def find_place(text, geocoder: Geocoder | None = None) -> PlaceResult:
    """The place ``text`` names, by the offline geocoder (``geocoder``: the committed gazetteer's
    by default). Never raises for any text: it is bounded first (:func:`bounded`)."""
    query = bounded(text)
    if not query:
        return PlaceResult(query, "empty")
    g = (geocoder or default_geocoder()).geocode(query)
    if g.status in ("unresolved", "mismatch"):
        return PlaceResult(query, g.status, message=g.message)
    if g.status == "ambiguous":
        candidates = tuple(
            {**c, "text": f"{c['county_name'] or ''}{c['name_zh']}"} for c in g.candidates if c.get("name_zh")
        )
        return PlaceResult(query, "ambiguous", candidates=candidates, message=g.message)
    if g.status == "outside":
        return PlaceResult(
            query,
            "outside",
            name_zh=g.matched,
            lon=g.lon,
            lat=g.lat,
            message=Msg(f"{g.matched} lies outside Jining", f"{g.matched}不在济宁市范围内"),
        )
    name = g.matched
    zone = next((z for z, n in ZONE_NAMES.items() if n["zh"] == name), None)
    counties = {zh: code for code, zh in county_names("zh").items()}
    base = {
        "query": query,
        "status": "ok",
        "name_zh": name,
        "lon": g.lon,
        "lat": g.lat,
        "county_adcode": g.county_adcode,
    }
    if zone:
        return PlaceResult(**base, kind="zone", district=zone, area=zone_shapes()[zone])
    if name in counties or (g.precision == "county" and g.county_adcode):
        # A county, or a town whose seat is unknown: the county is what is known of it.
        code = counties.get(name, g.county_adcode)
        area = load_counties().set_index("adcode").geometry[code]
        kind = "county" if name in counties else "town"
        return PlaceResult(**base, kind=kind, district=code, area=area)
    if g.precision == "city":
        return PlaceResult(**base, kind="city", area=load_city().geometry.iloc[0])
    return PlaceResult(**base, kind="town" if g.town_code or g.precision == "town" else "site")


def measures_near(projects: gpd.GeoDataFrame, place: PlaceResult) -> pd.DataFrame:
    """The measures of ``projects`` within or near ``place`` (see the module's text), nearest
    first, with ``distance_km`` (0 for one that covers or touches the place) and ``near``
    (False for the nearest ones listed because none is near); empty when the place was not
    found. City-wide measures and those with no place are left out."""
    out = projects.iloc[0:0].assign(distance_km=pd.Series(dtype=float), near=pd.Series(dtype=bool))
    if not place.found or projects.empty:
        return out
    placed = projects[projects["form"] != "city"]
    if place.district:
        keep = district_matches(placed, place.district)
        near = placed[keep].assign(distance_km=0.0, near=True)
    elif place.kind == "city":
        near = placed[placed.geometry.notna() | (placed["form"] == "county")].assign(distance_km=0.0, near=True)
    else:
        point = gpd.GeoSeries([shapely.Point(place.lon, place.lat)], crs="EPSG:4326").to_crs(GK_CRS).iloc[0]
        has_geom = placed.geometry.notna() & ~placed.geometry.is_empty
        dist = pd.Series(float("inf"), index=placed.index)
        if has_geom.any():
            dist[has_geom] = placed[has_geom].geometry.to_crs(GK_CRS).distance(point) / 1000.0
        # A county-wide measure (no geometry of its own) covers every place in its county.
        codes = placed["county_adcodes"].fillna("").str.split(",")
        in_county = (placed["form"] == "county") & codes.apply(lambda cs: place.county_adcode in cs)
        dist[in_county & ~has_geom] = 0.0
        keep = dist <= place.near_km
        if not keep.any():  # nothing near: the nearest few in the neighbourhood
            keep = dist.index.isin(dist[dist <= FALLBACK_KM].nsmallest(NEAREST).index)
        near = placed[keep].assign(distance_km=dist[keep].round(1), near=bool((dist <= place.near_km).any()))
    return near.sort_values(["distance_km", "action", "id"], kind="stable")


__all__ = [
    "FALLBACK_KM",
    "NEAREST",
    "NEAR_KM",
    "PLACE_MAX",
    "POINT_ZOOM",
    "PlaceResult",
    "bounded",
    "find_place",
    "measures_near",
]
