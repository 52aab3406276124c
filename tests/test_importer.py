import io
import re
from types import SimpleNamespace

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from layers.edits.import_review import (
    locate_by_coordinates,
    locate_by_place,
    match_stored,
    read_cells,
    read_coordinates,
    read_fields,
)
from layers.edits.importer import ImportFileError, identity, map_headers, read_table, review_import
from layers.geo.boundaries import county_names
from layers.geo.coords import distance_m, from_wgs84

# A true WGS-84 position inside 任城区 and what AMap, Baidu and a GIS would show for it.
TRUE = (116.5870, 35.4152)


def csv_bytes(rows, header, encoding="utf-8-sig"):
    df = pd.DataFrame(rows, columns=header)
    return df.to_csv(index=False).encode(encoding)


def review(data, name="list.csv", crs="wgs84", **kw):
    df, notes = read_table(data, name)
    return review_import(df, crs, notes=notes, **kw)


@pytest.mark.parametrize(
    "header",
    [
        ["项目名称", "所属行动", "县区", "地点", "经度", "纬度"],
        ["title", "action", "district", "place", "lon", "lat"],
        ["Title", "ACTION", "County", "Address", "Longitude", "Latitude"],
        ["名称", "行动", "区县", "位置", "lng", "纬度"],
    ],
)
def test_headers_in_chinese_and_english(header):
    mapping, unknown = map_headers(header)
    assert sorted(mapping.values()) == sorted(["title_zh", "action", "district", "place", "lon", "lat"])
    assert unknown == []


def test_unknown_headers_can_be_mapped_by_the_planner():
    data = csv_bytes([["新机场", "3", "嘉祥县"]], ["工程", "行动", "所在地"])
    rep = review(data)
    assert rep.has_errors and "工程" in rep.unknown_headers
    rep = review(data, overrides={"工程": "title_zh", "所在地": "place"})
    assert not rep.has_errors and rep.rows[0].status == "geocoded"


@pytest.mark.parametrize("system", ["wgs84", "gcj02", "bd09", "cgcs2000", "epsg:4548", "epsg:4527"])
def test_coordinates_in_every_system_land_within_a_metre(system):
    x, y = from_wgs84(*TRUE, system)
    data = csv_bytes([["测试项目", "3", f"{x:.9f}", f"{y:.9f}"]], ["项目名称", "所属行动", "经度", "纬度"])
    rep = review(data, crs=system)
    (row,) = rep.rows
    assert row.status == "ok", row.message
    lon, lat = row.record["geometry"]["coordinates"]
    assert distance_m(lon, lat, *TRUE) < 1.0
    assert row.record["county_adcodes"] == "370811"


def test_amap_value_read_as_wgs84_would_be_500_m_off():
    x, y = from_wgs84(*TRUE, "gcj02")
    rep = review(csv_bytes([["p", "3", x, y]], ["项目名称", "所属行动", "经度", "纬度"]), crs="wgs84")
    lon, lat = rep.rows[0].record["geometry"]["coordinates"]
    assert distance_m(lon, lat, *TRUE) > 400  # why the planner must say which picker the numbers came from


@pytest.mark.parametrize(
    "lon, lat, crs, needle",
    [
        ("35.4152", "116.5870", "wgs84", "swapped"),
        ("461846", "3919051", "wgs84", "EPSG:4548"),
        ("116.587", "35.415", "epsg:4548", "degrees"),
        ("461846", "3919051", "epsg:4527", "zone prefix"),
        ("abc", "35.4", "wgs84", "as numbers"),
        ("116.5", "", "wgs84", "both coordinates"),
    ],
)
def test_coordinates_that_look_wrong_are_errors_with_row_and_column(lon, lat, crs, needle):
    rep = review(csv_bytes([["p", "3", lon, lat]], ["项目名称", "所属行动", "经度", "纬度"]), crs=crs)
    (row,) = rep.rows
    assert row.status == "error" and needle in row.message
    assert row.problems[0].row == 2 and row.problems[0].field in ("经度", "纬度")


