"""``python -m layers progress template|import|lights``: the reporting round trip on the
command line, on both store backends, with its exit codes and one-line errors."""

import csv
import datetime as dt
import getpass
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from layers.__main__ import main
from layers.edits.store import Store
from layers.progress import store as progress

ROOT = Path(__file__).resolve().parents[1]
D = dt.date


def run(capsys, *argv) -> tuple[int, str, str]:
    rc = main([str(a) for a in argv])
    out = capsys.readouterr()
    return rc, out.out, out.err


def fill(path: Path, cells: dict, append: dict | None = None) -> Path:
    wb = load_workbook(path)
    for sheet, values in cells.items():
        for ref, value in values.items():
            wb[sheet][ref] = value
    for sheet, rows in (append or {}).items():
        for row in rows:
            wb[sheet].append(row)
    wb.save(path)
    return path


def row_of(path: Path, sheet: str, mid: str) -> int:
    ws = load_workbook(path)[sheet]
    return next(r[0].row for r in ws.iter_rows(min_row=2) if r[0].value == mid)


def test_template_import_and_lights_round_trip(store_target, tmp_path, capsys):
    book = tmp_path / "填报表.xlsx"
    rc, out, _ = run(capsys, "progress", "template", "--out", book, "--store", store_target, "--asof", "2020-12-31")
    assert rc == 0 and f"wrote {book}" in out
    r = row_of(book, "计划", "A03-01")
    fill(
        book,
        {"计划": {f"C{r}": "示例单位", f"E{r}": D(2020, 2, 1), f"F{r}": D(2020, 12, 31)}},
        {"节点": [["A03-01", "", "主体完工", D(2020, 10, 31)]]},
    )
    fill(book, {"进度": {f"C{r}": D(2020, 12, 25), f"D{r}": "在建", f"E{r}": 45}})
    rc, out, _ = run(capsys, "progress", "import", book, "--dry-run", "--store", store_target, "--asof", "2020-12-31")
    assert rc == 0 and "A03-01: no_plan → red" in out and "dry run: nothing saved" in out
    with Store(store_target, read_only=True) as s:
        assert progress.plans(s) == {}
    rc, out, _ = run(capsys, "progress", "import", book, "--store", store_target, "--as", "张工")
    assert rc == 0 and "saved 2 rows (1 plan(s), 1 report(s))" in out, out
    with Store(store_target, read_only=True) as s:
        (report,) = progress.reports(s, "A03-01")
        assert report.reporter == "张工"  # --as names the reporter; the audit names who ran it
        assert set(s.history()["who"]) == {f"os:{getpass.getuser()}"}
    rc, out, _ = run(capsys, "progress", "lights", "--asof", "2020-12-31", "--store", store_target)
    records = {r["id"]: r for r in json.loads(out)}
    assert rc == 0 and len(records) >= 95
    assert records["A03-01"] == {
        "id": "A03-01",
        "light": "red",
        "lag": 55.0,
        "schedule": 100.0,
        "progress": 45.0,
        "status": "under_way",
        "report_date": "2020-12-25",
        "overdue": ["主体完工"],
    }
    assert records["A01-01"]["light"] == "no_plan" and records["A01-01"]["overdue"] == []
    rc, out, _ = run(capsys, "progress", "lights", "--asof", "2020-12-31", "--format", "csv", "--store", store_target)
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(out))}
    assert rc == 0 and list(rows["A03-01"]) == [
        "id",
        "light",
        "lag",
        "schedule",
        "progress",
        "status",
        "report_date",
        "overdue",
    ]
    assert rows["A03-01"]["light"] == "red" and rows["A03-01"]["overdue"] == "主体完工"
    rc, out, _ = run(capsys, "progress", "import", book, "--store", store_target)
    assert rc == 0 and "no change" in out  # imported again: every row unchanged


