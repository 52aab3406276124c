import numpy as np
import pandas as pd
import pytest

from layers import GazetteerError, Geocoder, geocode, load_counties, normalise
from layers.geo.coords import GK_CRS, distance_m, to_wgs84
from layers.geo.gazetteer import read_gazetteer


@pytest.fixture(scope="module")
def gaz():
    return read_gazetteer()


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("济宁市邹城市", "邹城"),
        ("邹城市", "邹城"),
        ("邹城", "邹城"),
        ("山东省济宁市曲阜市尼山镇", "曲阜市尼山"),
        ("　曲阜市　", "曲阜"),  # full-width spaces
        ("ＱＵＦＵ", "qufu"),  # full-width letters
        ("金乡县鱼山街道", "金乡县鱼山"),
        ("济宁市", "济宁"),
        ("梁山县赵堌堆乡", "梁山县赵堌堆"),
    ],
)
def test_normalise(raw, expected):
    assert normalise(raw) == expected


def test_exact_name():
    r = geocode("曲阜市")
    assert (r.status, r.matched, r.precision, r.county_adcode, r.county_name) == (
        "ok",
        "曲阜市",
        "county",
        "370881",
        "曲阜市",
    )


@pytest.mark.parametrize(
    "alias, name",
    [("邹城", "邹城市"), ("曲阜", "曲阜市"), ("Qufu", "曲阜市"), ("经开区", "济宁经济技术开发区"), ("新机场", None)],
)
def test_aliases(alias, name):
    assert geocode(alias).matched == name


def test_longest_contained_name_wins():
    r = geocode("济宁市曲阜市尼山世界文明论坛会议中心")
    assert r.matched == "尼山世界文明论坛"


def test_equal_length_ties_go_to_the_finer_place():
    # 曲阜 (county) and 尼山 (town) are both two characters long.
    assert geocode("曲阜尼山脚下").matched == "尼山镇"


def test_fallback_site_reports_its_coarser_precision():
    r = geocode("孔子研究院")
    assert r.precision == "county" and r.county_name == "曲阜市"
    assert "falls back" in r.source


def test_a_site_falls_back_to_its_town_with_the_towns_precision(gaz):
    r = geocode("颜店新城会展中心")
    town = geocode("颜店镇")
    assert (r.precision, r.lon, r.lat, r.precision_m) == ("town", town.lon, town.lat, town.precision_m)
    assert town.town_code == "370812103000"


def test_outside_is_reported_not_placed_in_jining():
    r = geocode("青岛")
    assert r.status == "outside" and r.county_adcode is None and r.precision == "outside"


def test_unknown_text_is_unresolved_without_coordinates():
    r = geocode("火星基地")
    assert r.status == "unresolved"
    assert (r.lon, r.lat, r.precision, r.matched) == (None, None, None, None)


def test_city_has_no_single_county():
    r = geocode("济宁市")
    assert r.status == "ok" and r.precision == "city" and r.county_adcode is None


def test_every_point_lies_in_the_county_it_claims(gaz):
    for rec in gaz.itertuples():
        if rec.county_adcode:
            r = Geocoder(gaz).geocode(rec.name_zh)
            assert r.county_adcode == rec.county_adcode, rec.name_zh


def test_every_jining_point_is_inside_jining(gaz):
    for rec in gaz[gaz["kind"] != "outside"].itertuples():
        r = geocode(rec.name_zh)
        assert r.status == "ok", rec.name_zh


def test_county_precision_covers_the_whole_county(gaz):
    """A county fallback point is the seat; its precision must reach every corner of the county."""
    import shapely
    from pyproj import Transformer

    counties = load_counties().to_crs(GK_CRS).set_index("adcode")
    to_gk = Transformer.from_crs(4326, GK_CRS, always_xy=True)
    rows = gaz[gaz["kind"] == "county"]
    assert sorted(rows["county_adcode"]) == sorted(counties.index)
    for rec in rows.itertuples():
        x, y = to_gk.transform(rec.lon, rec.lat)
        xy = shapely.get_coordinates(counties.loc[rec.county_adcode].geometry)
        farthest = np.hypot(xy[:, 0] - x, xy[:, 1] - y).max()
        assert farthest <= rec.precision_m < farthest + 1000, rec.name_zh


def test_converted_rows_match_their_source(gaz):
    for rec in gaz[gaz["source_crs"].isin(["wgs84", "gcj02", "bd09"])].itertuples():
        lon, lat = to_wgs84(float(rec.source_lon), float(rec.source_lat), rec.source_crs)
        assert distance_m(lon, lat, rec.lon, rec.lat) < 0.5, rec.name_zh
    gcj = gaz[gaz["source_crs"] == "gcj02"]
    assert len(gcj) >= 1
    moved = distance_m(gcj["source_lon"].astype(float), gcj["source_lat"].astype(float), gcj["lon"], gcj["lat"])
    assert (moved > 400).all()  # the GCJ-02 shift was really removed


def test_derivations_are_computed(gaz):
    row = gaz.set_index("name_zh")
    assert (row.loc["孔子研究院", "lon"], row.loc["孔子研究院", "lat"]) == (
        row.loc["曲阜市", "lon"],
        row.loc["曲阜市", "lat"],
    )
    # A town without a seat point takes its county's seat and precision.
    assert (
        row.loc["嘉祥街道", ["lon", "lat", "precision_m"]].tolist()
        == row.loc["嘉祥县", ["lon", "lat", "precision_m"]].tolist()
    )