def _lonlat_beyond_border(km: float) -> tuple[float, float]:
    """A point ``km`` outside Jining's border (to the west, where no other city's text lies)."""
    from layers.geo.boundaries import load_city
    from layers.geo.coords import GK_CRS

    city = load_city().to_crs(GK_CRS).geometry.iloc[0]
    ring = city.buffer(km * 1000).exterior
    west = min(ring.coords, key=lambda c: c[0])
    import geopandas as gpd
    import shapely

    p = gpd.GeoSeries([shapely.Point(west)], crs=GK_CRS).to_crs(4326).iloc[0]
    return round(p.x, 6), round(p.y, 6)


def test_point_outside_jining_and_wrong_district_are_warned():
    header = ["项目名称", "所属行动", "县区", "经度", "纬度"]
    # Just outside the border (2 km): kept, with a warning.
    x, y = _lonlat_beyond_border(2)
    rep = review(csv_bytes([["p", "3", "", x, y]], header))
    assert rep.rows[0].status == "ok" and "outside Jining" in rep.rows[0].message
    # Well outside (滕州, in the next city): an error naming the column and what to do...
    rep = review(csv_bytes([["p", "3", "", "117.16", "35.08"]], header))
    assert rep.rows[0].status == "error" and rep.rows[0].problems[0].field == "经度"
    assert "km outside Jining" in rep.rows[0].message and "市外" in rep.rows[0].message
    # ...unless the row says the measure is outside the city: then it is listed as 市外.
    rep = review(csv_bytes([["p", "3", "市外", "117.16", "35.08"]], header))
    assert rep.rows[0].status == "ok", rep.rows[0].message
    assert rep.rows[0].record["form"] == "outside" and rep.rows[0].record["geometry"] is None
    # Far away (青岛): refused, naming the column and what to check.
    rep = review(csv_bytes([["p", "3", "嘉祥县", "120.38", "36.07"]], ["项目名称", "所属行动", "县区", "经度", "纬度"]))
    assert rep.rows[0].status == "error" and rep.rows[0].problems[0].field == "经度"
    assert "km outside Jining" in rep.rows[0].message
    x, y = TRUE
    rep = review(csv_bytes([["p", "3", "金乡县", x, y]], ["项目名称", "所属行动", "县区", "经度", "纬度"]))
    assert "not in 金乡县" in rep.rows[0].message


def test_statuses_ok_geocoded_unresolved_error():
    rows = [
        ["a", "3", "", "", ""],
        ["b", "4", "大束镇", "", ""],
        ["c", "4", "火星基地", "", ""],
        ["", "4", "", "", ""],
        ["d", "99", "", "", ""],
    ]
    rep = review(csv_bytes(rows, ["项目名称", "所属行动", "地点", "经度", "纬度"]))
    assert [r.status for r in rep.rows] == ["unresolved", "geocoded", "unresolved", "error", "error"]
    assert rep.rows[1].precision == "town"
    assert rep.rows[3].problems[0].field == "项目名称" and rep.rows[4].problems[0].field == "所属行动"
    assert rep.has_errors


def test_a_town_in_another_county_is_an_error_naming_both_never_a_guess():
    rows = [["e", "4", "嘉祥县", "大束镇"], ["f", "4", "邹城市", "大束镇"]]
    rep = review(csv_bytes(rows, ["项目名称", "所属行动", "县区", "地点"]))
    bad, good = rep.rows
    assert bad.status == "error" and bad.record is None
    assert bad.problems[0].row == 2 and bad.problems[0].field == "地点"
    assert "邹城市" in bad.message and "嘉祥县" in bad.message
    assert good.status == "geocoded" and good.precision == "town"


def test_identity_rule_same_action_and_title_is_the_same_measure():
    a = {"action": 4, "title_zh": "大束镇 示范村"}
    b = {"action": 4, "title_zh": "大束镇示范村"}
    assert identity(a) == identity(b) != identity({"action": 3, "title_zh": "大束镇示范村"})
    assert identity({"id": " A03-09 ", **a}) == "A03-09"


def test_duplicate_rows_in_one_file_are_errors():
    rep = review(csv_bytes([["a", "3"], ["a", "3"]], ["项目名称", "所属行动"]))
    assert [r.status for r in rep.rows] == ["unresolved", "error"] and "row 2" in rep.rows[1].message


def test_reimport_marks_saved_rows_unchanged():
    data = csv_bytes([["a", "3", "曲阜"]], ["项目名称", "所属行动", "地点"])
    first = review(data)
    stored = {r["id"]: r for r in first.accepted}
    again = review(data, existing=stored)
    assert again.rows[0].status == "unchanged" and again.accepted == []


