"""The reporting workbook (挂图作战 填报表): the template and its data validations, the round
trip template → fill → import → save, every row error named by sheet, row and field in both
languages, the lower-progress warning, conflicts (keep, replace, skip), one batch and one
undo, the preview of the lights that change, hostile workbooks, and the fictional example."""

import datetime as dt
import importlib.util
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from records import xlsx_with

from layers._errors import DataError
from layers.edits.import_read import MAX_CELL_CHARS, MAX_ROWS, ImportFileError
from layers.edits.import_report import ImportConflictError
from layers.edits.store import ConflictError, Store
from layers.progress import store as progress
from layers.progress.model import STATUSES
from layers.progress.workbook import template
from layers.progress.workbook_review import review_workbook

ROOT = Path(__file__).resolve().parents[1]
D = dt.date
TODAY = D(2021, 1, 15)
PROJECTS = pd.DataFrame(
    {
        "id": ["A03-01", "A03-02", "A04-01"],
        "title_zh": ["示例甲", "示例乙", "示例丙"],
        "title_en": ["Example A", "Example B", ""],
    }
)


@pytest.fixture
def store(store_target):
    with Store(store_target) as s:
        yield s


def fill(data: bytes, cells: dict | None = None, append: dict | None = None) -> bytes:
    """The workbook ``data`` with ``cells`` ({sheet: {"C2": value}}) set and ``append``
    ({sheet: [row, …]}) added below, saved as openpyxl saves (no cached formula values)."""
    wb = load_workbook(io.BytesIO(data))
    for sheet, values in (cells or {}).items():
        for ref, value in values.items():
            wb[sheet][ref] = value
    for sheet, rows in (append or {}).items():
        for row in rows:
            wb[sheet].append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def review(data, store=None, **kw):
    kw.setdefault("today", TODAY)
    return review_workbook(data, "填报表.xlsx", PROJECTS, reporter=kw.pop("reporter", "王工"), store=store, **kw)


START, END, JUNE = D(2020, 3, 1), D(2021, 2, 28), D(2020, 6, 30)


def plan_row(mid="A03-01", unit="市住建局", start=START, end=END, investment=1200):
    return [mid, "", unit, "", start, end, investment]


def report_row(mid="A03-01", date=JUNE, status="在建/推进中", pct=30, invested=None, problems="", source=""):
    return [mid, "", date, status, pct, invested, problems, source]


def saved_plan(mid="A03-01", unit="市住建局", milestones=()):
    return (
        "plan",
        {"measure_id": mid, "unit": unit, "start": "2020-03-01", "end": "2021-02-28", "milestones": list(milestones)},
    )


def saved_report(mid="A03-01", date="2020-06-30", pct=30.0, **kw):
    rec = {"measure_id": mid, "date": date, "status": "under_way", "progress": pct, "reporter": "李工"}
    return ("report", {**rec, **kw})


# -- the template --------------------------------------------------------------------------


def test_the_template_has_three_sheets_fixed_headers_validations_and_a_frozen_header():
    wb = load_workbook(io.BytesIO(template(PROJECTS)))
    assert wb.sheetnames == ["计划", "节点", "进度"]
    assert [c.value for c in wb["计划"][1]] == [
        "编号",
        "名称",
        "责任单位",
        "牵头领导",
        "计划开工",
        "计划完工",
        "计划投资",
    ]
    assert [c.value for c in wb["节点"][1]] == ["编号", "名称", "节点名称", "到期日期", "完成日期"]
    assert [c.value for c in wb["进度"][1]] == [
        *("编号", "名称", "填报日期", "状态", "形象进度", "投资完成", "存在问题", "来源"),
    ]
    assert [r[0].value for r in wb["计划"].iter_rows(min_row=2)] == ["A03-01", "A03-02", "A04-01"]
    assert wb["计划"]["B2"].value == "示例甲"  # the title, for orientation only
    rules = {str(dv.sqref).split(":")[0]: dv for dv in wb["进度"].data_validations.dataValidation}
    status, pct, money, day = rules["D2"], rules["E2"], rules["F2"], rules["C2"]
    assert status.type == "list" and status.formula1 == '"' + ",".join(w["zh"] for w in STATUSES.values()) + '"'
    assert (pct.type, pct.operator, pct.formula1, pct.formula2) == ("decimal", "between", "0", "100")
    assert money.type == "decimal" and money.formula1 == "0"
    assert (day.type, day.formula1, day.formula2) == ("date", "42005", "51501")  # 2015-01-01 .. 2040-12-31
    assert all(dv.showErrorMessage and dv.error for dv in (status, pct, money, day))
    plan_rules = {str(dv.sqref).split(":")[0]: dv.type for dv in wb["计划"].data_validations.dataValidation}
    assert plan_rules == {"E2": "date", "F2": "date", "G2": "decimal"}
    for ws in wb:
        assert ws.freeze_panes == "A2"
        assert all(ws.column_dimensions[c].width >= 10 for c in "ABC")


