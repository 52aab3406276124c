import geopandas as gpd
import pytest

from layers import GazetteerError
from layers.coords import GK_CRS
from layers.gazetteer import read_gazetteer
from layers.shapes import build_shapes, county_lengths_km, find_shape, load_shapes, read_shape_defs


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
    etdz = find_shape("经开区范围", shapes)
    km2 = gpd.GeoSeries([etdz.geometry], crs=4326).to_crs(GK_CRS).area.iloc[0] / 1e6
    assert 140 < km2 < 152  # 150 km² published, a polygonal disc is slightly smaller


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
