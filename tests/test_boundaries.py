import itertools

import shapely

from layers import county_at, load_city
from layers.geo.coords import GK_CRS

OFFICIAL_AREA_KM2 = 11187  # 济宁市 official area
ADCODES = {"370811", "370812", "370826", "370827", "370828", "370829", "370830", "370831", "370832", "370881", "370883"}


def test_eleven_valid_named_polygons(counties):
    assert set(counties["adcode"]) == ADCODES
    assert counties.crs.to_epsg() == 4326
    assert counties.is_valid.all()
    assert set(counties.geom_type) <= {"Polygon", "MultiPolygon"}
    assert counties["name_zh"].str.len().min() >= 3
    assert counties["name_en"].str.contains(r"District|County|City").all()


def test_total_area_within_one_percent_of_official(counties):
    total = counties.to_crs(GK_CRS).area.sum() / 1e6
    assert abs(total - OFFICIAL_AREA_KM2) / OFFICIAL_AREA_KM2 < 0.01


def test_no_overlaps_between_counties(counties):
    gk = counties.to_crs(GK_CRS).geometry.values
    for a, b in itertools.combinations(gk, 2):
        assert a.intersection(b).area < 1e4  # 0.01 km² tolerance


def test_counties_tile_the_city_without_gaps(counties):
    union = shapely.union_all(counties.to_crs(GK_CRS).geometry.values)
    city = load_city().to_crs(GK_CRS).geometry.iloc[0]
    assert city.symmetric_difference(union).area < 1e5  # 0.1 km² tolerance


def test_stored_area_matches_geometry(counties):
    computed = counties.to_crs(GK_CRS).area / 1e6
    assert (abs(computed - counties["area_km2"]) < 0.1).all()


def test_county_at_finds_the_county_and_none_outside():
    assert county_at(116.99111, 35.59667) == ("370881", "曲阜市")  # Qufu seat
    assert county_at(120.38, 36.07) is None  # Qingdao