def test_english_headers_are_written_and_read():
    data = template(PROJECTS, lang="en")
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["plan", "milestones", "reports"]
    assert [c.value for c in wb["reports"][1]] == [
        *("id", "title", "report_date", "status", "progress", "invested", "problems", "source"),
    ]
    assert wb["plan"]["B3"].value == "Example B" and wb["plan"]["B4"].value == "示例丙"  # no English: Chinese
    filled = fill(
        data,
        {"plan": {"C2": "市住建局", "E2": D(2020, 3, 1), "F2": D(2021, 2, 28)}},
        {"milestones": [["A03-01", "", "开工", D(2020, 4, 1), None]], "reports": [report_row(status="under way")]},
    )
    rev = review(filled)
    assert not rev.has_errors, rev.text()
    assert [k for k, _r in rev.to_save()] == ["plan", "report"]
    assert rev.to_save()[1][1]["status"] == "under_way"


def test_the_template_is_prefilled_from_the_store_as_of_a_date_and_by_unit(store):
    milestone = {"name": "开工", "due": "2020-04-01", "met": "2020-03-28"}
    store.save_progress(
        [
            saved_plan(milestones=[milestone]),
            saved_plan("A03-02", unit="市水务局"),
            saved_report(date="2020-06-30", pct=30.0, problems="资金未到位"),
            saved_report(date="2020-09-30", pct=55.0),
        ],
        "李工",
    )
    wb = load_workbook(io.BytesIO(template(PROJECTS, store=store, asof=D(2020, 7, 31))))
    plan = [c.value for c in wb["计划"][2]]
    assert plan[:6] == ["A03-01", "示例甲", "市住建局", None, dt.datetime(2020, 3, 1), dt.datetime(2021, 2, 28)]
    assert [c.value for c in wb["节点"][2]] == [
        "A03-01",
        "示例甲",
        "开工",
        dt.datetime(2020, 4, 1),
        dt.datetime(2020, 3, 28),
    ]
    report = [c.value for c in wb["进度"][2]]
    assert report[2:5] == [dt.datetime(2020, 6, 30), "在建/推进中", 30] and report[6] == "资金未到位"
    assert [c.value for c in wb["进度"][4]][2:] == [None] * 6  # A04-01: no report yet, a line to fill
    only = load_workbook(io.BytesIO(template(PROJECTS, store=store, unit="市水务局")))
    assert [r[0].value for r in only["计划"].iter_rows(min_row=2)] == ["A03-02"]
    with pytest.raises(ValueError) as info:
        template(PROJECTS, store=store, unit="市交通局")
    assert "市住建局" in str(info.value) and "没有措施" in info.value.args[0].zh