def test_gbk_csv_is_read_and_said_so():
    data = csv_bytes([["济宁新机场", "都市区融合攻坚行动", "嘉祥县"]], ["项目名称", "所属行动", "县区"], encoding="gbk")
    rep = review(data)
    assert rep.rows[0].status == "geocoded" and rep.rows[0].record["action"] == 3
    assert any("GBK" in n for n in rep.notes)


def test_xlsx_formulas_are_not_evaluated(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["项目名称", "所属行动", "经度", "纬度"])
    ws.append(['=HYPERLINK("http://evil","x")', "3", "=1+1", "35.4"])
    buf = io.BytesIO()
    wb.save(buf)  # openpyxl stores no cached values: a formula has no value to read
    df, _ = read_table(buf.getvalue(), "list.xlsx")
    assert not any(str(v).startswith("=") for v in df.to_numpy().ravel())
    assert df.iloc[0]["项目名称"] == "" and df.iloc[0]["经度"] == ""


def test_xlsx_sheet_choice(tmp_path):
    wb = Workbook()
    wb.active.title = "说明"
    ws = wb.create_sheet("项目")
    ws.append(["项目名称", "所属行动"])
    ws.append(["新机场", "3"])
    buf = io.BytesIO()
    wb.save(buf)
    df, _ = read_table(buf.getvalue(), "list.xlsx", sheet="项目")
    assert df.iloc[0]["项目名称"] == "新机场"
    with pytest.raises(ImportFileError, match="no sheet 'x'.*说明, 项目"):
        read_table(buf.getvalue(), "list.xlsx", sheet="x")


@pytest.mark.parametrize(
    "data, name, needle",
    [
        (b"", "a.csv", "empty"),
        (b"\x00\x01\x02\x03" * 100, "a.csv", "binary"),
        (b"PK\x03\x04 not really a zip", "a.xlsx", "xlsx workbook"),
        (b"a,b\n1,2", "a.txt", "not supported"),
        (b"x" * (5 * 1024 * 1024 + 1), "a.csv", "limit"),
    ],
)
def test_unreadable_files_get_a_clear_message(data, name, needle):
    with pytest.raises(ImportFileError, match=needle):
        read_table(data, name)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000), st.sampled_from(["a.csv", "a.xlsx"]))
def test_random_bytes_never_crash_the_importer(data, name):
    """Whatever arrives, the importer answers with a report or ImportFileError, never another exception."""
    try:
        df, notes = read_table(data, name)
    except ImportFileError:
        return
    rep = review_import(df, "wgs84", notes=notes)
    assert all(r.status in ("ok", "geocoded", "unresolved", "unchanged", "error") for r in rep.rows)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.text(max_size=12), min_size=4, max_size=4), min_size=1, max_size=6))
def test_random_cells_give_row_statuses_not_exceptions(rows):
    data = csv_bytes(rows, ["项目名称", "所属行动", "经度", "纬度"])
    try:
        rep = review(data)
    except ImportFileError:  # e.g. control characters: a clear message is the right answer
        return
    for r in rep.rows:
        assert r.status in ("ok", "geocoded", "unresolved", "unchanged", "error")
        if r.status == "error":
            assert r.problems and r.problems[0].row >= 2


def test_the_review_table_speaks_the_ui_language():
    header = ["项目名称", "所属行动", "县区", "经度", "纬度"]
    rep = review(csv_bytes([["p", "3", "", "", ""], ["q", "99", "", "", ""]], header))
    zh, en = rep.table("zh"), rep.table("en")
    assert list(zh.columns)[:4] == ["行号", "状态", "编号", "名称"] and list(zh.columns)[-1] == "说明"
    assert list(en.columns)[:4] == ["row", "status", "id", "title"] and list(en.columns)[-1] == "message"
    assert set(zh["状态"]) <= {"正常", "按地名定位", "未定位", "无变化", "错误", "冲突"}
    assert "错误" in set(zh["状态"]) and "error" in set(en["status"])
    assert rep.counts_text("zh").count(":") == len(rep.counts()) and "错误" in rep.counts_text("zh")


