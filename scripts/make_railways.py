"""Build geodata/context/railways.geojson: the high-speed railways through Jining, from OpenStreetMap.

Source: the HOTOSM export ``hotosm_chn_railways`` (OpenStreetMap, ODbL 1.0, attribution
"© OpenStreetMap contributors"), as filtered to high-speed lines in the public repository
linroger/china-hsr-simulation, file ``public/hsr-rails.geojson`` (about 4.9 million
characters: one LineString per OSM way, properties ``osm_id`` and ``name``). The repository's
code is MIT; the data stays ODbL, so the derived file is ODbL too.

The script never downloads anything. Save the source file first under the cache path

    ${XDG_CACHE_HOME:-~/.cache}/jining-layers/hsr-rails.geojson

(or pass ``--source PATH``). It is not committed; only the clipped, simplified result is.

What it does, per line of :data:`LINES` (鲁南高铁 and 京沪高铁):

1. keeps the ways whose name matches the line and which cross the Jining box
   (115.7–117.8 E, 34.3–36.1 N), and prints every other name crossing the box, so a
   renamed way is seen rather than silently dropped;
2. drops parallel duplicates (OSM maps the two tracks of a double-track line as two ways):
   longest way first, a way lying wholly within :data:`TRACK_GAP_M` of ways already kept is
   not kept again;
3. clips to the box with a margin (like the water) and simplifies to :data:`SIMPLIFY_M`;
4. measures the line's length inside the city and its distance to the seats of the towns of
   its stations (:data:`STATION_TOWNS`), records them in provenance.json and refuses to
   write a line that is off (:data:`MAX_STATION_TOWN_M`).

Usage:

    python scripts/make_railways.py [--source PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import geopandas as gpd
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from layers._paths import CONTEXT_DIR, PROVENANCE_JSON  # noqa: E402
from layers.geo.coords import GK_CRS, WGS84  # noqa: E402

SOURCE_URL = "https://github.com/linroger/china-hsr-simulation/blob/main/public/hsr-rails.geojson"
HOTOSM_URL = "https://data.humdata.org/dataset/hotosm_chn_railways"
LICENCE = "ODbL 1.0 (© OpenStreetMap contributors)"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "jining-layers" / "hsr-rails.geojson"
#: The Jining box (lon/lat) a way must cross to be considered, and the clip box (with a margin).
BOX = (115.7, 34.3, 117.8, 36.1)
CLIP = (115.6, 34.2, 117.9, 36.2)
#: Two ways of one line closer than this are the two tracks of one double-track line.
TRACK_GAP_M = 60
SIMPLIFY_M = 30
#: OSM railway ways are mapped from imagery, to tens of metres; the simplification adds 30 m.
PRECISION_M = 100
#: line key -> (name_zh, name_en, regular expression over the OSM way name).
LINES = {
    "lunan": ("鲁南高铁", "Lunan high-speed railway (Rizhao–Lankao)", r"鲁南|日兰"),
    "jinghu": ("京沪高铁", "Beijing–Shanghai high-speed railway", r"京沪高速|京沪高铁|京沪客专"),
}
#: Towns whose seats lie next to a station of the line (曲阜南 in 小雪街道, 济宁东 in 新兖镇,
#: 曲阜东 in 小雪街道), and the most a correct line can lie from them.
STATION_TOWNS = {"lunan": ("小雪街道", "新兖镇"), "jinghu": ("小雪街道",)}
MAX_STATION_TOWN_M = 3000


def read_ways(path: Path) -> gpd.GeoDataFrame:
    """The source's LineString ways that cross the Jining box, with ``osm_id`` and ``name``."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    box = shapely.box(*BOX)
    rows = []
    for feat in raw.get("features", []):
        geom = feat.get("geometry") or {}
        if geom.get("type") not in ("LineString", "MultiLineString"):
            continue
        g = shapely.geometry.shape(geom)
        if not g.intersects(box):
            continue
        props = feat.get("properties") or {}
        rows.append({"osm_id": props.get("osm_id"), "name": str(props.get("name") or ""), "geometry": g})
    return gpd.GeoDataFrame(rows, columns=["osm_id", "name", "geometry"], geometry="geometry", crs=WGS84)


def single_track(lines: list[shapely.Geometry]) -> shapely.Geometry:
    """One line per corridor (EPSG:4548 in and out): the longest ways first, a way lying
    wholly within :data:`TRACK_GAP_M` of the ways kept so far is the other track."""
    kept: list[shapely.Geometry] = []
    cover = shapely.Polygon()
    for g in sorted(lines, key=lambda g: -g.length):
        if kept and cover.contains(g):
            continue
        kept.append(g)
        cover = cover.union(g.buffer(TRACK_GAP_M))
    return shapely.line_merge(shapely.union_all(kept))