def test_text_cells_are_defused_and_come_back_as_typed(store):
    hostile = '=HYPERLINK("http://evil.example/x","点击")'
    store.save_progress([saved_plan(unit="+市住建局"), saved_report(problems=hostile, source="@source")], "李工")
    data = template(PROJECTS, store=store, asof=D(2020, 7, 31))
    wb = load_workbook(io.BytesIO(data))
    assert wb["计划"]["C2"].value == "'+市住建局" and wb["计划"]["C2"].data_type == "s"
    assert wb["进度"]["G2"].value == "'" + hostile and wb["进度"]["H2"].value == "'@source"
    rev = review(data, store)  # the defusing apostrophe is not part of the text
    assert not rev.has_errors and rev.counts() == {"unchanged": 2}, rev.text()


# -- the round trip ------------------------------------------------------------------------


def test_template_fill_import_save_and_read_back(store):
    data = fill(
        template(PROJECTS, store=store),
        {"计划": {"C2": "市住建局", "D2": "张副市长", "E2": D(2020, 3, 1), "F2": "2021/2/28", "G2": 1200}},
        {
            "节点": [
                ["A03-01", "", "开工", D(2020, 4, 1), "2020年3月28日"],
                ["A03-01", "", "主体完工", D(2020, 12, 31)],
            ],
            "进度": [report_row(date=D(2020, 9, 30), pct="55%", invested="1,000", problems="无", source="月报")],
        },
    )
    data = fill(data, {"进度": {"C2": D(2020, 6, 30), "D2": "在建", "E2": 30}})
    rev = review(data, store, reporter="王工")
    assert not rev.has_errors and rev.counts() == {"ok": 5}, rev.text()
    rows = rev.to_save()
    assert rows[0] == (
        "plan",
        {
            "measure_id": "A03-01",
            "unit": "市住建局",
            "leader": "张副市长",
            "start": "2020-03-01",
            "end": "2021-02-28",
            "investment": 1200.0,
            "milestones": [
                {"name": "开工", "due": "2020-04-01", "met": "2020-03-28"},
                {"name": "主体完工", "due": "2020-12-31", "met": None},
            ],
        },
    )
    assert rows[2] == (
        "report",
        {
            "measure_id": "A03-01",
            "date": "2020-09-30",
            "status": "under_way",
            "progress": 55.0,
            "invested": 1000.0,
            "problems": "无",
            "source": "月报",
            "reporter": "王工",
        },
    )
    assert rev.save(store, "王工")
    assert [r.progress for r in progress.reports(store, "A03-01")] == [30.0, 55.0]
    (plan,) = progress.plans(store).values()
    assert [m.name for m in plan.milestones] == ["开工", "主体完工"]
    # The next template holds what was saved: imported again, nothing changes.
    again = review(template(PROJECTS, store=store, asof=D(2020, 12, 31)), store)
    assert again.counts() == {"unchanged": 4} and again.to_save() == [], again.text()


def test_the_reporter_is_the_signed_in_account_never_the_file():
    wb = Workbook()
    ws = wb.active
    ws.title = "进度"
    ws.append(["编号", "填报日期", "状态", "形象进度", "填报人"])
    ws.append(["A03-01", "2020-06-30", "在建", 30, "冒名者"])
    buf = io.BytesIO()
    wb.save(buf)
    rev = review(buf.getvalue(), reporter="王工")
    assert rev.to_save()[0][1]["reporter"] == "王工"
    assert any("填报人" in n and "填报人" in n.zh for n in rev.notes)
    with pytest.raises(ValueError, match="reporter"):
        review(buf.getvalue(), reporter=" \u200b")


def test_unfilled_lines_of_the_template_are_skipped_not_errors():
    rev = review(template(PROJECTS))
    assert rev.rows == [] and rev.to_save() == [] and "no filled rows" in rev.text()


# -- errors, each naming sheet, row and field in both languages ----------------------------

