"""Reading a filled reporting workbook (``layers.progress.workbook``) and checking its rows.

:func:`read_workbook` opens an uploaded XLSX with the list import's bounds
(``layers.edits.import_read.check_file_bounds``: size, inflated parts, declared sheet sizes)
before openpyxl sees it, then reads the three sheets (计划/plan, 节点/milestones, 进度/reports,
found by name in either language) as typed cells, at most ``MAX_ROWS`` rows and ``MAX_COLS``
columns each, no cell over ``MAX_CELL_CHARS`` characters. Formulas are never evaluated: a
formula cell is the value Excel stored for it, or empty.

:func:`check_plan`, :func:`check_milestone` and :func:`check_report` read one row each into
a record as ``Store.save_progress`` takes it (dates as ISO text), leaving a
:class:`SheetProblem` (sheet, row as Excel numbers it, the file's header, message in English
and Chinese) for every cell that is not valid. The review of the whole workbook (unknown
measures, duplicates, milestones without a plan, the stored rows) is
``layers.progress.workbook_review``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from layers._errors import Msg, Problem
from layers._text import _formula_like, clean_text
from layers.edits.import_read import (
    _UNREADABLE,
    MAX_BYTES,
    MAX_CELL_CHARS,
    MAX_COLS,
    MAX_ROWS,
    ImportFileError,
    _failer,
    _open_workbook,
    _too_large,
    _unreadable_xlsx,
    check_file_bounds,
)
from layers.progress.model import LIMITS, MAX_MONEY, STATUSES, check_dates, parse_status, read_number
from layers.progress.workbook import SHEETS, header_lookup, name_key, sheet_key


@dataclass(frozen=True)
class SheetProblem(Problem):
    """A problem in one cell of the workbook: the sheet (as the file names it) besides the row
    and the field (the file's header)."""

    sheet: str = ""

    def __str__(self) -> str:
        return f"sheet '{self.sheet}', {Problem.__str__(self)}"

    def text(self, lang: str = "en") -> str:
        if lang != "zh":
            return str(self)
        return f"“{self.sheet}”表" + Problem.text(self, "zh")


@dataclass
class Sheet:
    """One sheet as read: its key (:data:`~layers.progress.workbook.SHEETS`), its name in the
    file, the file's header of each field, and its non-empty rows (Excel's row number, the
    cells by field)."""

    key: str
    name: str
    columns: dict[str, str]
    rows: list[tuple[int, dict]]
    unknown: list[str] = field(default_factory=list)
    header_row: int = 1


# -- reading ------------------------------------------------------------------------------


def load_file(path: str | Path) -> bytes:
    """A workbook's bytes from disk: never a directory, a device or more than the size limit."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(2, "No such file or directory", str(path))
    if not path.is_file():
        raise ImportFileError(path.name, [Problem(0, "(file)", "this is not a regular file; give an .xlsx file")])
    if path.stat().st_size > MAX_BYTES:
        _failer(path.name)(*_too_large(path.stat().st_size))
    with path.open("rb") as f:
        return f.read(MAX_BYTES + 1)


def read_workbook(data: bytes, filename: str) -> dict[str, Sheet]:
    """The workbook's sheets by key, read within the list import's bounds (checked before
    openpyxl opens the bytes). Raises :class:`ImportFileError` (one message, both languages)."""
    fail = _failer(filename)
    check_file_bounds(data, filename)
    if Path(filename).suffix.lower() != ".xlsx":
        fail(
            "the progress workbook is an .xlsx file with the sheets 计划, 节点 and 进度 (make one with "
            "'python -m layers progress template')",
            "进度填报表应为含“计划”“节点”“进度”工作表的 .xlsx 文件(可用 python -m layers progress template 生成)",
        )
    wb = _open_workbook(data, fail)
    try:
        found: dict[str, list[str]] = {}
        for name in wb.sheetnames:
            key = sheet_key(name)
            if key:
                found.setdefault(key, []).append(name)
        _check_sheets(found, wb.sheetnames, fail)
        return {key: _read_sheet(wb[names[0]], key, names[0], fail) for key, names in found.items()}
    except ImportFileError:
        raise
    except _UNREADABLE as exc:
        fail(*_unreadable_xlsx(exc))
    finally:
        wb.close()


def _check_sheets(found: dict[str, list[str]], names: list[str], fail) -> None:
    if not found:
        fail(
            f"no sheet named 计划, 节点 or 进度 (plan, milestones, reports); the sheets are: {', '.join(names)}",
            f"没有名为“计划”“节点”或“进度”的工作表;现有工作表:{'、'.join(names)}",
        )
    for names_of_key in found.values():
        if len(names_of_key) > 1:
            fail(
                f"the sheets {', '.join(names_of_key)} are the same sheet in two languages; keep one",
                f"工作表“{'”“'.join(names_of_key)}”是同一张表的两种语言;请只保留一张",
            )


def _read_sheet(ws, key: str, name: str, fail) -> Sheet:
    """One sheet's rows: never more than the bounds, whatever the sheet declares."""
    rows = list(ws.iter_rows(values_only=True, max_row=MAX_ROWS + 2, max_col=MAX_COLS))
    if len(rows) > MAX_ROWS + 1:
        fail(
            f"sheet {name!r} reaches beyond row {MAX_ROWS + 1:,}; at most {MAX_ROWS:,} rows — delete the empty rows "
            "below the list, or split it",
            f"工作表“{name}”超过第 {MAX_ROWS + 1:,} 行;最多 {MAX_ROWS:,} 行:请删除下方的空行,或拆分",
        )
    numbered = [(i, r) for i, r in enumerate(rows, 1) if any(not _blank(v) for v in r)]
    if not numbered:
        return Sheet(key, name, {}, [])
    head_row, head = numbered[0]
    lookup = header_lookup(key)
    columns, index, unknown = {}, {}, []
    for j, h in enumerate(head):
        text = clean_text(h)
        f = lookup.get(name_key(text)) if text else None
        if f and f not in columns:
            columns[f], index[f] = text, j
        elif text:
            unknown.append(text)
    body = []
    for i, r in numbered[1:]:
        for j, v in enumerate(r):
            if isinstance(v, str) and len(v) > MAX_CELL_CHARS:
                fail(
                    f"sheet {name!r}, row {i}, column {clean_text(head[j]) or j + 1!r} holds more than "
                    f"{MAX_CELL_CHARS:,} characters; shorten it",
                    f"工作表“{name}”第 {i} 行“{clean_text(head[j]) or j + 1}”列超过 {MAX_CELL_CHARS:,} 个字;请缩短",
                )
        body.append((i, {f: r[j] if j < len(r) else None for f, j in index.items()}))
    return Sheet(key, name, columns, body, unknown, head_row)


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# -- one row ------------------------------------------------------------------------------


@dataclass
class Cells:
    """One row under review: its sheet, Excel's row number, its cells by field, the file's
    header of each field, and the problems found so far."""

    sheet: Sheet
    row: int
    values: dict
    problems: list[SheetProblem] = field(default_factory=list)

    def header(self, f: str) -> str:
        """The file's header of ``f``, or the template's Chinese one when the file has none."""
        return self.sheet.columns.get(f) or next(c.zh for c in SHEETS[self.sheet.key][2] if c.field == f)

    def bad(self, f: str, en: str, zh: str) -> None:
        self.problems.append(SheetProblem(self.row, self.header(f), Msg(en, zh), self.sheet.name))

    def text(self, f: str, required: bool = False) -> str:
        """Clean text (a template's defusing apostrophe before a formula-like text removed),
        within ``LIMITS``; an error when over the bound or empty but ``required``."""
        value = self.values.get(f)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = clean_text(value)
        if text.startswith("'") and _formula_like(text[1:]):
            text = text[1:]
        limit = LIMITS.get(f)
        if limit and len(text) > limit:
            self.bad(f, f"{len(text):,} characters; at most {limit:,}", f"有 {len(text):,} 个字;最多 {limit:,} 个字")
        elif required and not text:
            self.bad(f, "empty; fill it in", "为空;请填写")
        return text

    def date(self, f: str, required: bool = False) -> str | None:
        """An ISO date (``model.check_dates``: a date cell, 2020-06-30, 2020/6/30 or 2020年6月30日)."""
        rec, problems = {f: self.values.get(f)}, []
        check_dates(rec, (f,), problems)
        for _f, msg in problems:
            self.bad(f, str(msg), msg.zh)
        if rec[f] is None and required and not problems:
            self.bad(f, "empty; write a date such as 2020-06-30", "为空;请填写日期,如 2020-06-30")
        return rec[f].isoformat() if rec[f] else None

    def number(self, f: str, high: float, required: bool = False) -> float | None:
        """A number from 0 to ``high``; None when empty (an error when ``required``)."""
        value = self.values.get(f)
        try:
            n = read_number(value)
        except (TypeError, ValueError):
            self.bad(f, f"{value!r} is not a number", f"“{value}”不是数字")
            return None
        if n is None:
            if required:
                self.bad(f, "empty; write a number", "为空;请填写数字")
            return None
        if not 0 <= n <= high:
            self.bad(f, f"{n:g} is outside 0-{high:g}", f"{n:g} 不在 0—{high:g} 之间")
            return None
        return n


def measure_id(cells: Cells, ids: dict[str, str]) -> str | None:
    """The row's measure id as the register writes it (``ids``: normalised id -> id), or None
    with an error when it is empty or not a measure of the register."""
    from layers.edits.validate import normalise_id

    text = cells.text("id")
    if not text:
        cells.bad("id", "empty; write the measure's id, e.g. A03-01", "为空;请填写措施编号,如 A03-01")
        return None
    mid = ids.get(normalise_id(text))
    if mid is None:
        cells.bad(
            "id",
            f"{text!r} is not a measure of the register; use the ids of the template",
            f"“{text}”不是名录中的措施;请使用模板中的编号",
        )
    return mid


def check_plan(cells: Cells, mid: str | None) -> dict | None:
    """A plan row as a record (milestones added by the review), or None when it has errors."""
    rec = {
        "measure_id": mid,
        "unit": cells.text("unit", required=True),
        "leader": cells.text("leader"),
        "start": cells.date("start", required=True),
        "end": cells.date("end", required=True),
        "investment": cells.number("investment", MAX_MONEY),
        "milestones": [],
    }
    if rec["start"] and rec["end"] and rec["end"] < rec["start"]:
        cells.bad(
            "end",
            f"the planned end {rec['end']} is before the planned start {rec['start']}",
            f"计划完工 {rec['end']} 早于计划开工 {rec['start']}",
        )
    return None if cells.problems or mid is None else rec


def check_milestone(cells: Cells, mid: str | None, today: dt.date) -> dict | None:
    """A milestone row as ``{name, due, met}``, or None when it has errors."""
    rec = {"name": cells.text("name", required=True), "due": cells.date("due", required=True), "met": cells.date("met")}
    if rec["met"] and rec["met"] > today.isoformat():
        cells.bad("met", f"{rec['met']} is after today ({today})", f"{rec['met']} 晚于今天({today})")
    return None if cells.problems or mid is None else rec


def check_report(cells: Cells, mid: str | None, today: dt.date, reporter: str) -> dict | None:
    """A report row as a record (``reporter``: the signed-in account, never the file's), or
    None when it has errors."""
    date = cells.date("date", required=True)
    if date and date > today.isoformat():
        cells.bad(
            "date",
            f"{date} is after the import day ({today}); a report speaks for a day that has come",
            f"{date} 晚于导入当天({today});填报日期不能是将来的日期",
        )
    word = cells.text("status", required=True)
    status = parse_status(word) if word else None
    if word and status is None:
        cells.bad(
            "status",
            f"{word!r} is not a status; use one of: {', '.join(STATUSES)}",
            f"“{word}”不是状态;请填写:{'、'.join(w['zh'] for w in STATUSES.values())}",
        )
    rec = {
        "measure_id": mid,
        "date": date,
        "status": status,
        "progress": cells.number("progress", 100, required=True),
        "invested": cells.number("invested", MAX_MONEY),
        "problems": cells.text("problems"),
        "source": cells.text("source"),
        "reporter": reporter,
    }
    return None if cells.problems or mid is None else rec


def filled(values: dict) -> bool:
    """Whether a row holds more than its id and title (the template's unfilled lines do not)."""
    return any(not _blank(v) for f, v in values.items() if f not in ("id", "title"))
