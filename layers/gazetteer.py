"""The gazetteer and the offline geocoder.

The gazetteer (``geodata/gazetteer.csv``) has one row per place the register
needs, each with WGS-84 coordinates, a precision and its own source. The
geocoder normalises Chinese place text and matches it against the names and
aliases, so it never needs the network and never makes up a point: text it
cannot match is reported ``unresolved``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from layers._errors import GazetteerError, Problem
from layers._paths import GAZETTEER_CSV
from layers.boundaries import county_at

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
KINDS = ("city", "county", "town", "zone", "site", "station", "water", "outside")
SOURCE_CRS = ("wgs84", "gcj02", "bd09", "derived")

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


@dataclass(frozen=True)
class GeocodeResult:
    """What the geocoder found for one query.

    ``status`` is ``ok`` (a place in Jining), ``outside`` (a known place
    outside Jining) or ``unresolved`` (no match: no coordinates are given).
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

    def to_dict(self) -> dict:
        return asdict(self)


def read_gazetteer(path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate the gazetteer, raising :class:`GazetteerError` with every problem."""
    path = Path(path) if path is not None else GAZETTEER_CSV
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    problems = []
    for f in GAZETTEER_FIELDS:
        if f not in df.columns:
            problems.append(Problem(1, f, "column is missing from the header; add it"))
    if problems:
        raise GazetteerError(str(path), problems)
    seen: dict[str, int] = {}
    for i, rec in enumerate(df.to_dict("records")):
        row = i + 2
        for key in [rec["name_zh"], *filter(None, rec["aliases"].split("|"))]:
            n = normalise(key)
            if n in seen and seen[n] != row:
                problems.append(Problem(row, "aliases", f"{key!r} also names row {seen[n]}; names must be unique"))
            seen.setdefault(n, row)
        if rec["kind"] not in KINDS:
            problems.append(Problem(row, "kind", f"{rec['kind']!r} is not one of {', '.join(KINDS)}"))
        if rec["precision"] not in PRECISIONS:
            problems.append(Problem(row, "precision", f"{rec['precision']!r} is not one of {', '.join(PRECISIONS)}"))
        if rec["source_crs"] not in SOURCE_CRS:
            problems.append(Problem(row, "source_crs", f"{rec['source_crs']!r} is not one of {', '.join(SOURCE_CRS)}"))
        if not rec["source"]:
            problems.append(Problem(row, "source", "empty; give the URL or the derivation"))
        try:
            float(rec["precision_m"])
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
    df["precision_m"] = df["precision_m"].astype(float)
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
            elif kind == "midpoint" and len(parts) == 2:
                (lon1, lat1), (lon2, lat2) = pts
                az, _, dist = geod.inv(lon1, lat1, lon2, lat2)
                lon, lat, _ = geod.fwd(lon1, lat1, az, dist / 2)
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
    """Match place text against a gazetteer: exact name, then alias, then the
    longest contained name (ties go to the finer precision)."""

    def __init__(self, gazetteer: pd.DataFrame):
        self._rows = gazetteer.to_dict("records")
        self._names: dict[str, int] = {}
        self._aliases: dict[str, int] = {}
        for i, rec in enumerate(self._rows):
            self._names[normalise(rec["name_zh"])] = i
            for alias in filter(None, rec["aliases"].split("|")):
                self._aliases.setdefault(normalise(alias), i)
        rank = {p: k for k, p in enumerate(PRECISIONS)}
        keys = [(k, i) for k, i in {**self._aliases, **self._names}.items() if len(k) >= 2]
        # Longest first; among equal lengths the finer precision first.
        self._contained = sorted(keys, key=lambda ki: (-len(ki[0]), rank[self._rows[ki[1]]["precision"]]))
        # A row's county never changes: find it once, not per query.
        self._county = [
            county_at(r["lon"], r["lat"], r["precision_m"]) if r["kind"] != "outside" else None for r in self._rows
        ]
        self.geocode = lru_cache(maxsize=65536)(self._geocode)

    def _match(self, key: str) -> int | None:
        if key in self._names:
            return self._names[key]
        if key in self._aliases:
            return self._aliases[key]
        for name, i in self._contained:
            if name in key:
                return i
        return None

    def _geocode(self, text: str) -> GeocodeResult:
        key = normalise(text)
        i = self._match(key) if key else None
        if i is None:
            return GeocodeResult(text, None, None, None, None, None, None, None, "unresolved")
        rec = self._rows[i]
        lon, lat = rec["lon"], rec["lat"]
        county = self._county[i]
        status = "ok" if county else "outside"
        if rec["precision"] == "city" and rec["kind"] == "city":
            county = None  # the city as a whole has no single county
            status = "ok"
        return GeocodeResult(
            query=text,
            lon=lon,
            lat=lat,
            precision=rec["precision"] if status == "ok" else "outside",
            precision_m=rec["precision_m"],
            county_adcode=county[0] if county else None,
            county_name=county[1] if county else None,
            matched=rec["name_zh"],
            status=status,
            source=rec["source"],
        )


@lru_cache(maxsize=1)
def default_geocoder() -> Geocoder:
    """The geocoder over the committed gazetteer (built once per process)."""
    return Geocoder(read_gazetteer())


def geocode(text: str) -> GeocodeResult:
    """Geocode one place text with the committed gazetteer."""
    return default_geocoder().geocode(text)