ERRORS = [
    ("进度", report_row(mid="Z99-99"), "编号", "'Z99-99' is not a measure of the register", "不是名录中的措施"),
    ("进度", report_row(date=TODAY + dt.timedelta(days=1)), "填报日期", "after the import day", "晚于导入当天"),
    ("进度", report_row(pct=120), "形象进度", "120 is outside 0-100", "不在 0—100 之间"),
    ("进度", report_row(pct=-1), "形象进度", "-1 is outside 0-100", "不在 0—100 之间"),
    ("计划", plan_row(start=D(2020, 5, 1), end=D(2020, 4, 1)), "计划完工", "before the planned start", "早于计划开工"),
    ("进度", report_row(date="2020-13-45"), "填报日期", "is not a date", "不是日期"),
    ("计划", plan_row(start="下月"), "计划开工", "is not a date", "不是日期"),
    ("进度", report_row(date="2010-06-30"), "填报日期", "outside 2015-2040", "不在 2015—2040 年之间"),
    ("进度", report_row(pct="三成"), "形象进度", "is not a number", "不是数字"),
    ("计划", plan_row(investment="很多"), "计划投资", "is not a number", "不是数字"),
    ("进度", report_row(status="进行中"), "状态", "'进行中' is not a status", "不是状态"),
    ("进度", report_row(status=""), "状态", "empty", "为空"),
    ("节点", ["A03-02", "", "开工", D(2020, 4, 1), None], "编号", "has no plan", "没有计划"),
    ("计划", plan_row(unit="单" * 101), "责任单位", "101 characters; at most 100", "最多 100 个字"),
    ("进度", report_row(problems="问" * 2001), "存在问题", "2,001 characters; at most 2,000", "最多 2,000 个字"),
    ("进度", report_row(source="源" * 501), "来源", "at most 500", "最多 500 个字"),
    (
        "节点",
        ["A03-01", "", "开工", D(2020, 4, 1), TODAY + dt.timedelta(days=1)],
        "完成日期",
        "after today",
        "晚于今天",
    ),
]


@pytest.mark.parametrize(("sheet", "row", "field", "en", "zh"), ERRORS)
def test_every_error_names_sheet_row_and_field_in_both_languages(sheet, row, field, en, zh):
    base = [plan_row()] if sheet == "节点" and row[0] == "A03-01" else []
    wb = Workbook()
    wb.active.title = "计划"
    wb["计划"].append(["编号", "名称", "责任单位", "牵头领导", "计划开工", "计划完工", "计划投资"])
    for name, head in (("节点", ["编号", "名称", "节点名称", "到期日期", "完成日期"]),):
        wb.create_sheet(name).append(head)
    wb.create_sheet("进度").append(["编号", "名称", "填报日期", "状态", "形象进度", "投资完成", "存在问题", "来源"])
    for r in base:
        wb["计划"].append(r)
    wb[sheet].append(row)
    buf = io.BytesIO()
    wb.save(buf)
    rev = review(buf.getvalue())
    assert rev.has_errors
    (bad,) = [r for r in rev.rows if r.status == "error"]
    excel_row = 2  # the first row under the header
    assert (bad.sheet, bad.row) == (sheet, excel_row)
    (problem,) = [p for p in bad.problems if p.field == field]
    assert f"sheet '{sheet}', row {excel_row}, field '{field}'" in str(problem) and en in str(problem), str(problem)
    assert f"“{sheet}”表第 {excel_row} 行“{field}”列" in problem.text("zh") and zh in problem.text("zh")
    assert en in bad.message_in("en") and zh in bad.message_in("zh")
    with pytest.raises(DataError, match="problem"):
        rev.save(None, "王工")  # nothing is saved while a row has an error


