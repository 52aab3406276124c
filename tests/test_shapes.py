import geopandas as gpd
import pytest

from layers import GazetteerError
from layers.geo.coords import GK_CRS
from layers.geo.gazetteer import read_gazetteer
from layers.geo.shapes import build_shapes, county_lengths_km, find_shape, load_shapes, read_shape_defs


@pytest.fixture(scope="module")
def shapes():
    return load_shapes()


def test_every_shape_builds_with_its_type(shapes):
    assert shapes.crs.to_epsg() == 4326
    for rec in shapes.itertuples():
        want = "LineString" if rec.geom == "line" else "Polygon"
        assert want in rec.geometry.geom_type, rec.shape_id
        assert rec.geometry.is_valid and not rec.geometry.is_empty, rec.shape_id
        assert rec.description and rec.source and rec.precision_m > 0, rec.shape_id


@pytest.mark.parametrize("name", ["运河主航道", "泗河生态带", "鲁南高铁", "枣菏高速", "济微高速", "董梁高速"])
def test_required_lines_exist(name):
    assert find_shape(name) is not None


@pytest.mark.parametrize(
    "name",
    [
        "尼山片区",
        "微山湖片区",
        "黄河滩区",
        "金乡鱼山片区",
        "泗水龙湾湖片区",
        "邹城大束片区",
        "中心城区",
        "高新区范围",
        "太白湖新区范围",
        "经开区范围",
    ],
)
def test_required_areas_exist(name):
    assert find_shape(name) is not None


def test_lines_record_every_county_they_cross(shapes):
    canal = find_shape("运河主航道", shapes)
    lengths = county_lengths_km(canal.geometry)
    assert {"370832", "370811", "370826"} <= set(lengths)  # Liangshan, Rencheng, Weishan
    assert all(v > 0 for v in lengths.values())


def test_lengths_add_up_to_the_whole_line(shapes):
    si = find_shape("泗河", shapes)
    total = gpd.GeoSeries([si.geometry], crs=4326).to_crs(GK_CRS).length.iloc[0] / 1e3
    assert sum(county_lengths_km(si.geometry).values()) == pytest.approx(total, rel=1e-3)


def test_demonstration_areas_stay_in_their_county(shapes):
    for name, code in [("金乡鱼山片区", "370828"), ("邹城大束片区", "370883"), ("泗水龙湾湖片区", "370831")]:
        assert list(county_lengths_km(find_shape(name, shapes).geometry)) == [code]


def test_zone_areas_follow_their_published_size(shapes):
    hightech = find_shape("高新区范围", shapes)
    km2 = gpd.GeoSeries([hightech.geometry], crs=4326).to_crs(GK_CRS).area.iloc[0] / 1e6
    assert 240 < km2 < 256  # 255 km² published, a polygonal disc is slightly smaller
    # 经开区 is the union of its two towns' approximate areas: 150 km² planned, cells may be off by ~2x.
    etdz = find_shape("经开区范围", shapes)
    km2 = gpd.GeoSeries([etdz.geometry], crs=4326).to_crs(GK_CRS).area.iloc[0] / 1e6
    assert 75 < km2 < 300


def _seat(name):
    import shapely

    from layers.geo.gazetteer import geocode

    r = geocode(name)
    assert r.town_name == name and r.precision == "town"
    return shapely.Point(r.lon, r.lat)


def test_town_areas_hold_their_towns_and_nothing_else(shapes):
    etdz = find_shape("经开区范围", shapes).geometry
    assert etdz.contains(_seat("疃里镇")) and etdz.contains(_seat("马集镇"))
    assert not etdz.contains(_seat("纸坊镇"))  # a 嘉祥 town outside the zone
    assert find_shape("邹城大束片区", shapes).geometry.contains(_seat("大束镇"))
    assert find_shape("金乡鱼山片区", shapes).geometry.contains(_seat("鱼山街道"))
    assert find_shape("尼山片区", shapes).geometry.contains(_seat("尼山镇"))


def test_the_floodplain_is_the_liangshan_towns_along_the_yellow_river(shapes):
    area = find_shape("黄河滩区", shapes).geometry
    assert list(county_lengths_km(area)) == ["370832"]
    for town in ("赵堌堆乡", "黑虎庙镇", "小路口镇"):
        assert area.contains(_seat(town)), town
    for town in ("梁山街道", "韩垓镇", "拳铺镇"):  # the county seat and towns far from the river
        assert not area.contains(_seat(town)), town


def test_the_lake_area_is_the_lake_and_its_shore_towns_not_the_county(shapes, counties):
    area = find_shape("微山湖片区", shapes).geometry
    weishan = counties.set_index("adcode").loc["370826"].geometry
    gk = gpd.GeoSeries([area, weishan], crs=4326).to_crs(GK_CRS).area
    assert 0.2 < gk.iloc[0] / gk.iloc[1] < 0.9
    assert area.contains(_seat("韩庄镇")) and not area.contains(_seat("鲁桥镇"))


def test_the_canal_is_the_gshhg_line_not_a_schematic_one(shapes):
    from layers.geo.context import load_context

    canal = find_shape("运河主航道", shapes).geometry
    water = load_context().set_index("name_zh").loc["京杭运河"].geometry
    assert canal.difference(water.buffer(1e-6)).length < 1e-6
    assert len(canal.geoms if hasattr(canal, "geoms") else [canal]) >= 1
    assert gpd.GeoSeries([canal], crs=4326).to_crs(GK_CRS).length.iloc[0] > 150_000


@pytest.mark.parametrize(
    "method, inputs, radius, clip, precision, message",
    [
        ("towns", "不存在镇", "", "city", "9000", "not in towns.csv"),
        ("towns", "洸河街道", "", "city", "9000", "no seat point"),
        ("towns", "大束镇", "", "city", "100", "finer than its towns"),
        ("context", "太平洋", "", "city", "5000", "not in the context water"),
        ("towns_near", "黄河", "5000", "", "9000", "county adcode"),
        ("towns_near", "黄河", "1", "370883", "9000", "no town lies that close"),
    ],
)
def test_bad_town_and_context_shapes_are_reported(method, inputs, radius, clip, precision, message):
    defs = read_shape_defs().copy()
    i = defs.index[defs["shape_id"] == "dashu_area"][0]
    defs.loc[i, ["method", "inputs", "radius_m", "clip", "precision_m"]] = [method, inputs, radius, clip, precision]
    with pytest.raises(GazetteerError, match=message):
        build_shapes(defs, read_gazetteer())


@pytest.mark.parametrize(
    "col, value, field",
    [
        ("inputs", "梁山县;不存在的地方", "inputs"),
        ("method", "freehand", "method"),
        ("clip", "atlantis", "clip"),
    ],
)
def test_bad_shape_definitions_are_reported(col, value, field):
    defs = read_shape_defs().copy()
    defs.at[0, col] = value
    with pytest.raises(GazetteerError) as exc:
        build_shapes(defs, read_gazetteer())
    assert (2, field) in [(p.row, p.field) for p in exc.value.problems]


def test_negative_radius_is_reported():
    defs = read_shape_defs().copy()
    i = defs.index[defs["method"] == "buffer"][0]
    defs.at[i, "radius_m"] = "-5"
    with pytest.raises(GazetteerError, match="radius_m"):
        build_shapes(defs, read_gazetteer())


def test_missing_column_is_reported(tmp_path):
    path = tmp_path / "shapes.csv"
    read_shape_defs().drop(columns=["clip"]).to_csv(path, index=False)
    with pytest.raises(GazetteerError, match="clip"):
        read_shape_defs(path)
