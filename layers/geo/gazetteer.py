"""The gazetteer and the offline geocoder.

The gazetteer (``geodata/gazetteer.csv``) has one row per place the register
needs, each with WGS-84 coordinates, a precision and its own source. The
geocoder normalises Chinese place text and matches it against the names and
aliases, so it never needs the network and never makes up a point: text it
cannot match is reported ``unresolved``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers._errors import GazetteerError, Msg, Problem
from layers._paths import GAZETTEER_CSV
from layers.geo.boundaries import county_at, load_counties
from layers.geo.placenames import normalise, prefix_stripped
from layers.geo.towns import read_towns, town_cells

#: Precision classes, finest first.
PRECISIONS = ("site", "town", "county", "city")
GAZETTEER_FIELDS = (
    "name_zh",
    "name_en",
    "aliases",
    "kind",
    "precision",
    "precision_m",
    "lon",
    "lat",
    "county_adcode",
    "source_crs",
    "source_lon",
    "source_lat",
    "derive",
    "source",
)
#: Optional: publications that say where a place lies (its town or zone), when its
#: coordinates are derived from another row. Coordinates never come from evidence.
OPTIONAL_FIELDS = ("evidence",)
KINDS = ("city", "county", "town", "zone", "site", "station", "water", "outside")
SOURCE_CRS = ("wgs84", "gcj02", "bd09", "derived")


@dataclass(frozen=True)
class GeocodeResult:
    """What the geocoder found for one query.

    ``status`` is one of:

    - ``ok``: a place in Jining (a town also gives ``town_code`` and ``town_name``);
    - ``outside``: a known place outside Jining;
    - ``unresolved``: no match; no coordinates are given;
    - ``ambiguous``: the name fits places in several counties and the text names
      none of them; ``candidates`` lists them, and no coordinates are given;
    - ``mismatch``: the text names a county, but the place it names lies in
      another county; ``message`` names both, and no coordinates are given.
    """

    query: str
    lon: float | None
    lat: float | None
    precision: str | None
    precision_m: float | None
    county_adcode: str | None
    county_name: str | None
    matched: str | None
    status: str
    source: str | None = None
    town_code: str | None = None
    town_name: str | None = None
    candidates: tuple[dict, ...] = ()
    message: str | None = None

    def to_dict(self) -> dict:
        out = asdict(self)
        out["candidates"] = list(out["candidates"])
        return out


def _town_places(towns: pd.DataFrame) -> pd.DataFrame:
    """Town rows in the gazetteer's columns, plus ``town_code`` and ``zone_code``."""
    return pd.DataFrame(
        {
            "name_zh": towns["name_zh"],
            "name_en": towns["name_en"],
            "aliases": towns["aliases"],
            "kind": "town",
            "precision": towns["precision"],
            "precision_m": towns["precision_m"],
            "lon": towns["lon"],
            "lat": towns["lat"],
            "county_adcode": towns["county_adcode"],
            "source_crs": towns["source_crs"],
            "source_lon": towns["source_lon"],
            "source_lat": towns["source_lat"],
            "derive": towns["derive"],
            "source": towns["source"] + " (" + towns["licence"] + ")",
            "town_code": towns["code"],
            "zone_code": towns["zone_code"],
        }
    )