def test_duplicates_and_missing_columns_are_errors_on_their_rows():
    data = fill(
        template(PROJECTS),
        {"计划": {"C2": "市住建局", "E2": D(2020, 3, 1), "F2": D(2021, 2, 28)}},
        {
            "计划": [plan_row()],
            "节点": [["A03-01", "", "开工", D(2020, 4, 1)], ["A03-01", "", "开工", D(2020, 5, 1)]],
            "进度": [report_row(), report_row(pct=40)],
        },
    )
    rev = review(data)
    errors = {(r.sheet, r.row): r.message_in("en") for r in rev.rows if r.status == "error"}
    assert "the same as row 2" in errors["计划", 5]
    assert "the same as row 2" in errors["节点", 3]
    assert "the same as row 5" in errors["进度", 6]
    wb = Workbook()
    wb.active.title = "进度"
    wb.active.append(["编号", "形象进度"])
    wb.active.append(["A03-01", 30])
    buf = io.BytesIO()
    wb.save(buf)
    (head,) = review(buf.getvalue()).rows
    assert head.row == 1 and {p.field for p in head.problems} == {"填报日期", "状态"}
    assert "没有这一列" in head.message_in("zh")


def test_a_lower_progress_than_the_previous_report_is_a_warning(store):
    store.save_progress([saved_plan(), saved_report(date="2020-06-30", pct=40.0)], "李工")
    data = fill(
        template(PROJECTS),
        append={"进度": [report_row(date=D(2020, 9, 30), pct=35), report_row(date=D(2020, 12, 31), pct=30)]},
    )
    rev = review(data, store)
    assert not rev.has_errors and [r.status for r in rev.rows] == ["ok", "ok"]
    first, second = rev.rows
    assert "35 % is lower than the 40 % reported for 2020-06-30" in first.message_in("en")  # the stored one
    assert "低于 2020-09-30 填报的 35%" in second.message_in("zh")  # the file's earlier row
    assert len(rev.to_save()) == 2  # a warning does not stop the import


# -- conflicts, one batch, undo -------------------------------------------------------------


def _changed_workbook(store):
    """The template of the stored plan and report, with the plan's unit and the report's
    progress changed, and one new report."""
    return fill(
        template(PROJECTS, store=store, asof=D(2020, 7, 31)),
        {"计划": {"C2": "市城管局"}, "进度": {"E2": 35}},
        {"进度": [report_row(date=D(2020, 9, 30), pct=60)]},
    )


@pytest.mark.parametrize("choice", ["keep", "skip", "replace"])
def test_conflicts_need_keep_replace_or_skip(store, choice):
    store.save_progress([saved_plan(), saved_report(pct=30.0)], "李工")
    rev = review(_changed_workbook(store), store)
    assert {(r.sheet, r.row): r.status for r in rev.rows} == {
        ("计划", 2): "conflict",
        ("进度", 2): "conflict",
        ("进度", 5): "ok",
    }
    assert "unit 市住建局 → 市城管局" in rev.rows[0].message_in("en")
    assert "形象进度 30 → 35" in rev.rows[1].message_in("zh")
    with pytest.raises(ImportConflictError) as info:
        rev.to_save()
    assert "sheet '计划', row 2" in str(info.value)
    assert rev.save(store, "王工", choice)
    (plan,) = progress.plans(store).values()
    reports = progress.reports(store, "A03-01")
    if choice == "replace":
        assert plan.unit == "市城管局" and [r.progress for r in reports] == [35.0, 60.0]
    else:
        assert plan.unit == "市住建局" and [r.progress for r in reports] == [30.0, 60.0]


def test_milestone_rows_alone_update_the_stored_plan_and_a_plan_row_alone_keeps_them(store):
    milestone = {"name": "开工", "due": "2020-04-01", "met": None}
    store.save_progress([saved_plan(milestones=[milestone])], "李工")
    met = fill(template(PROJECTS), append={"节点": [["A03-01", "", "开工", D(2020, 4, 1), D(2020, 3, 28)]]})
    rev = review(met, store)
    assert [r.status for r in rev.rows] == ["conflict"] and "milestones" in rev.rows[0].message_in("en")
    assert list(rev.table("zh").columns) == ["工作表", "行号", "状态", "编号", "说明"]
    assert rev.table("zh").loc[0, "状态"] == "冲突"
    (plan,) = [r for k, r in rev.to_save("replace")]
    assert plan["unit"] == "市住建局" and plan["milestones"] == [{**milestone, "met": "2020-03-28"}]
    unit = fill(template(PROJECTS), {"计划": {"C2": "市城管局", "E2": START, "F2": END}})
    (plan,) = [r for k, r in review(unit, store).to_save("replace")]
    assert plan["unit"] == "市城管局" and plan["milestones"] == [milestone]


