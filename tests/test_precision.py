"""The precision of a drawn place, its districts within that precision, and the inside-Jining
check (layers/geo/precision.py), and their use by the build and by with_location."""

import math
import re

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from shapely.ops import substring

from layers import load_projects
from layers._errors import Msg
from layers.edits.changes import record_from_row, with_location
from layers.geo import precision as pr
from layers.geo.boundaries import county_at, load_city, load_counties
from layers.geo.coords import GK_CRS
from layers.geo.precision import check_inside, districts_within, drawn_precision_m

TO_GK = Transformer.from_crs("EPSG:4326", GK_CRS, always_xy=True)
TO_WGS = Transformer.from_crs(GK_CRS, "EPSG:4326", always_xy=True)
BASEMAPS = ("none", "osm", "positron", "tianditu", "gaode")
RENCHENG, JIAXIANG, WENSHANG, QUFU = "370811", "370829", "370830", "370881"


def wgs(geom_gk):
    return shapely.transform(geom_gk, lambda x, y: TO_WGS.transform(x, y), interleaved=False)


@pytest.fixture(scope="module")
def gk_counties():
    gk = load_counties().to_crs(GK_CRS)
    return dict(zip(gk["adcode"], gk.geometry, strict=True))


@pytest.fixture(scope="module")
def border(gk_counties):
    """A 2 km stretch of the 任城/嘉祥 border (GK), with the side that lies in 任城."""
    shared = gk_counties[RENCHENG].boundary.intersection(gk_counties[JIAXIANG].boundary)
    longest = max(getattr(shared, "geoms", [shared]), key=lambda g: g.length)
    mid = longest.length / 2
    return substring(longest, mid - 1000, mid + 1000)


# --- drawn_precision_m ------------------------------------------------------------------


def test_docstring_examples():
    """The module docstring's table, row by row."""
    table = re.findall(r"^(\d+)\s+([\d.]+)\s+(\d+)\s+(\d+)\s*$", pr.__doc__, flags=re.M)
    assert [int(z) for z, *_ in table] == [10, 13, 16, 18]
    for zoom, mpp, osm, offline in table:
        z = int(zoom)
        assert round(pr.metres_per_pixel(z, 35.4), 1) == float(mpp)
        assert drawn_precision_m(z, 35.4, "osm") == float(osm)
        assert drawn_precision_m(z, 35.4, "none") == float(offline)


def test_the_rule_in_numbers():
    assert pr.PIXELS == 5
    # zoom 13 at lat 35.4: 15.58 m/px × 5 = 77.9 m → 80 m
    assert drawn_precision_m(13, 35.4, "osm") == 80
    # zoom 18: 2.4 m, but the tiles are only good to 20 m
    assert drawn_precision_m(18, 35.4, "gaode") == pr.WEB_TILE_ACCURACY_M
    # zoom 6: 1,994 m/px × 5 = 9,969 m → 10,000 m (100 m steps from 1 km)
    assert drawn_precision_m(6, 35.4, "osm") == 10000


def test_the_offline_map_is_as_good_as_its_towns():
    import pandas as pd

    from layers._paths import TOWNS_CSV

    towns = pd.read_csv(TOWNS_CSV, dtype=str, keep_default_na=False)
    town_m = pd.to_numeric(towns.loc[towns["precision"] == "town", "precision_m"])
    assert pr.offline_accuracy_m() == town_m.median()
    assert pr.basemap_accuracy_m("none") == town_m.median()
    assert drawn_precision_m(22, 35.4, "none") >= town_m.median()


@pytest.mark.parametrize(
    ("zoom", "lat"),
    [(math.nan, 35), (math.inf, 35), (-1, 35), (22.5, 35), (10, 86), (10, -90), (10, math.nan), ("x", 35), (None, 35)],
)
def test_bad_inputs_are_refused_in_both_languages(zoom, lat):
    with pytest.raises(ValueError) as err:
        drawn_precision_m(zoom, lat, "osm")
    assert isinstance(err.value.args[0], Msg) and err.value.args[0].zh


def test_an_unknown_basemap_is_refused():
    with pytest.raises(ValueError, match="unknown basemap") as err:
        drawn_precision_m(10, 35, "google")
    assert isinstance(err.value.args[0], Msg)


def test_every_export_basemap_has_an_accuracy():
    from layers.exports import BASEMAP_IDS

    assert set(BASEMAP_IDS) == set(BASEMAPS)
    for b in BASEMAP_IDS:
        assert pr.basemap_accuracy_m(b) > 0


