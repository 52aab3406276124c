"""Place search (issue 23, item 5): a place found by the offline geocoder, the measures within or
near it, the keyword filter that knows district names; and the app's search box under AppTest.
Expectations come from the register and the boundaries directly, not from the module under test."""

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from layers import load_projects
from layers.geo.boundaries import load_city, load_counties
from layers.geo.coords import GK_CRS
from layers.geo.gazetteer import Geocoder, read_gazetteer
from layers.selection.filtering import Filters, filter_projects, zone_shapes
from layers.selection.places import FALLBACK_KM, NEAR_KM, NEAREST, PLACE_MAX, find_place, measures_near

APP = str(Path(__file__).resolve().parents[1] / "app.py")
YANZHOU = "370812"


@pytest.fixture(scope="module")
def projects():
    return load_projects()


def in_county(projects, code: str) -> set[str]:
    """Measures located in a county, read from the register's county_adcodes (city-wide aside)."""
    codes = projects["county_adcodes"].fillna("").str.split(",")
    return set(projects[codes.apply(lambda cs: code in cs) & (projects["form"] != "city")]["id"])


def inside_jining(lon, lat) -> bool:
    return load_city().geometry.iloc[0].contains(shapely.Point(lon, lat))


def test_yanzhou_is_the_district_with_its_extent_and_its_measures(projects):
    place = find_place("兖州")
    assert (place.status, place.kind, place.district, place.name_zh) == ("ok", "county", YANZHOU, "兖州区")
    assert inside_jining(place.lon, place.lat)
    county = load_counties().set_index("adcode").geometry[YANZHOU]
    assert place.bounds == pytest.approx(county.bounds)
    want = in_county(projects, YANZHOU)
    assert want and set(measures_near(projects, place)["id"]) == want
    assert measures_near(projects, place)["distance_km"].eq(0).all()


def test_a_town_is_a_point_at_town_zoom_and_lists_the_nearest_measures(projects):
    place = find_place("大安镇")
    assert (place.status, place.kind, place.zoom, place.bounds) == ("ok", "town", 12, None)
    assert inside_jining(place.lon, place.lat)
    assert load_counties().set_index("adcode").geometry[YANZHOU].contains(shapely.Point(place.lon, place.lat))
    # Distances from the town's seat, in metres on the Gauss-Krüger grid, straight from the register.
    seat = gpd.GeoSeries([shapely.Point(place.lon, place.lat)], crs=4326).to_crs(GK_CRS).iloc[0]
    placed = projects[projects.geometry.notna() & (projects["form"] != "city")]
    km = placed.geometry.to_crs(GK_CRS).distance(seat) / 1000
    near = km[km <= NEAR_KM["town"]]
    got = measures_near(projects, place)
    assert len(got) >= 1
    if len(near):
        assert set(got["id"]) >= set(placed.loc[near.index, "id"]) and got["near"].all()
    else:  # nothing within 5 km of 大安镇: the nearest ones, with their distances
        nearest = km[km <= FALLBACK_KM].sort_values().head(NEAREST)
        assert list(got["distance_km"]) == [round(v, 1) for v in nearest]
        assert not got["near"].any()
        assert got["id"].iloc[0] == placed.loc[nearest.index[0], "id"]


def test_the_high_tech_zone_is_its_area_and_the_measures_that_meet_it(projects):
    place = find_place("高新区")
    assert (place.status, place.kind, place.district, place.name_zh) == ("ok", "zone", "hightech", "济宁高新区")
    assert inside_jining(place.lon, place.lat)
    zone = zone_shapes()["hightech"]
    assert place.bounds == pytest.approx(zone.bounds)
    placed = projects[projects.geometry.notna() & (projects["form"] != "city")]
    want = set(placed[placed.geometry.intersects(zone)]["id"])
    assert want and set(measures_near(projects, place)["id"]) == want


def test_a_site_lists_the_measures_within_two_km(projects):
    place = find_place("孔庙")
    assert (place.kind, place.zoom) == ("site", 14)
    got = measures_near(projects, place)
    assert len(got) and got["near"].all() and got["distance_km"].max() <= NEAR_KM["site"]


@pytest.mark.parametrize("q", ["兖州", "兖州区", "Yanzhou", "高新区", "济宁高新区"])
def test_the_keyword_filter_keeps_the_measures_located_in_a_named_district(projects, q):
    kept = set(filter_projects(projects, Filters(q=q))["id"])
    if q in ("高新区", "济宁高新区"):
        zone = zone_shapes()["hightech"]
        want = set(projects[projects.geometry.notna() & projects.geometry.intersects(zone)]["id"])
    else:
        codes = projects["county_adcodes"].fillna("").str.split(",")
        want = set(projects[codes.apply(lambda cs: YANZHOU in cs)]["id"])
    assert want and want <= kept
    # Title matches are still found, and a second word still narrows.
    by_id = projects.set_index("id")
    text = by_id["title_zh"] + by_id["title_en"] + by_id["summary_zh"] + by_id["place"]
    assert set(filter_projects(projects, Filters(q=f"{q} 高铁"))["id"]) == {i for i in want if "高铁" in text[i]}