def test_a_workbook_is_one_batch_and_one_undo(store):
    store.save_progress([saved_report(date="2020-05-31", pct=5.0)], "李工")
    data = fill(
        template(PROJECTS),
        {"计划": {"C2": "市住建局", "E2": D(2020, 3, 1), "F2": D(2021, 2, 28)}},
        {"节点": [["A03-01", "", "开工", D(2020, 4, 1)]], "进度": [report_row(), report_row(mid="A04-01")]},
    )
    batch = review(data, store).save(store, "王工")
    hist = store.history()
    assert set(hist.loc[hist["batch"] == batch, "what"]) == {"plan", "report"}
    assert (hist["batch"] == batch).sum() == 3
    assert store.undo_last("王工") == batch
    assert progress.plans(store) == {}
    assert [r.date for r in progress.reports(store, "A03-01")] == [D(2020, 5, 31)]  # 李工's stays
    assert progress.reports(store, "A04-01") == []


def test_a_change_saved_after_the_review_is_a_conflict_and_nothing_is_written(store):
    data = fill(template(PROJECTS), append={"进度": [report_row(), report_row(mid="A04-01")]})
    rev = review(data, store)
    store.save_progress([saved_report(pct=31.0)], "李工")  # somebody else, in between
    with pytest.raises(ConflictError):
        rev.save(store, "王工")
    assert [r.progress for r in progress.reports(store, "A03-01")] == [31.0]
    assert progress.reports(store, "A04-01") == []


def test_the_preview_says_which_lights_change(store):
    store.save_progress([saved_plan(), saved_report(date="2020-06-30", pct=10.0)], "李工")
    asof = D(2020, 7, 1)
    assert progress.lights_asof(store, ["A03-01"], asof).loc["A03-01", "light"] == "yellow"
    data = fill(
        template(PROJECTS),
        {"计划": {"C3": "市水务局", "E3": D(2020, 1, 1), "F3": D(2020, 12, 31)}},
        {
            "节点": [["A03-02", "", "开工", D(2020, 3, 1)]],  # not met, 122 days late: red
            "进度": [report_row(date=D(2020, 7, 1), pct=40), report_row(mid="A03-02", date=D(2020, 6, 30), pct=50)],
        },
    )
    rev = review(data, store, asof=asof)
    assert rev.light_changes() == [("A03-01", "yellow", "blue"), ("A03-02", "no_plan", "red")]
    rev.save(store, "王工")
    after = progress.lights_asof(store, ["A03-01", "A03-02"], asof)["light"].to_dict()
    assert after == {"A03-01": "blue", "A03-02": "red"}  # the preview said what saving did
    assert review(data, store, asof=asof).light_changes() == []


# -- hostile workbooks ---------------------------------------------------------------------


def test_a_zip_bomb_is_refused_before_openpyxl_opens_it(monkeypatch):
    import openpyxl

    bomb = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
    data = xlsx_with({"xl/sharedStrings.xml": bomb + b"x" * (60 * 2**20) + b"</t></si></sst>"})
    assert len(data) < 1_000_000
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("openpyxl opened the bomb"))
    with pytest.raises(ImportFileError, match="inflate"):
        review(data)


def test_a_sheet_declaring_millions_of_rows_is_refused():
    sheet = zipfile.ZipFile(io.BytesIO(xlsx_with({}))).read("xl/worksheets/sheet1.xml")
    huge = sheet.replace(b'<dimension ref="A1:B2"/>', b'<dimension ref="A1:B2000000"/>')
    assert huge != sheet
    with pytest.raises(ImportFileError, match="declares 2,000,000 rows"):
        review(xlsx_with({"xl/worksheets/sheet1.xml": huge}))