def test_the_review_shows_where_each_row_was_located_before_saving():
    """Located by, the approximate town, the district and ± km, for each row; and the points
    the small map of the review draws."""
    from layers.geo.gazetteer import read_gazetteer

    nishan = read_gazetteer().set_index("name_zh").loc["尼山镇"]
    header = ["项目名称", "所属行动", "县区", "地点", "经度", "纬度"]
    rows = [
        ["by point", "3", "", "", "117.19", "35.50"],  # in 尼山镇's cell
        ["by place", "3", "曲阜市", "尼山镇", "", ""],
        ["nowhere", "3", "", "", "", ""],
    ]
    rep = review(csv_bytes(rows, header))
    zh, en = rep.table("zh").set_index("名称"), rep.table("en").set_index("title")
    assert zh.loc["by point", "定位依据"] == "117.19000, 35.50000" and zh.loc["by point", "误差(公里)"] == "±0.05"
    assert zh.loc["by point", "乡镇(约)"] == "尼山镇" and en.loc["by point", "town (approx.)"] == "Nishan Town"
    assert zh.loc["by place", "定位依据"] == "尼山镇" and zh.loc["by place", "县市区"] == "曲阜市"
    assert en.loc["by place", "district"] == "Qufu City" or en.loc["by place", "district"].startswith("Qufu")
    assert zh.loc["by place", "误差(公里)"] == f"±{nishan['precision_m'] / 1000:g}"
    assert zh.loc["nowhere", "定位依据"] == "—" and zh.loc["nowhere", "乡镇(约)"] == "—"
    points = {p["title"]: p for p in rep.located_points()}
    assert set(points) == {"by point", "by place"}
    assert (points["by place"]["lon"], points["by place"]["lat"]) == pytest.approx((nishan["lon"], nishan["lat"]))


LATIN = re.compile(r"[A-Za-z]{2,}")
#: Latin words a Chinese message may hold: what the planner typed, ids, systems and formats.
ALLOWED_LATIN = {
    "CSV",
    "XLSX",
    "xlsx",
    "csv",
    "UTF",
    "GBK",
    "EPSG",
    "WGS",
    "GCJ",
    "BD",
    "CGCS",
    "Excel",
    "python",
    "layers",
    "changes",
    "list",
    "NaN",
}


def latin_outside(text: str, typed: set[str]) -> set[str]:
    return set(LATIN.findall(text)) - ALLOWED_LATIN - typed


@pytest.mark.parametrize(
    "row, typed",
    [
        (["", "3", "", "", ""], set()),  # no title
        (["p", "xx", "", "", ""], {"xx"}),  # no such action
        (["p", "3", "Gotham", "", ""], {"Gotham"}),  # no such district
        (["p", "3", "", "abc", "35.4"], {"abc"}),  # half a coordinate
        (["p", "3", "", "35.41", "116.58"], set()),  # swapped
        (["p", "3", "", "118.8", "32.0"], set()),  # far outside Jining
        (["p", "3", "兖州区", "116.58", "35.41"], set()),  # in another county: a warning
    ],
)
def test_row_messages_speak_chinese_in_the_chinese_view(row, typed):
    header = ["项目名称", "所属行动", "县区", "经度", "纬度"]
    rep = review(csv_bytes([row], header))
    (r,) = rep.rows
    assert r.message, row  # each case says something
    zh, en = r.message_in("zh"), r.message_in("en")
    assert latin_outside(zh, typed) == set(), zh
    assert re.search(r"[\u4e00-\u9fff]", zh) and zh != en
    assert en == r.message  # English stays what the command line prints
    assert list(rep.table("zh")["说明"]) == [zh]


@pytest.mark.parametrize(
    "data, name",
    [(b"", "a.csv"), (b"\x00\x01\x02\x03" * 100, "a.csv"), (b"PK\x03\x04 not a zip", "a.xlsx"), (b"a,b", "a.txt")],
)
def test_file_errors_speak_chinese_in_the_chinese_view(data, name):
    from layers._errors import describe

    with pytest.raises(ImportFileError) as info:
        read_table(data, name)
    zh = describe(info.value, "zh")
    assert latin_outside(zh, {name, "txt", "PK", "BadZipFile"}) == set(), zh
    assert describe(info.value, "en") == str(info.value)


# --- the review's steps, one at a time ---------------------------------------------------------
COLUMNS = {"title_zh": "名称", "action": "行动", "district": "县区", "place": "地点", "lon": "经度", "lat": "纬度"}


