import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layers.geo import coords

# Jining's bounding box with a margin.
LON = st.floats(115.5, 117.8)
LAT = st.floats(34.3, 36.3)


@settings(max_examples=300, deadline=None)
@given(LON, LAT)
def test_gcj02_round_trip_is_under_a_millimetre(lon, lat):
    back = coords.gcj02_to_wgs84(*coords.wgs84_to_gcj02(lon, lat))
    assert coords.distance_m(lon, lat, *back) < 1e-3


@settings(max_examples=300, deadline=None)
@given(LON, LAT)
def test_bd09_round_trip_is_under_a_millimetre(lon, lat):
    back = coords.bd09_to_wgs84(*coords.wgs84_to_bd09(lon, lat))
    assert coords.distance_m(lon, lat, *back) < 1e-3


def test_one_step_inverse_is_not_enough_but_iteration_is():
    rng = np.random.default_rng(42)
    lon, lat = rng.uniform(115.8, 117.6, 20000), rng.uniform(34.4, 36.2, 20000)
    g = coords.wgs84_to_gcj02(lon, lat)
    one_step = coords.distance_m(lon, lat, *coords.gcj02_to_wgs84(*g, iterations=1))
    full = coords.distance_m(lon, lat, *coords.gcj02_to_wgs84(*g))
    assert one_step.max() > 1.0  # the usual library inverse: metres off
    assert full.max() < 1e-3


def test_gcj02_offset_over_jining_matches_the_measured_range():
    rng = np.random.default_rng(1)
    lon, lat = rng.uniform(115.9, 117.5, 5000), rng.uniform(34.5, 36.0, 5000)
    d = coords.distance_m(lon, lat, *coords.wgs84_to_gcj02(lon, lat))
    assert 470 < d.min() and d.max() < 575
    assert 500 < np.median(d) < 535


def test_scalars_come_back_as_floats():
    lon, lat = coords.to_wgs84(116.5871, 35.4151, "GCJ02")
    assert isinstance(lon, float) and isinstance(lat, float)
    assert coords.from_wgs84(lon, lat, "gcj02") == pytest.approx((116.5871, 35.4151), abs=1e-9)


def test_cgcs2000_is_treated_as_wgs84():
    assert coords.to_wgs84(116.5, 35.5, "cgcs2000") == (116.5, 35.5)


def test_unknown_system_names_the_choices():
    with pytest.raises(ValueError, match="gcj02"):
        coords.to_wgs84(116.5, 35.5, "mars")


@settings(max_examples=200, deadline=None)
@given(LON, LAT, st.sampled_from(coords.SYSTEMS))
def test_every_system_round_trips(lon, lat, system):
    x, y = coords.from_wgs84(lon, lat, system)
    back = coords.to_wgs84(x, y, system)
    assert coords.distance_m(lon, lat, *back) < 1e-3


@settings(max_examples=200, deadline=None)
@given(st.floats(115.9, 117.6), st.floats(34.4, 36.1), st.sampled_from(["gcj02", "bd09"]))
def test_jining_stays_near_jining_in_web_map_systems(lon, lat, system):
    x, y = coords.from_wgs84(lon, lat, system)
    assert abs(x - lon) < 0.02 and abs(y - lat) < 0.02  # offsets are hundreds of metres, never degrees


def test_gauss_kruger_values_look_like_metres_and_zone_prefix():
    x, y = coords.from_wgs84(116.58, 35.4, "EPSG:4548")
    xp, yp = coords.from_wgs84(116.58, 35.4, "EPSG:4527")
    assert 400_000 < x < 600_000 and 3_800_000 < y < 4_000_000
    assert xp == pytest.approx(39_000_000 + x) and yp == pytest.approx(y)


@pytest.mark.parametrize(
    "alias, name",
    [("GCJ-02", "gcj02"), ("百度", "bd09"), ("4527", "epsg:4527"), ("EPSG:4490", "cgcs2000"), ("WGS84", "wgs84")],
)
def test_aliases(alias, name):
    assert coords.canonical_system(alias) == name