def test_too_many_rows_or_too_long_a_cell_is_refused_naming_the_sheet():
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("进度")
    ws.append(["编号", "填报日期", "状态", "形象进度"])
    for _ in range(MAX_ROWS + 1):
        ws.append(["A03-01", "2020-06-30", "在建", 30])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(ImportFileError, match="sheet '进度' reaches beyond row 10,001"):
        review(buf.getvalue())
    data = fill(template(PROJECTS), append={"进度": [report_row(problems="长" * (MAX_CELL_CHARS + 1))]})
    with pytest.raises(ImportFileError) as info:
        review(data)
    assert "sheet '进度', row 5" in str(info.value) and "第 5 行" in info.value.problems[0].message.zh


def test_formulas_are_never_evaluated_and_formula_text_stays_text():
    hostile = '=HYPERLINK("http://evil.example/x","点击")'
    data = fill(template(PROJECTS), append={"进度": [report_row(problems=hostile, source="=1+1")]})
    rev = review(data)  # openpyxl stored formulas without a cached value: the cells are empty
    (rec,) = [r for k, r in rev.to_save()]
    assert rec["problems"] == "" and rec["source"] == ""
    wb = load_workbook(io.BytesIO(data))
    cell = wb["进度"]["G5"]
    cell.value, cell.data_type = hostile, "s"  # typed as text: kept as text, never run
    buf = io.BytesIO()
    wb.save(buf)
    (rec,) = [r for k, r in review(buf.getvalue()).to_save()]
    assert rec["problems"] == hostile


@pytest.mark.parametrize(
    ("data", "name", "needle"),
    [
        (b"id,report_date\nA03-01,2020-06-30\n", "进度.csv", "is an .xlsx file with the sheets"),
        (b"PK\x03\x04 not a zip", "a.xlsx", "not a readable .xlsx workbook"),
        (b"", "a.xlsx", "empty"),
        (b"x", "a.ods", "not supported"),
    ],
)
def test_files_that_are_not_the_workbook_get_one_message(data, name, needle):
    with pytest.raises(ImportFileError, match=needle):
        review_workbook(data, name, PROJECTS, reporter="王工")


def test_a_workbook_without_the_three_sheets_says_which_it_needs():
    with pytest.raises(ImportFileError) as info:
        review(xlsx_with({}))
    assert "no sheet named 计划, 节点 or 进度" in str(info.value)
    assert "没有名为“计划”" in info.value.problems[0].message.zh


# -- the example ---------------------------------------------------------------------------


def _example_script():
    spec = importlib.util.spec_from_file_location("make_progress_example", ROOT / "scripts/make_progress_example.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_fictional_example_says_so_in_every_row_and_shows_five_lights(store, tmp_path):
    example = _example_script()
    path = ROOT / "docs" / "examples" / "progress_example.xlsx"
    data = path.read_bytes()
    wb = load_workbook(io.BytesIO(data))
    for ws, col in ((wb["计划"], 2), (wb["节点"], 2), (wb["进度"], 7)):
        values = [row[col].value for row in ws.iter_rows(min_row=2)]
        assert values and all("示例" in v for v in values), ws.title
    ids = list(example.EXPECTED)
    rev = review_workbook(data, path.name, ids, reporter="试用", store=store, asof=example.ASOF)
    assert not rev.has_errors, rev.text()
    assert {m: after for m, _before, after in rev.light_changes()} == example.EXPECTED
    rev.save(store, "试用")
    lights = progress.lights_asof(store, ids, example.ASOF)["light"].to_dict()
    assert lights == example.EXPECTED
    # The committed file holds what the script writes (regenerate with the script when it changes).
    fresh = load_workbook(io.BytesIO(example.main(tmp_path / "e.xlsx").read_bytes()))
    for name in wb.sheetnames:
        assert [[c.value for c in r] for r in wb[name].iter_rows()] == [
            [c.value for c in r] for r in fresh[name].iter_rows()
        ]
