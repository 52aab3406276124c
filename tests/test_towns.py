"""The town and street gazetteer (geodata/towns.csv) and the geocoder's town rules."""

import json

import pandas as pd
import pytest

from layers import GazetteerError, Geocoder, geocode, load_counties
from layers._paths import PROVENANCE_JSON, TOWNS_CSV
from layers.geo.boundaries import county_at
from layers.geo.coords import distance_m, gcj02_to_wgs84
from layers.geo.gazetteer import load_town_cells, read_gazetteer
from layers.geo.towns import read_towns

#: Units per county in the 2024 official list (AreaCity-JsSpider-StatsGov, ok_data_level4.csv);
#: the five streets that statistics list under 济宁高新区 are counted in 任城 (3) and 兖州 (2).
OFFICIAL_COUNTS = {
    "370811": 20,
    "370812": 12,
    "370826": 15,
    "370827": 11,
    "370828": 13,
    "370829": 15,
    "370830": 15,
    "370831": 13,
    "370832": 14,
    "370881": 12,
    "370883": 16,
}
HIGH_TECH_STREETS = {"洸河街道", "柳行街道", "接庄街道", "王因街道", "黄屯街道"}


@pytest.fixture(scope="module")
def towns():
    return read_towns()


@pytest.fixture(scope="module")
def places():
    return read_gazetteer()


def test_every_official_unit_is_present(towns):
    assert towns.groupby("county_adcode").size().to_dict() == OFFICIAL_COUNTS
    assert set(towns.loc[towns["zone_code"] == "370871", "name_zh"]) == HIGH_TECH_STREETS
    assert towns["code"].is_unique and towns["name_zh"].is_unique
    # Renamed units keep their former names as aliases; variant characters too.
    aliases = dict(zip(towns["name_zh"], towns["aliases"], strict=True))
    assert "兴隆庄镇" in aliases["兴隆庄街道"].split("|")
    assert "次丘镇" in aliases["次邱镇"].split("|")


def test_every_seat_lies_inside_its_county(places):
    rows = places[places["town_code"] != ""]
    assert len(rows) == sum(OFFICIAL_COUNTS.values())
    for rec in rows.itertuples():
        assert county_at(rec.lon, rec.lat)[0] == rec.county_adcode, rec.name_zh


def test_the_gcj02_conversion_is_recorded_and_real(towns):
    gcj = towns[towns["source_crs"] == "gcj02"]
    assert len(gcj) >= 130
    assert (gcj["precision"] == "town").all()
    lon, lat = gcj02_to_wgs84(gcj["source_lon"].astype(float).values, gcj["source_lat"].astype(float).values)
    assert (distance_m(lon, lat, gcj["lon"].astype(float), gcj["lat"].astype(float)) < 0.5).all()
    shift = distance_m(
        gcj["source_lon"].astype(float),
        gcj["source_lat"].astype(float),
        gcj["lon"].astype(float),
        gcj["lat"].astype(float),
    )
    assert (shift > 400).all() and (shift < 700).all()
    prov = json.loads(PROVENANCE_JSON.read_text(encoding="utf-8"))["towns.csv"]
    assert "gcj02_to_wgs84" in prov["crs"]
    assert {d["repository"].split("/")[-1] for d in prov["datasets"]} >= {"adcode", "AreaCity-JsSpider-StatsGov"}
    assert all(len(d["commit"]) >= 40 or d["commit"].endswith(".whl") for d in prov["datasets"])


def test_towns_without_a_point_fall_back_to_their_county_at_its_precision(places):
    counties = places[places["kind"] == "county"].set_index("county_adcode")
    rows = places[(places["town_code"] != "") & (places["precision"] == "county")]
    assert 0 < len(rows) < 30
    for rec in rows.itertuples():
        seat = counties.loc[rec.county_adcode]
        assert (rec.lon, rec.lat, rec.precision_m) == (seat["lon"], seat["lat"], seat["precision_m"]), rec.name_zh