def test_rows_with_errors_exit_non_zero_naming_sheet_row_and_field(tmp_path, capsys):
    book = tmp_path / "t.xlsx"
    run(capsys, "progress", "template", "--out", book)
    r = row_of(book, "进度", "A03-01")
    fill(book, {"进度": {f"C{r}": D(2020, 6, 30), f"D{r}": "在建", f"E{r}": 120}})
    rc, out, err = run(capsys, "progress", "import", book)
    assert rc == 1 and f"sheet '进度', row {r}, field '形象进度': 120 is outside 0-100" in out
    assert err.startswith("error: some rows have errors") and "nothing was saved" in err
    with Store(read_only=True) as s:
        assert progress.reports(s, "A03-01") == []


def test_conflicts_need_a_choice_on_the_command_line(tmp_path, capsys):
    with Store() as s:
        rec = {
            "measure_id": "A03-01",
            "date": "2020-06-30",
            "status": "under_way",
            "progress": 30.0,
            "reporter": "李工",
        }
        s.save_progress([("report", rec)], "李工")
    book = tmp_path / "t.xlsx"
    run(capsys, "progress", "template", "--out", book, "--asof", "2020-07-31")
    fill(book, {"进度": {f"E{row_of(book, '进度', 'A03-01')}": 35}})
    rc, out, err = run(capsys, "progress", "import", book)
    assert rc == 1 and "conflict" in out and "--on-conflict keep, replace or skip" in err
    rc, out, _ = run(capsys, "progress", "import", book, "--on-conflict", "keep")
    assert rc == 0 and "no change" in out
    rc, out, _ = run(capsys, "progress", "import", book, "--on-conflict", "replace")
    assert rc == 0 and "saved 1 rows" in out
    with Store(read_only=True) as s:
        assert [r.progress for r in progress.reports(s, "A03-01")] == [35.0]


def test_a_milestone_named_like_a_formula_is_defused_in_the_csv(capsys):
    plan = {"measure_id": "A03-01", "unit": "u", "start": "2020-01-01", "end": "2020-12-31"}
    plan["milestones"] = [{"name": "=cmd|' /C calc'!A0", "due": "2020-03-01", "met": None}]
    with Store() as s:
        s.save_progress([("plan", plan)], "李工")
    rc, out, _ = run(capsys, "progress", "lights", "--asof", "2020-06-30", "--format", "csv")
    row = next(r for r in csv.DictReader(io.StringIO(out)) if r["id"] == "A03-01")
    assert rc == 0 and row["overdue"] == "'=cmd|' /C calc'!A0" and row["light"] == "stale"


def test_bad_arguments_are_one_error_line(tmp_path, capsys):
    rc, _, err = run(capsys, "progress", "template", "--out", tmp_path / "t.xlsx", "--unit", "市交通局")
    assert rc == 2 and err.count("\n") == 1 and err.startswith("error: no measure's plan names the unit '市交通局'")
    rc, _, err = run(capsys, "progress", "import", tmp_path / "missing.xlsx")
    assert rc == 2 and err.startswith("error: No such file") and "Traceback" not in err
    (tmp_path / "list.csv").write_text("编号\nA03-01\n", encoding="utf-8")
    rc, _, err = run(capsys, "progress", "import", tmp_path / "list.csv")
    assert rc == 2 and "sheets 计划, 节点 and 进度" in err
    with pytest.raises(SystemExit) as info:
        main(["progress", "lights", "--asof", "2020-02-30"])
    assert info.value.code == 2 and "is not a date" in capsys.readouterr().err


def test_the_progress_help_lists_every_subcommands_options():
    res = subprocess.run(
        [sys.executable, "-m", "layers", "progress", "--help"], cwd=ROOT, capture_output=True, text=True
    )
    assert res.returncode == 0
    for option in ("--out", "--unit", "--asof", "--lang", "--on-conflict", "--as", "--dry-run", "--format", "--store"):
        assert option in res.stdout, option
