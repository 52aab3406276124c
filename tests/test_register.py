import re

import pandas as pd
import pytest

from layers import RegisterError, load_register, validate_register
from layers.geo.register import FIELDS, read_register

GOOD = dict(
    id="A03-90",
    action="3",
    title_zh="测试",
    title_en="Test",
    summary_zh="打通39条断头路",
    kind="programme",
    form="city",
    place="",
    target="39",
    target_unit="条",
    year="2020",
    section="都市区融合攻坚行动",
)


def frame(*rows):
    """A register of GOOD rows with distinct ids, each updated by one dict of changes."""
    recs = [{**GOOD, "id": f"A03-{90 + i}", **r} for i, r in enumerate(rows)]
    return pd.DataFrame(recs, columns=list(FIELDS))


def test_committed_register_is_valid_and_covers_the_article():
    reg = load_register()
    assert 60 <= len(reg) <= 100
    assert sorted(reg["action"].unique()) == list(range(1, 11))
    assert reg["id"].is_unique


def test_every_summary_quotes_the_article(article):
    flat = re.sub(r"\s", "", article)
    for rec in load_register().itertuples():
        assert re.sub(r"\s", "", rec.summary_zh) in flat, rec.id


@pytest.mark.parametrize(
    "needle, action, form",
    [
        ("尼山世界文明论坛配套工程", 2, "point"),
        ("济宁科技创新谷", 10, "point"),
        ("太白湖金融中心", 10, "point"),
        ("颜店新城会展中心", 10, "point"),
        ("内环高架", 3, "point"),
        ("王母阁路跨线桥", 3, "point"),
        ("高速公路建设", 3, "line"),
        ("高铁建设", 3, "line"),
        ("运河主航道建设", 3, "line"),
        ("金乡鱼山", 4, "area"),
        ("泗水龙湾湖", 4, "area"),
        ("邹城大束", 4, "area"),
        ("尼山片区", 4, "area"),
        ("微山湖片区", 4, "area"),
        ("黄河滩区", 4, "area"),
        ("^运河文化带$", 4, "line"),
        ("泗河生态带", 4, "line"),
        ("第二届跨国公司领导人青岛峰会", 5, "outside"),
        ("国有企业改革三年行动", 8, "city"),
    ],
)
def test_named_measures_sit_under_the_right_action(needle, action, form):
    reg = load_register()
    hit = reg[reg["title_zh"].str.contains(needle)]
    assert len(hit) == 1, needle
    assert hit.iloc[0]["action"] == action
    assert hit.iloc[0]["form"] == form


@pytest.mark.parametrize("target, unit", [(39, "条"), (200, "个"), (14, "个"), (35, "个"), (20, "个")])
def test_targets_from_the_article(target, unit):
    reg = load_register()
    assert ((reg["target"] == target) & (reg["target_unit"] == unit)).sum() == 1


def test_valid_frame_has_no_problems():
    assert validate_register(frame({})) == []


@pytest.mark.parametrize(
    "change, field",
    [
        ({"id": ""}, "id"),
        ({"id": "X1"}, "id"),
        ({"id": "A04-01"}, "id"),  # does not start with its action A03
        ({"action": "11"}, "action"),
        ({"action": "three"}, "action"),
        ({"title_zh": ""}, "title_zh"),
        ({"title_en": ""}, "title_en"),
        ({"summary_zh": ""}, "summary_zh"),
        ({"kind": "castle"}, "kind"),
        ({"form": "polygon"}, "form"),
        ({"form": "line", "kind": "reform", "place": "泗河"}, "kind"),
        ({"form": "point", "place": ""}, "place"),
        ({"target": "-3"}, "target"),
        ({"target": "many"}, "target"),
        ({"target": "", "target_unit": "条"}, "target"),
        ({"target": "5", "target_unit": ""}, "target_unit"),
        ({"year": "20x0"}, "year"),
        ({"year": "1899"}, "year"),
        ({"section": "乡村振兴攻坚行动"}, "section"),
    ],
)
def test_each_kind_of_bad_row_is_reported_with_row_and_field(change, field):
    problems = validate_register(frame({}, change))
    assert [(p.row, p.field) for p in problems] == [(3, field)]
    assert problems[0].message


def test_duplicate_id_names_the_first_row():
    problems = validate_register(frame({}, {"id": "A03-90"}))
    assert len(problems) == 1 and problems[0].row == 3 and "row 2" in problems[0].message


def test_all_problems_are_reported_at_once(tmp_path):
    bad = frame({"kind": "castle"}, {"year": "x"}, {"form": "?"})
    path = tmp_path / "reg.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(RegisterError) as exc:
        load_register(path)
    assert [(p.row, p.field) for p in exc.value.problems] == [(2, "kind"), (3, "year"), (4, "form")]
    assert "row 3, field 'year'" in str(exc.value)


def test_missing_column_is_one_clear_problem():
    problems = validate_register(frame({}).drop(columns=["place"]))
    assert [(p.row, p.field) for p in problems] == [(1, "place")]


def test_non_utf8_file_says_how_to_save_it(tmp_path):
    path = tmp_path / "gbk.csv"
    frame({"title_zh": "济宁"}).to_csv(path, index=False, encoding="gbk")
    with pytest.raises(RegisterError, match="CSV UTF-8"):
        read_register(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(RegisterError, match="empty"):
        read_register(path)


def test_excel_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.csv"
    frame({}).to_csv(path, index=False, encoding="utf-8-sig")
    assert list(read_register(path).columns) == list(FIELDS)