def read_gazetteer(path: str | Path | None = None, towns_path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate the gazetteer joined with the towns (``towns.csv``).

    Raises :class:`GazetteerError` with every problem. Town rows carry their
    statistical ``town_code`` (empty for other places); names and aliases must be
    unique over both files. Derived rows are resolved over both, so a site can
    fall back to its town and a town to its county.
    """
    path = Path(path) if path is not None else GAZETTEER_CSV
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    problems = []
    for f in GAZETTEER_FIELDS:
        if f not in df.columns:
            problems.append(Problem(1, f, "column is missing from the header; add it"))
    if problems:
        raise GazetteerError(str(path), problems)
    for f in OPTIONAL_FIELDS:
        if f not in df.columns:
            df[f] = ""
    towns = _town_places(read_towns(towns_path)).assign(evidence="")
    df = pd.concat([df.assign(town_code="", zone_code=""), towns], ignore_index=True)
    n_gaz = len(df) - len(towns)
    seen: dict[str, int | str] = {}
    for i, rec in enumerate(df.to_dict("records")):
        row = i + 2 if i < n_gaz else f"towns.csv row {i - n_gaz + 2}"
        for key in [rec["name_zh"], *filter(None, rec["aliases"].split("|"))]:
            n = normalise(key)
            if i >= n_gaz:
                if isinstance(seen.get(n), int):
                    n = prefix_stripped(key)  # 金乡街道: "金乡" means the county; the street keeps its full name
                n = f"{rec['county_adcode']}:{n}"  # one name may serve towns in two counties
            if n in seen and seen[n] != row:
                problems.append(Problem(row, "aliases", f"{key!r} also names row {seen[n]}; names must be unique"))
            seen.setdefault(n, row)
        if i >= n_gaz:
            continue  # read_towns checked the rest
        if rec["kind"] not in KINDS:
            problems.append(Problem(row, "kind", f"{rec['kind']!r} is not one of {', '.join(KINDS)}"))
        if rec["precision"] not in PRECISIONS:
            problems.append(Problem(row, "precision", f"{rec['precision']!r} is not one of {', '.join(PRECISIONS)}"))
        if rec["source_crs"] not in SOURCE_CRS:
            problems.append(Problem(row, "source_crs", f"{rec['source_crs']!r} is not one of {', '.join(SOURCE_CRS)}"))
        if not rec["source"]:
            problems.append(Problem(row, "source", "empty; give the URL or the derivation"))
        try:
            if rec["precision_m"] or not rec["derive"].startswith(("at:", "midpoint:")):
                float(rec["precision_m"])  # at: and midpoint: may leave it empty: it is derived too
        except ValueError:
            problems.append(Problem(row, "precision_m", f"{rec['precision_m']!r} is not a number"))
        if rec["derive"]:
            if rec["lon"] or rec["lat"] or rec["source_crs"] != "derived":
                problems.append(
                    Problem(row, "derive", "a derived row leaves lon/lat empty and has source_crs 'derived'")
                )
        else:
            for f in ("source_lon", "source_lat", "lon", "lat"):
                try:
                    float(rec[f])
                except ValueError:
                    problems.append(Problem(row, f, f"{rec[f]!r} is not a number; give the coordinate or a derivation"))
    if problems:
        raise GazetteerError(str(path), problems)
    df["precision_m"] = pd.to_numeric(df["precision_m"].replace("", None))
    df["lon"] = pd.to_numeric(df["lon"].replace("", None))
    df["lat"] = pd.to_numeric(df["lat"].replace("", None))
    _resolve_derivations(df, str(path))
    return df


def _resolve_derivations(df: pd.DataFrame, source: str) -> None:
    """Fill lon/lat of derived rows in place.

    ``derive`` is one of:

    - ``at:NAME``: the place is not published; use the coordinates of the
      containing unit NAME (a fallback, with its own precision on this row);
    - ``midpoint:A;B``: halfway between two places (geodesic);
    - ``offset:NAME;BEARING;METRES``: a published relative position, e.g.
      "2 km west of the county town" is ``offset:金乡县;270;2000``.
    """
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    index = {n: i for i, n in enumerate(df["name_zh"])}
    pending = [i for i, d in enumerate(df["derive"]) if d]
    for _ in range(len(pending) + 1):
        left = []
        for i in pending:
            kind, _, args = df.at[i, "derive"].partition(":")
            parts = [a.strip() for a in args.split(";")]
            refs = parts[:2] if kind == "midpoint" else parts[:1]
            if any(r not in index for r in refs):
                raise GazetteerError(source, [Problem(i + 2, "derive", f"unknown place in {df.at[i, 'derive']!r}")])
            pts = [(df.at[index[r], "lon"], df.at[index[r], "lat"]) for r in refs]
            if any(pd.isna(c) for p in pts for c in p):
                left.append(i)
                continue
            if kind == "at" and len(parts) == 1:
                lon, lat = pts[0]
                if pd.isna(df.at[i, "precision_m"]):  # a town without a seat: its county's precision
                    df.at[i, "precision_m"] = df.at[index[refs[0]], "precision_m"]
            elif kind == "midpoint" and len(parts) == 2:
                (lon1, lat1), (lon2, lat2) = pts
                az, _, dist = geod.inv(lon1, lat1, lon2, lat2)
                lon, lat, _ = geod.fwd(lon1, lat1, az, dist / 2)
                if pd.isna(df.at[i, "precision_m"]):  # reaches both places and their own uncertainty
                    coarsest = max(df.at[index[r], "precision_m"] for r in refs)
                    df.at[i, "precision_m"] = float(np.ceil((dist / 2 + coarsest) / 500) * 500)
            elif kind == "offset" and len(parts) == 3:
                lon, lat, _ = geod.fwd(*pts[0], float(parts[1]), float(parts[2]))
            else:
                raise GazetteerError(
                    source,
                    [
                        Problem(
                            i + 2,
                            "derive",
                            f"cannot read {df.at[i, 'derive']!r}; "
                            "use at:NAME, midpoint:A;B or offset:NAME;BEARING;METRES",
                        )
                    ],
                )
            df.at[i, "lon"], df.at[i, "lat"] = round(lon, 6), round(lat, 6)
        if not left:
            return
        pending = left
    raise GazetteerError(source, [Problem(i + 2, "derive", "circular derivation") for i in pending])


class Geocoder:
    """Match place text against the gazetteer and the towns.

    The longest name found in the text wins (exact names and aliases first;
    equal lengths go to the finer precision). Full town names (大束镇, 嘉祥街道)
    are matched before suffixes are dropped, so a street named after its county
    seat is not taken for the county. A county named in the text must agree
    with the place: otherwise the answer is ``mismatch``, never a point in
    another county. A name held by places in several counties needs its county
    (``ambiguous`` without one).
    """

    def __init__(self, gazetteer: pd.DataFrame):
        from layers.geo.boundaries import county_names

        self._rows = gazetteer.to_dict("records")
        for rec in self._rows:
            rec.setdefault("town_code", "")
        rank = {p: k for k, p in enumerate(PRECISIONS)}
        # (pattern, row, form): form "full" searches the prefix-stripped text, "key" the normalised text.
        patterns: dict[tuple[str, str], set[int]] = {}
        # Other places first: a town whose short name is taken (金乡街道 → 金乡, the county)
        # is found by its full name only.
        for i in sorted(range(len(self._rows)), key=lambda i: bool(self._rows[i]["town_code"])):
            rec = self._rows[i]
            for name in [rec["name_zh"], *filter(None, rec["aliases"].split("|"))]:
                key = normalise(name)
                if rec["town_code"]:
                    patterns.setdefault((prefix_stripped(name), "full"), set()).add(i)
                    if any(not self._rows[j]["town_code"] for j in patterns.get((key, "key"), ())):
                        continue
                patterns.setdefault((key, "key"), set()).add(i)
        self._exact = {p: rows for (p, form), rows in patterns.items() if form == "key"}
        self._full = {p: tuple(sorted(rows)) for (p, form), rows in patterns.items() if form == "full"}
        self._patterns = sorted(
            ((p, form, tuple(sorted(rows))) for (p, form), rows in patterns.items() if len(p) >= 2),
            key=lambda t: (-len(t[0]), min(rank[self._rows[i]["precision"]] for i in t[2])),
        )
        # A row's county never changes: find it once, not per query. Towns know their county.
        self._county = []
        names = county_names("zh")
        self._county_name = names
        for r in self._rows:
            if r["kind"] == "outside":
                self._county.append(None)
            elif r["town_code"]:
                self._county.append((r["county_adcode"], names[r["county_adcode"]]))
            else:
                self._county.append(county_at(r["lon"], r["lat"], r["precision_m"]))
        # County names a query may carry, longest first (邹城市 before 邹城).
        county_keys = []
        for code, zh in names.items():
            county_keys += [(prefix_stripped(zh), code), (normalise(zh), code)]
        self._county_keys = sorted(set(county_keys), key=lambda kc: -len(kc[0]))
        self.geocode = lru_cache(maxsize=65536)(self._geocode)

    def _match(self, full: str, key: str) -> tuple[tuple[int, ...], str] | None:
        """The rows of the best match and the matched text."""
        if full in self._full:
            return self._full[full], full
        if key in self._exact:
            return tuple(sorted(self._exact[key])), key
        # The normalised text is the full text less its prefix and suffix, so a name found in
        # one is found in the other: one search per name is enough.
        for pattern, _form, rows in self._patterns:
            if pattern in full:
                return rows, pattern
        return None

    def _named_county(self, full: str, matched: str) -> str | None:
        """The county that the text names besides the matched place, if any."""
        rest = full.replace(matched, " ", 1) if matched in full else full
        for k, code in self._county_keys:
            if len(k) >= 2 and k in rest:
                return code
        return None

    def _geocode(self, text: str) -> GeocodeResult:
        full, key = prefix_stripped(text), normalise(text)
        found = self._match(full, key) if key else None
        if found is None:
            return GeocodeResult(text, None, None, None, None, None, None, None, "unresolved")
        rows, matched = found
        named = self._named_county(full, matched)
        # Counties, the city and the functional zones (which span counties) never mismatch a county.
        in_jining = [i for i in rows if self._county[i] and self._rows[i]["kind"] not in ("county", "city", "zone")]
        if named and in_jining:
            fits = [i for i in in_jining if self._county[i][0] == named]
            if not fits:
                i = in_jining[0]
                county_name = self._county_name[named]
                return self._no_point(
                    text,
                    "mismatch",
                    in_jining,
                    Msg(
                        f"{self._rows[i]['name_zh']} lies in {self._county[i][1]}, not in {county_name}; "
                        "check the county or the place name",
                        f"{self._rows[i]['name_zh']}位于{self._county[i][1]},不在{county_name};请检查县区或地名",
                    ),
                    matched=self._rows[i]["name_zh"],
                )
            rows = tuple(fits)
        if len(rows) > 1:
            example = self._county[rows[0]][1] + self._rows[rows[0]]["name_zh"]
            return self._no_point(
                text,
                "ambiguous",
                rows,
                Msg(
                    f"this name is used in several counties; add the county, e.g. {example}",
                    f"多个县区有此地名;请加上县区名,如 {example}",
                ),
            )
        i = rows[0]
        rec = self._rows[i]
        county = self._county[i]
        status = "ok" if county else "outside"
        if rec["precision"] == "city" and rec["kind"] == "city":
            county = None  # the city as a whole has no single county
            status = "ok"
        return GeocodeResult(
            query=text,
            lon=rec["lon"],
            lat=rec["lat"],
            precision=rec["precision"] if status == "ok" else "outside",
            precision_m=rec["precision_m"],
            county_adcode=county[0] if county else None,
            county_name=county[1] if county else None,
            matched=rec["name_zh"],
            status=status,
            source=rec["source"],
            town_code=rec["town_code"] or None,
            town_name=rec["name_zh"] if rec["town_code"] else None,
        )

    def _no_point(self, text: str, status: str, rows, message: str, matched: str | None = None) -> GeocodeResult:
        """An answer without coordinates that lists the candidates and says what to do."""
        return GeocodeResult(
            text,
            None,
            None,
            None,
            None,
            None,
            None,
            matched,
            status,
            candidates=tuple(self._candidate(j) for j in rows),
            message=message,
        )

    def _candidate(self, i: int) -> dict:
        rec, county = self._rows[i], self._county[i]
        return {
            "name_zh": rec["name_zh"],
            "town_code": rec["town_code"] or None,
            "county_adcode": county[0] if county else None,
            "county_name": county[1] if county else None,
        }


@lru_cache(maxsize=1)
def default_geocoder() -> Geocoder:
    """The geocoder over the committed gazetteer (built once per process)."""
    return Geocoder(read_gazetteer())


def geocode(text: str) -> GeocodeResult:
    """Geocode one place text with the committed gazetteer."""
    return default_geocoder().geocode(text)


@lru_cache(maxsize=1)
def _cells() -> gpd.GeoDataFrame:
    return town_cells(read_gazetteer(), load_counties())


def load_town_cells() -> gpd.GeoDataFrame:
    """The approximate town areas (:func:`layers.geo.towns.town_cells`) of the committed gazetteer,
    whose derived rows give every town a seat (cached)."""
    return _cells().copy()


@lru_cache(maxsize=1)
def _cell_tree() -> tuple[shapely.STRtree, list[dict]]:
    cells = _cells()
    rows = cells.drop(columns="geometry").to_dict("records")
    return shapely.STRtree(list(cells.geometry)), rows


def town_at(lon: float, lat: float) -> dict | None:
    """The approximate town (its cell, :func:`layers.geo.towns.town_cells`) a WGS-84 point
    lies in: ``town_code``, ``name_zh``, ``name_en`` and ``county_adcode``; None outside
    every cell. Cells are Voronoi areas around the town seats, not legal boundaries: near a
    border the answer may be the neighbouring town."""
    tree, rows = _cell_tree()
    hits = tree.query(shapely.Point(lon, lat), predicate="intersects")
    return dict(rows[int(min(hits))]) if len(hits) else None
