import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layers import coords

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