def _write(tmp_path, gaz, changes):
    bad = gaz.copy().astype(object)
    for (i, col), value in changes:
        bad.at[i, col] = value
    path = tmp_path / "g.csv"
    bad.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    "col, value",
    [("kind", "castle"), ("precision", "exact"), ("source", ""), ("source_crs", "mars"), ("precision_m", "far")],
)
def test_bad_gazetteer_rows_are_reported(tmp_path, col, value):
    raw = pd.read_csv("geodata/gazetteer.csv", dtype=str, keep_default_na=False)
    path = _write(tmp_path, raw, [((3, col), value)])
    with pytest.raises(GazetteerError) as exc:
        read_gazetteer(path)
    assert [(p.row, p.field) for p in exc.value.problems] == [(5, col)]


def test_duplicate_alias_is_reported(tmp_path):
    raw = pd.read_csv("geodata/gazetteer.csv", dtype=str, keep_default_na=False)
    path = _write(tmp_path, raw, [((3, "aliases"), "邹城")])
    with pytest.raises(GazetteerError, match="also names row"):
        read_gazetteer(path)


def test_unknown_derivation_reference_is_reported(tmp_path):
    raw = pd.read_csv("geodata/gazetteer.csv", dtype=str, keep_default_na=False)
    i = raw.index[raw["name_zh"] == "颜店新城会展中心"][0]
    path = _write(tmp_path, raw, [((i, "derive"), "at:不存在")])
    with pytest.raises(GazetteerError, match="unknown place"):
        read_gazetteer(path)


def test_outside_rows_really_lie_outside_jining(gaz):
    from layers import county_at

    out = gaz[gaz["kind"] == "outside"]
    assert len(out) >= 20
    for rec in out.itertuples():
        assert county_at(rec.lon, rec.lat) is None, rec.name_zh


@pytest.mark.parametrize("text", ["滕州", "泰安市宁阳县", "单县", "北京市", "菏泽"])
def test_neighbours_and_other_cities_are_outside(text):
    assert geocode(text).status == "outside"


# ---- place text in English (layers.geo.placenames.english_place) -----------------------------

CJK = r"[\u4e00-\u9fff]"


@pytest.fixture(scope="module")
def names():
    from layers.selection.details import place_names

    return place_names()


def sourced_english() -> list[str]:
    """Every English name the data has (gazetteer, towns, shapes), and the counties' short
    forms (Qufu for Qufu City), longest first."""
    from layers.geo.shapes import load_shapes

    gaz = read_gazetteer()
    shorts = [n.split()[0] for n in gaz.loc[gaz["kind"] == "county", "name_en"]]
    return sorted({*gaz["name_en"], *load_shapes()["name_en"], *shorts} - {""}, key=len, reverse=True)


def test_every_place_of_the_register_reads_in_english_from_sourced_names(names):
    """The register's place texts in English: no Chinese left (every place it names has a
    sourced English name), and nothing but those names, commas and semicolons: no word is
    made up."""
    import re

    from layers import load_projects
    from layers.geo.placenames import english_place

    english = sourced_english()
    for place in load_projects()["place"].dropna().unique():
        text = english_place(place, names)
        assert not re.search(CJK, text), (place, text)
        rest = text
        for name in english:
            rest = rest.replace(name, "")
        assert re.fullmatch(r"[,; ]*", rest), (place, text, rest)


def test_a_place_in_a_town_of_a_county_reads_smallest_first(names):
    from layers.geo.placenames import english_place

    gaz = read_gazetteer().set_index("name_zh")
    town, county = gaz.loc["尼山镇", "name_en"], gaz.loc["曲阜市", "name_en"]
    assert county.split()[0] == "Qufu" and town == "Nishan Town"  # as towns.csv and the gazetteer have them
    for text in ("曲阜市尼山镇", "曲阜尼山", "山东省济宁市曲阜市尼山镇", " 曲阜市尼山镇 "):
        assert english_place(text, names) == "Nishan Town, Qufu", text
    assert english_place("曲阜市", names) == "Qufu City"  # a county alone: its whole name
    assert english_place("孔子博物馆", names) == gaz.loc["孔子博物馆", "name_en"]
    # What has no English name stays as written, before the places it lies in.
    assert english_place("曲阜市尼山镇某某村", names) == "某某村, Nishan Town, Qufu"
    assert english_place("曲阜市某某村", names) == "某某村, Qufu"
    assert english_place("某某村", names) == "某某村"
    assert english_place("", names) == "" and english_place(None, names) is None


def test_several_places_are_joined_by_semicolons(names):
    from layers.geo.placenames import english_place
    from layers.geo.shapes import load_shapes

    shapes = load_shapes().set_index("name_zh")["name_en"]
    assert english_place("济微高速;梁山县", names) == f"{shapes['济微高速']}; Liangshan County"
    assert english_place("济微高速、某某路", names) == f"{shapes['济微高速']}; 某某路"


def test_a_name_of_several_places_needs_its_county():
    """Two towns of one name in two counties: the county decides, and without one the text
    stays as written (never a guess); a town loses to another place of its name (金乡 is the
    county, not 金乡街道)."""
    from layers.geo.placenames import EnglishName, english_place, name_table

    table = name_table(
        [
            ("甲县", "", EnglishName("Jia County", "county", "1")),
            ("乙县", "", EnglishName("Yi County", "county", "2")),
            ("城关镇", "", EnglishName("Chengguan Town", "town", "1")),
            ("城关镇", "", EnglishName("Chengguan Town (B)", "town", "2")),
            ("甲县街道", "", EnglishName("Jiaxian Subdistrict", "town", "1")),
            ("无名", "", EnglishName("")),
        ]
    )
    assert english_place("乙县城关镇", table) == "Chengguan Town (B), Yi"
    assert english_place("城关镇", table) == "城关镇"
    assert english_place("甲县", table) == "Jia County"
    assert english_place("甲县街道", table) == "Jiaxian Subdistrict"
    assert english_place("无名", table) == "无名"
