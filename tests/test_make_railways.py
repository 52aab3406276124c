"""scripts/make_railways.py on a small made-up source: selection by name and box, one track
kept of two, and the checks against the station towns' seats.

The real source (OpenStreetMap via HOTOSM, ODbL) is not in the repository; these ways are
invented here to exercise the code, and nothing built from them is written to geodata/.
"""

import importlib.util
import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from layers.geo.coords import GK_CRS, WGS84
from layers.geo.gazetteer import read_gazetteer

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def mr():
    spec = importlib.util.spec_from_file_location("make_railways", ROOT / "scripts/make_railways.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _seat(name):
    row = read_gazetteer().set_index("name_zh").loc[name]
    return float(row["lon"]), float(row["lat"])


def _parallel(line: shapely.LineString, metres: float) -> shapely.LineString:
    gk = gpd.GeoSeries([line], crs=WGS84).to_crs(GK_CRS).iloc[0].offset_curve(metres)
    return gpd.GeoSeries([gk], crs=GK_CRS).to_crs(WGS84).iloc[0]


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """Two tracks of a line through the 小雪 and 新兖 seats, a line outside the box, another name."""
    xiaoxue, xinyan = _seat("小雪街道"), _seat("新兖镇")
    east = (xiaoxue[0] + 0.4, xiaoxue[1] + 0.1)
    track = shapely.LineString([east, xiaoxue, xinyan, (xinyan[0] - 0.5, xinyan[1] + 0.05)])
    feats = [
        ("日兰高速铁路", 1, track),
        ("日兰高速铁路", 2, _parallel(track, 15)),  # the other track
        ("鲁南高速铁路", 3, shapely.LineString([(113.0, 30.0), (113.5, 30.2)])),  # far away
        ("某联络线", 4, shapely.LineString([xinyan, (xinyan[0], xinyan[1] + 0.2)])),
    ]
    raw = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"osm_id": i, "name": n}, "geometry": shapely.geometry.mapping(g)}
            for n, i, g in feats
        ],
    }
    path = tmp_path_factory.mktemp("rail") / "hsr-rails.geojson"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    return path, track


def test_ways_are_chosen_by_name_and_box_and_one_track_is_kept(mr, source):
    path, track = source
    ways = mr.read_ways(path)
    assert sorted(ways["osm_id"]) == [1, 2, 4]  # the far-away way does not cross the box
    rail, others = mr.build(ways)
    assert list(rail["name_zh"]) == ["鲁南高铁"] and set(rail["kind"]) == {"railway"}
    assert others == ["某联络线"]  # printed, never silently dropped
    assert "ODbL" in rail["licence"].iloc[0] and "OpenStreetMap" in rail["source"].iloc[0]
    built = rail.to_crs(GK_CRS).geometry.iloc[0]
    one = gpd.GeoSeries([track], crs=WGS84).to_crs(GK_CRS).iloc[0]
    assert built.length == pytest.approx(one.length, rel=0.01)  # one track, not two


def test_one_track_is_kept_of_two_but_a_branch_stays(mr, source):
    _, track = source
    one = gpd.GeoSeries([track], crs=WGS84).to_crs(GK_CRS).iloc[0]
    branch = shapely.LineString([one.coords[1], (one.coords[1][0], one.coords[1][1] + 5000)])
    kept = mr.single_track([one.offset_curve(15), one, branch])
    assert kept.length == pytest.approx(one.length + branch.length, rel=0.01)


def test_checks_measure_the_station_towns(mr, source):
    path, _ = source
    rail, _ = mr.build(mr.read_ways(path))
    found = mr.checks(rail)["lunan"]
    assert all(d < 50 for d in found["distance_to_station_town_seats_m"].values())
    assert found["length_in_city_km"] > 10


def test_a_missing_source_is_one_error_line(mr, tmp_path, capsys):
    assert mr.main(["--source", str(tmp_path / "none.geojson")]) == 2
    assert "missing" in capsys.readouterr().err
