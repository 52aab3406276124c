"""Synthetic registers for benchmarks: N measures inside Jining's counties, fixed seed.

    .venv/bin/python bench/synthetic.py 10000            # writes bench/data/synthetic_10000.parquet

Mix (like a real multi-year project list): 70 % points, 15 % lines, 10 % areas,
5 % city-wide; actions, precisions and counties spread at random. Every record has
all the fields of ``layers.load_projects()``, so the app runs on it unchanged
(``JINING_PROJECTS=bench/data/synthetic_10000.parquet``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from layers import load_actions, load_counties  # noqa: E402
from layers.geo.coords import GK_CRS  # noqa: E402

SEED = 20200320
DATA = Path(__file__).resolve().parent / "data"
KIND_BY_FORM = {
    "point": ["site", "event", "zone"],
    "line": ["road", "railway", "waterway"],
    "area": ["area"],
    "city": ["programme", "reform"],
}


def synthetic_projects(n: int, seed: int = SEED) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    counties = load_counties().to_crs(GK_CRS)
    city = shapely.union_all(counties.geometry.values)
    minx, miny, maxx, maxy = city.bounds
    shapely.prepare(city)

    def points_inside(k):
        out = []
        while len(out) < k:
            xs = rng.uniform(minx, maxx, k * 2)
            ys = rng.uniform(miny, maxy, k * 2)
            pts = shapely.points(xs, ys)
            out.extend(pts[shapely.contains(city, pts)])
        return np.array(out[:k])

    forms = rng.choice(["point", "line", "area", "city"], size=n, p=[0.70, 0.15, 0.10, 0.05])
    starts = points_inside(n)
    geoms = []
    for form, p in zip(forms, starts, strict=True):
        if form == "point":
            geoms.append(p)
        elif form == "line":
            steps = rng.normal(0, 2000, size=(rng.integers(2, 6), 2)).cumsum(axis=0)
            line = shapely.LineString(np.vstack([[p.x, p.y], [p.x, p.y] + steps]))
            geoms.append(line.intersection(city) if not city.contains(line) else line)
        elif form == "area":
            geoms.append(p.buffer(rng.uniform(800, 3000), quad_segs=4).intersection(city))
        else:
            geoms.append(None)
    gk = gpd.GeoSeries(geoms, crs=GK_CRS)
    tree = shapely.STRtree(counties.geometry.values)
    located = np.array([g is not None and not g.is_empty for g in gk])
    pairs = tree.query(gk[located].values, predicate="intersects")
    codes = counties["adcode"].to_numpy()
    adcodes = [""] * n
    located_idx = np.flatnonzero(located)
    groups: dict[int, list[str]] = {}
    for i, j in zip(pairs[0], pairs[1], strict=True):
        groups.setdefault(int(located_idx[i]), []).append(codes[j])
    for i, cs in groups.items():
        adcodes[i] = ",".join(sorted(set(cs)))

    actions = load_actions()
    action = rng.integers(1, 11, n)
    precision = np.where(
        forms == "point",
        rng.choice(["site", "town", "county"], n, p=[0.5, 0.35, 0.15]),
        np.where(forms == "city", "city", "approximate"),
    )
    precision_m = np.select(
        [precision == "site", precision == "town", precision == "county"], [300.0, 5000.0, 30000.0], default=np.nan
    )
    kinds = [rng.choice(KIND_BY_FORM[f]) for f in forms]
    ids = [f"S-{i:06d}" for i in range(1, n + 1)]
    df = pd.DataFrame(
        {
            "id": ids,
            "action": action.astype(int),
            "title_zh": [f"合成项目{i}号" for i in range(1, n + 1)],
            "title_en": [f"Synthetic measure {i}" for i in range(1, n + 1)],
            "summary_zh": [f"合成测试数据第{i}条" for i in range(1, n + 1)],
            "kind": kinds,
            "form": forms,
            "place": "",
            "target": np.nan,
            "target_unit": "",
            "year": 2020,
            "section": [actions.loc[a, "section"] for a in action],
            "precision": precision,
            "precision_m": precision_m,
            "approximate": precision != "site",
            "county_adcodes": adcodes,
            "county_sizes": "",
            "geometry_source": f"synthetic (seed {seed})",
        }
    )
    return gpd.GeoDataFrame(df, geometry=gk.to_crs(4326).values, crs=4326)


def synthetic_file(n: int, seed: int = SEED) -> Path:
    """The synthetic register of size ``n`` as GeoParquet, made once and reused."""
    path = DATA / f"synthetic_{n}_{seed}.parquet"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        synthetic_projects(n, seed).to_parquet(tmp)
        tmp.replace(path)
    return path


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(synthetic_file(int(arg)))