def cells_of(**cells):
    """A row (row 2) with these cells, under the headers of COLUMNS (and 年份 for the year)."""
    columns = dict(COLUMNS, year="年份")
    return read_cells(2, {columns[f]: v for f, v in cells.items()}, columns)


def test_read_fields_reports_each_bad_cell_under_its_own_column():
    cells = cells_of(title_zh="", action="11", year="twenty")
    fields = read_fields(cells)
    assert [p.field for p in cells.result.problems] == ["名称", "行动", "年份"]
    assert fields.action is None and fields.year == 2020 and fields.kind == "site"
    ok = cells_of(title_zh="新机场", action="乡村振兴攻坚行动", district="市外", year="2021")
    fields = read_fields(ok)
    assert not ok.result.problems and fields.declared_outside and fields.district is None
    assert (fields.title, fields.year) == ("新机场", 2021) and 1 <= fields.action <= 10


def test_read_coordinates_needs_two_numbers_or_none():
    assert read_coordinates(cells_of(lon="１１６.５", lat="35.4")) == (116.5, 35.4)
    none = cells_of(title_zh="x")
    assert read_coordinates(none) is None and not none.result.problems
    half = cells_of(lon="116.5")
    assert read_coordinates(half) is None
    assert [p.field for p in half.result.problems] == ["纬度"]


def test_locate_by_coordinates_refuses_a_far_point_unless_the_row_says_outside():
    far = cells_of(title_zh="x", action="3")
    loc = locate_by_coordinates(far, read_fields(far), 118.8, 32.0, "wgs84", county_names())
    assert [p.field for p in far.result.problems] == ["经度"] and "km outside Jining" in far.result.message
    outside = cells_of(title_zh="x", action="3", district="市外")
    loc = locate_by_coordinates(outside, read_fields(outside), 118.8, 32.0, "wgs84", county_names())
    assert not outside.result.problems and (loc.form, loc.precision, loc.geometry) == ("outside", "outside", None)
    inside = cells_of(title_zh="x", action="3", district="兖州区")
    loc = locate_by_coordinates(inside, read_fields(inside), *TRUE, "wgs84", county_names())
    assert (loc.county, loc.precision, loc.precision_m) == ("370811", "site", 50.0)
    assert "not in 兖州区" in inside.result.message  # a warning, not a problem
    assert not inside.result.problems


def test_locate_by_place_never_guesses():
    def geocoder(status, precision="town"):
        hit = SimpleNamespace(
            status=status, lon=116.9, lat=35.4, precision=precision, precision_m=2000.0, county_adcode="370883",
            matched="大束镇", source="towns.csv", message="found in several counties",
        )  # fmt: skip
        return SimpleNamespace(geocode=lambda text: hit)

    names = county_names()
    found = cells_of(title_zh="x", action="3", place="大束镇")
    loc = locate_by_place(found, read_fields(found), names, geocoder("ok"))
    assert found.result.status == "geocoded" and loc.county == "370883" and loc.geometry is not None
    county_wide = cells_of(title_zh="x", action="3", district="邹城市")
    loc = locate_by_place(county_wide, read_fields(county_wide), names, geocoder("ok", "county"))
    assert (loc.form, loc.geometry) == ("county", None)
    unsure = cells_of(title_zh="x", action="3", place="城关镇")
    loc = locate_by_place(unsure, read_fields(unsure), names, geocoder("ambiguous"))
    assert [p.field for p in unsure.result.problems] == ["地点"] and loc.precision == "unresolved"


def test_match_stored_finds_the_second_row_and_a_changed_store():
    rec = {"id": "IMP-1", "title_zh": "x", "origin": "import"}
    seen: dict[str, int] = {}
    first = cells_of(title_zh="x")
    match_stored(first, rec, "site", seen, {"IMP-1": dict(rec, _version=3)})
    assert (first.result.status, first.result.version, first.result.record) == ("unchanged", 3, rec)
    assert seen == {"IMP-1": 2}
    again = cells_of(title_zh="x")
    match_stored(again, rec, "site", seen, {})
    assert again.result.status == "error" and again.result.record is None
    assert "same measure as row 2" in again.result.message
    changed = cells_of(title_zh="x")
    match_stored(changed, rec, "site", {}, {"IMP-1": dict(rec, title_zh="y", _version=4, _updated_by="张工")})
    assert changed.result.status == "conflict" and "张工" in changed.result.message