zooms = st.floats(min_value=0, max_value=22, allow_nan=False)
lats = st.floats(min_value=-85, max_value=85, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(z1=zooms, z2=zooms, lat=lats, basemap=st.sampled_from(BASEMAPS))
def test_precision_gets_finer_with_zoom(z1, z2, lat, basemap):
    lo, hi = sorted((z1, z2))
    assert drawn_precision_m(hi, lat, basemap) <= drawn_precision_m(lo, lat, basemap)


@settings(max_examples=300, deadline=None)
@given(zoom=zooms, lat=lats, basemap=st.sampled_from(BASEMAPS))
def test_never_finer_than_the_basemap_nor_the_pixels_and_rounded(zoom, lat, basemap):
    p = drawn_precision_m(zoom, lat, basemap)
    assert p >= pr.basemap_accuracy_m(basemap)
    assert p >= pr.PIXELS * pr.metres_per_pixel(zoom, lat) - 1e-6
    step = 10 if p < 1000 else 100
    assert p % step == 0


@settings(max_examples=200, deadline=None)
@given(zoom=st.one_of(st.floats(max_value=-1e-9), st.floats(min_value=22.000001), st.just(math.nan)))
def test_zoom_outside_0_22_is_refused(zoom):
    with pytest.raises(ValueError):
        drawn_precision_m(zoom, 35, "osm")


# --- districts_within -------------------------------------------------------------------


def _inside_point(border, gk_counties, offset_m, code):
    """A point ``offset_m`` from the middle of ``border``, on ``code``'s side (GK)."""
    mid = border.interpolate(0.5, normalized=True)
    a, b = border.interpolate(0.45, normalized=True), border.interpolate(0.55, normalized=True)
    dx, dy = b.x - a.x, b.y - a.y
    n = math.hypot(dx, dy)
    for sign in (1, -1):
        p = shapely.Point(mid.x - sign * dy / n * offset_m, mid.y + sign * dx / n * offset_m)
        if gk_counties[code].contains(p):
            return p
    raise AssertionError("no side of the border in the county")


def test_a_point_near_a_border_counts_in_both_counties_within_its_precision(border, gk_counties):
    p = wgs(_inside_point(border, gk_counties, 50, RENCHENG))
    assert county_at(p.x, p.y)[0] == RENCHENG
    assert districts_within(p, 100) == {RENCHENG: 0.0, JIAXIANG: 0.0}
    assert list(districts_within(p, 100))[0] == RENCHENG  # where it lies comes first
    assert districts_within(p, 20) == {RENCHENG: 0.0}


def test_a_point_far_from_any_border_counts_in_one():
    qufu_seat = shapely.Point(116.99111, 35.59667)
    assert districts_within(qufu_seat, 100) == {QUFU: 0.0}
    assert districts_within(qufu_seat, 0) == {QUFU: 0.0}


def test_a_line_along_a_border(border, gk_counties):
    mid = border.interpolate(0.5, normalized=True)
    side = _inside_point(border, gk_counties, 200, RENCHENG)
    along = shapely.affinity.translate(border, side.x - mid.x, side.y - mid.y)  # 200 m into 任城
    if not gk_counties[RENCHENG].contains(along):  # a bend of the border: keep the part in 任城
        along = along.intersection(gk_counties[RENCHENG])
    line = wgs(along)
    near = districts_within(line, 500)
    assert set(near) == {RENCHENG, JIAXIANG}
    assert near[RENCHENG] == pytest.approx(along.length / 1000, abs=0.02)  # its length where it runs
    assert near[JIAXIANG] == 0.0  # reached only within its precision
    assert set(districts_within(line, 50)) == {RENCHENG}


def test_an_area_that_only_touches_a_border_does_not_count_without_precision(gk_counties):
    jiaxiang = wgs(gk_counties[JIAXIANG])
    assert set(districts_within(jiaxiang, 0)) == {JIAXIANG}
    assert RENCHENG in districts_within(jiaxiang, 500)


def test_bad_precision_is_refused():
    for bad in (-1, math.nan, math.inf, "x", None):
        with pytest.raises(ValueError):
            districts_within(shapely.Point(116.6, 35.4), bad)


@settings(max_examples=60, deadline=None)
@given(
    lon=st.floats(min_value=115.6, max_value=117.6),
    lat=st.floats(min_value=34.5, max_value=36.2),
    p1=st.floats(min_value=0, max_value=20000),
    p2=st.floats(min_value=0, max_value=20000),
)
def test_districts_grow_with_precision_and_keep_the_county_of_a_point(lon, lat, p1, p2):
    lo, hi = sorted((p1, p2))
    pt = shapely.Point(lon, lat)
    small, large = districts_within(pt, lo), districts_within(pt, hi)
    assert set(small) <= set(large)
    c = county_at(lon, lat)
    if c:
        assert c[0] in small


# --- the register build -----------------------------------------------------------------


@pytest.fixture(scope="module")
def projects():
    return load_projects()


def test_the_canal_measures_count_in_wenshang(projects):
    """南旺 (汶上县) is on the canal; GSHHG's line runs 2.8–4.6 km west of its seat, within
    the canal shape's 5 km, so the canal's measures count in 汶上 with 0 km drawn there."""
    import json

    from layers.selection.filtering import Filters, filter_projects

    canal = projects[projects["place"].isin(["大运河文化带", "大运河国家文化公园济宁段", "运河主航道", "运河文化带"])]
    assert len(canal) == 4
    for rec in canal.itertuples():
        assert WENSHANG in rec.county_adcodes.split(","), rec.id
        assert json.loads(rec.county_sizes)[WENSHANG] == 0.0
    shown = filter_projects(projects, Filters(districts=(WENSHANG,), include_citywide=False))
    assert set(canal["id"]) <= set(shown["id"])


def test_only_traced_shapes_reach_beyond_the_counties_they_pass(projects):
    """Shapes built from administrative units (中心城区, 泗水龙湾湖片区, the schematic
    railway) stay in the counties they pass: their precision says where within them."""
    import json

    for rec in projects[projects["form"].isin(["line", "area"])].itertuples():
        sizes = json.loads(rec.county_sizes)
        assert list(sizes) == rec.county_adcodes.split(",")
        zero = [c for c, v in sizes.items() if v == 0]
        assert zero in ([], [WENSHANG]), rec.id
    hsr = projects[projects["place"] == "鲁南高铁"].iloc[0]
    assert set(hsr["county_adcodes"].split(",")) == {RENCHENG, "370812", JIAXIANG, QUFU}


# --- check_inside and with_location -----------------------------------------------------


@pytest.fixture(scope="module")
def city_gk():
    return shapely.union_all(load_city().to_crs(GK_CRS).geometry.values)


def _outside_point(city_gk, metres):
    ring = city_gk.buffer(metres, quad_segs=64)
    outer = max(getattr(ring, "geoms", [ring]), key=lambda g: g.area).exterior
    p = outer.interpolate(0.3, normalized=True)
    return wgs(p), city_gk.distance(p)


def test_a_point_far_outside_is_refused_with_its_distance(city_gk):
    p, d = _outside_point(city_gk, 4700)
    assert d == pytest.approx(4700, abs=10)
    with pytest.raises(ValueError, match=r"lies 4\.7 km outside Jining") as err:
        check_inside(p, "point", 100)
    msg = err.value.args[0]
    assert "市外" in msg and "4.7 公里" in msg.zh and "100 米" in msg.zh
    check_inside(p, "outside", 100)  # a measure marked 市外 may be anywhere
    check_inside(p, "point", 5000)  # within its precision


def test_a_point_just_outside_within_its_precision_is_inside(city_gk):
    p, d = _outside_point(city_gk, 30)
    assert 25 < d < 35
    check_inside(p, "point", 100)
    with pytest.raises(ValueError, match="30 m outside"):
        check_inside(p, "point", 10)


def test_a_line_partly_inside_is_inside(city_gk):
    p, _ = _outside_point(city_gk, 4700)
    check_inside(shapely.LineString([(p.x, p.y), (116.6, 35.4)]), "line", 10)


def test_with_location_recomputes_districts_and_form(projects, border, gk_counties):
    citywide = projects[projects["form"] == "city"].iloc[0]
    p = wgs(_inside_point(border, gk_counties, 50, RENCHENG))
    rec = with_location(record_from_row(citywide), p, "王工", "map click", 100)
    assert rec["form"] == "point" and rec["county_adcodes"] == f"{RENCHENG},{JIAXIANG}"
    rec = with_location(record_from_row(citywide), p, "王工", "map click", 20)
    assert rec["county_adcodes"] == RENCHENG
    county = projects[projects["form"] == "county"].iloc[0]
    line = shapely.LineString([(116.5, 35.4), (116.6, 35.45)])
    rec = with_location(record_from_row(county), line, "王工", "drawn", 80)
    assert rec["form"] == "line" and rec["county_adcodes"] and rec["county_sizes"].startswith("{")


def test_with_location_refuses_a_point_outside_jining_unless_marked_outside(projects, city_gk):
    p, _ = _outside_point(city_gk, 4700)
    row = record_from_row(projects[projects["form"] == "point"].iloc[0])
    with pytest.raises(ValueError, match="4.7 km outside"):
        with_location(row, p, "王工", "map click", 100)
    marked = with_location({**row, "form": "outside"}, p, "王工", "map click", 100)
    assert marked["form"] == "outside" and marked["county_adcodes"] == ""