def test_the_keyword_filter_still_matches_text_only_for_other_words(projects):
    assert list(filter_projects(projects, Filters(q="大安镇"))["id"]) == []
    assert set(filter_projects(projects, Filters(q="尼山"))["id"]) == set(
        projects[(projects["title_zh"] + projects["summary_zh"] + projects["place"]).str.contains("尼山")]["id"]
    )


def test_an_unknown_name_is_unresolved_with_nothing_listed(projects):
    place = find_place("火星基地")
    assert (place.status, place.lon, place.lat) == ("unresolved", None, None)
    assert measures_near(projects, place).empty


def test_an_ambiguous_name_lists_its_candidates_and_each_finds_one_place(tmp_path):
    """The committed towns have no name in two counties: a twin 大束镇 in 嘉祥县 makes one."""
    from layers._paths import TOWNS_CSV

    raw = pd.read_csv(TOWNS_CSV, dtype=str, keep_default_na=False)
    twin = raw[raw["name_zh"] == "大束镇"].copy()
    seat = raw[raw["name_zh"] == "纸坊镇"].iloc[0]
    twin = twin.assign(code="370829199000", county_adcode="370829", lon=seat["lon"], lat=seat["lat"], aliases="")
    path = tmp_path / "towns.csv"
    pd.concat([raw, twin]).to_csv(path, index=False)
    geocoder = Geocoder(read_gazetteer(towns_path=path))
    place = find_place("大束镇", geocoder)
    assert place.status == "ambiguous" and place.lon is None
    assert {c["text"] for c in place.candidates} == {"邹城市大束镇", "嘉祥县大束镇"}
    for c in place.candidates:
        chosen = find_place(c["text"], geocoder)
        assert (chosen.status, chosen.county_adcode) == ("ok", c["county_adcode"])


def test_any_input_is_bounded_and_never_raises(projects):
    place = find_place("兖" * 10_000)
    assert len(place.query) == PLACE_MAX
    for text in (
        "",
        "   ",
        "\x00\u202e兖州",
        "<script>alert(1)</script>",
        "[x](http://a)",
        None,
        12345,
        "兖州" + "x" * 9_998,
    ):
        result = find_place(text)
        assert len(result.query) <= PLACE_MAX
        measures_near(projects, result)
    assert find_place("\u202e兖州\u200b").district == YANZHOU  # invisible characters go first
    assert find_place("   ").status == "empty"


# ---- the app ------------------------------------------------------------------------------------


def component_view(at) -> tuple[list[float], int]:
    (component,) = at.get("component_instance")
    args = json.loads(component.proto.json_args)
    return args["center"], args["zoom"]


def test_the_app_searches_a_place_moves_the_map_and_lists_its_measures(projects):
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    before = component_view(at)
    box = at.text_input(key="place_q")
    assert box.label == "地名搜索"
    box.set_value("兖州").run()
    assert not at.exception, at.exception
    centre, zoom = component_view(at)
    assert (centre, zoom) != before and zoom > before[1]
    county = load_counties().set_index("adcode").geometry[YANZHOU]
    assert county.contains(shapely.Point(centre[1], centre[0]))
    picks = [b for b in at.button if b.key and b.key.startswith("place_pick_")]
    want = in_county(projects, YANZHOU)
    assert {b.key.removeprefix("place_pick_") for b in picks} <= want and len(picks) == min(len(want), 8)
    assert any("兖州区" in c.value for c in at.sidebar.caption)
    # A click on a listed measure selects it (its details show) and moves the map to it.
    picks[0].click().run()
    assert not at.exception, at.exception
    mid = picks[0].key.removeprefix("place_pick_")
    assert at.session_state["selected_id"] == mid
    assert component_view(at) != (centre, zoom)
    # An unknown name says so in one sentence, escaped; the map keeps its view.
    at.text_input(key="place_q").set_value("**火星**").run()
    assert not at.exception, at.exception
    assert any("未找到地名" in c.value and "\\*\\*" in c.value for c in at.sidebar.caption)


def test_the_app_in_english_searches_too():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.sidebar.radio(key="lang").set_value("en").run()
    at.text_input(key="place_q").set_value("高新区").run()
    assert not at.exception, at.exception
    assert at.text_input(key="place_q").label == "Find a place"
    assert any("Jining National High" in c.value and "measures within it" in c.value for c in at.sidebar.caption)