def build(ways: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[str]]:
    """The railways (one row per line, EPSG:4326) and the names of the other ways crossing the box."""
    gk = ways.to_crs(GK_CRS)
    clip = gpd.GeoSeries([shapely.box(*CLIP)], crs=WGS84).to_crs(GK_CRS).iloc[0]
    rows, used = [], set()
    for key, (zh, en, pattern) in LINES.items():
        mine = gk[gk["name"].str.contains(pattern, regex=True)]
        used |= set(mine.index)
        if mine.empty:
            continue
        line = single_track(list(mine.geometry)).intersection(clip).simplify(SIMPLIFY_M)
        ids = sorted(int(i) for i in mine["osm_id"].dropna())
        rows.append(
            dict(
                key=key,
                name_zh=zh,
                name_en=en,
                kind="railway",
                source=f"OpenStreetMap via HOTOSM hotosm_chn_railways ({HOTOSM_URL}), as filtered in "
                f"{SOURCE_URL}; {len(ids)} ways named like '{pattern}' (osm_id {ids[0]}…{ids[-1]}), "
                f"one track kept, simplified to {SIMPLIFY_M} m",
                licence=LICENCE,
                precision_m=PRECISION_M,
                geometry=line,
            )
        )
    others = sorted(set(ways.loc[~ways.index.isin(used), "name"]) - {""})
    out = gpd.GeoDataFrame(
        rows,
        columns=["key", "name_zh", "name_en", "kind", "source", "licence", "precision_m", "geometry"],
        geometry="geometry",
        crs=GK_CRS,
    )
    return out.to_crs(WGS84), others


def checks(rail: gpd.GeoDataFrame) -> dict:
    """Length inside the city (km) and distance (m) to the seats of the station towns, per line."""
    from layers.geo.boundaries import load_city
    from layers.geo.gazetteer import read_gazetteer

    city = load_city().to_crs(GK_CRS).geometry.iloc[0]
    places = read_gazetteer().set_index("name_zh")
    out = {}
    for key, g in zip(rail["key"], rail.to_crs(GK_CRS).geometry, strict=True):
        seats = {}
        for town in STATION_TOWNS.get(key, ()):
            pt = gpd.GeoSeries(gpd.points_from_xy([places.at[town, "lon"]], [places.at[town, "lat"]]), crs=WGS84)
            seats[town] = round(float(g.distance(pt.to_crs(GK_CRS).iloc[0])))
        out[key] = {
            "length_in_city_km": round(g.intersection(city).length / 1000, 1),
            "distance_to_station_town_seats_m": seats,
        }
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=CACHE, help=f"the saved hsr-rails.geojson (default {CACHE})")
    args = ap.parse_args(argv)
    if not args.source.is_file():
        print(f"error: {args.source} is missing; save {SOURCE_URL} there first", file=sys.stderr)
        return 2
    rail, others = build(read_ways(args.source))
    missing = [LINES[k][0] for k in LINES if k not in set(rail["key"])]
    if missing:
        print(f"error: no way named like {missing} crosses Jining; other names: {others}", file=sys.stderr)
        return 2
    found = checks(rail)
    off = {
        k: v
        for k, v in found.items()
        if any(d > MAX_STATION_TOWN_M for d in v["distance_to_station_town_seats_m"].values())
    }
    if off:
        print(f"error: a line lies more than {MAX_STATION_TOWN_M} m from its station towns: {off}", file=sys.stderr)
        return 2
    CONTEXT_DIR.mkdir(exist_ok=True)
    path = CONTEXT_DIR / "railways.geojson"
    path.unlink(missing_ok=True)
    rail.drop(columns="key").to_file(path, driver="GeoJSON", engine="pyogrio", COORDINATE_PRECISION=6)
    prov = json.loads(PROVENANCE_JSON.read_text(encoding="utf-8"))
    prov["context/railways.geojson"] = {
        "source": f"OpenStreetMap railway ways (HOTOSM export hotosm_chn_railways, {HOTOSM_URL}), as filtered to "
        f"high-speed lines in {SOURCE_URL}; ways named like {', '.join(v[2] for v in LINES.values())}",
        "license": LICENCE + "; the derived file is ODbL 1.0",
        "retrieved": "2026-12-05",
        "crs": "EPSG:4326 (OSM is WGS-84); processed in EPSG:4548",
        "script": "scripts/make_railways.py",
        "accuracy": {
            **found,
            "note": f"one track per line, simplified to {SIMPLIFY_M} m; lengths are of that one track",
        },
    }
    PROVENANCE_JSON.write_text(json.dumps(prov, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(rail[["name_zh", "precision_m"]].to_string())
    print("checks:", json.dumps(found, ensure_ascii=False))
    print("other names crossing the box:", others)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