def test_geonames_crosscheck_agrees_within_two_km(places):
    """Independent GeoNames points of the same towns, recorded by the build script."""
    by_name = places.set_index("name_zh")
    checks = json.loads(PROVENANCE_JSON.read_text(encoding="utf-8"))["towns.csv"]["crosscheck"]
    assert len(checks) >= 3
    for c in checks:
        rec = by_name.loc[c["name_zh"]]
        d = float(distance_m(rec["lon"], rec["lat"], c["geonames_lon"], c["geonames_lat"]))
        assert d == pytest.approx(c["distance_m"], abs=1) and d < 2000, c


@pytest.mark.parametrize("text", ["邹城市大束镇", "大束镇", "大束", "山东省济宁市邹城市大束镇", "邹城大束"])
def test_towns_resolve_at_town_precision(text):
    r = geocode(text)
    assert (r.status, r.precision, r.town_name, r.town_code, r.county_name) == (
        "ok",
        "town",
        "大束镇",
        "370883103000",
        "邹城市",
    )
    assert 0 < r.precision_m < 20000


def test_a_town_named_with_the_wrong_county_is_a_mismatch_without_a_point():
    r = geocode("嘉祥县大束镇")
    assert r.status == "mismatch" and (r.lon, r.lat, r.county_adcode) == (None, None, None)
    assert "大束镇" in r.message and "邹城市" in r.message and "嘉祥县" in r.message


def test_a_zone_named_with_either_of_its_counties_is_not_a_mismatch():
    for text in ("任城区济宁高新区", "兖州区济宁高新区"):
        assert geocode(text).status == "ok", text
    assert geocode("嘉祥县孔庙").status == "mismatch"  # a site still must agree


def test_a_street_named_after_its_county_is_not_taken_for_the_county():
    r = geocode("嘉祥街道")
    assert (r.town_name, r.county_name) == ("嘉祥街道", "嘉祥县")
    assert geocode("嘉祥").matched == "嘉祥县"
    assert geocode("微山县夏镇").town_name == "夏镇街道"


def test_former_names_and_variant_characters_resolve():
    assert geocode("兖州区兴隆庄镇").town_name == "兴隆庄街道"
    assert geocode("次丘镇").town_name == "次邱镇"
    assert geocode("梁山县赵固堆乡").town_name == "赵堌堆乡"


def test_a_name_in_two_counties_needs_its_county(tmp_path):
    raw = pd.read_csv(TOWNS_CSV, dtype=str, keep_default_na=False)
    twin = raw[raw["name_zh"] == "大束镇"].copy()
    seat = raw[raw["name_zh"] == "纸坊镇"].iloc[0]  # a seat in 嘉祥县
    twin = twin.assign(code="370829199000", county_adcode="370829", lon=seat["lon"], lat=seat["lat"], aliases="")
    path = tmp_path / "towns.csv"
    pd.concat([raw, twin]).to_csv(path, index=False)
    g = Geocoder(read_gazetteer(towns_path=path))
    amb = g.geocode("大束镇")
    assert amb.status == "ambiguous" and amb.lon is None
    assert {c["county_name"] for c in amb.candidates} == {"邹城市", "嘉祥县"}
    assert g.geocode("嘉祥县大束镇").county_name == "嘉祥县"
    assert g.geocode("邹城市大束镇").county_name == "邹城市"


def test_bad_town_rows_are_reported_with_row_and_field(tmp_path):
    raw = pd.read_csv(TOWNS_CSV, dtype=str, keep_default_na=False)
    raw.loc[4, "code"] = "12345"
    raw.loc[7, "county_adcode"] = "370899"
    path = tmp_path / "towns.csv"
    raw.to_csv(path, index=False)
    with pytest.raises(GazetteerError) as exc:
        read_towns(path)
    assert [(p.row, p.field) for p in exc.value.problems] == [(6, "code"), (9, "county_adcode")]


def test_town_cells_contain_their_seats_and_tile_the_counties(places):
    cells = load_town_cells()
    located = places[(places["town_code"] != "") & (places["precision"] == "town")]
    assert len(cells) == len(located)
    import shapely

    for rec, cell in zip(located.itertuples(), cells.geometry, strict=True):
        assert cell.contains(shapely.Point(rec.lon, rec.lat)), rec.name_zh
    gk = cells.to_crs("EPSG:4548")
    counties = load_counties().to_crs("EPSG:4548")
    assert gk.area.sum() == pytest.approx(counties.area.sum(), rel=1e-3)
