"""The reporting workbook (挂图作战 填报表): a template to fill in, read back by
``layers.progress.workbook_import``.

Three sheets with fixed headers, in Chinese (the template's default) or English (``lang="en"``);
the import reads either, so a file may also be made by hand:

=========  ===================================================================================
计划 plan   编号 id, 名称 title, 责任单位 unit, 牵头领导 leader, 计划开工 planned_start,
            计划完工 planned_end, 计划投资 planned_investment (万元)
节点        编号 id, 名称 title, 节点名称 milestone, 到期日期 due, 完成日期 met
milestones
进度        编号 id, 名称 title, 填报日期 report_date, 状态 status, 形象进度 progress (0-100),
reports     投资完成 invested (万元), 存在问题 problems, 来源 source
=========  ===================================================================================

名称 / title is there for the reader's orientation only and is ignored on import; 牵头领导 /
leader and the money columns are optional. The reporter is never a column: it is the
signed-in account that imports the file.

:func:`template` writes the workbook for some measures, pre-filled from the store (each
measure's plan, its milestones, its latest report on or before the as-of date), with data
validation (a dropdown of the statuses, 形象进度 0-100, dates 2015-2040, money ≥ 0), every text
cell defused (``layers._text.defuse``), readable column widths and the header row frozen.
:func:`write_workbook` writes given rows the same way (the example workbook of
``scripts/make_progress_example.py``).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from layers._errors import Msg
from layers._text import defuse
from layers.progress.model import EARLIEST, LATEST, MAX_MONEY, STATUSES


@dataclass(frozen=True)
class Column:
    field: str
    zh: str
    en: str
    kind: str  # id, title, text, date, money, percent, status
    width: int
    aliases: tuple[str, ...] = ()


_ID = Column("id", "编号", "id", "id", 12, ("measure_id", "项目编号", "措施编号"))
_TITLE = Column("title", "名称", "title", "title", 36, ("项目名称", "措施名称"))

#: The three sheets: key -> (Chinese name, English name, columns in the template's order).
SHEETS: dict[str, tuple[str, str, tuple[Column, ...]]] = {
    "plan": (
        "计划",
        "plan",
        (
            _ID,
            _TITLE,
            Column("unit", "责任单位", "unit", "text", 22),
            Column("leader", "牵头领导", "leader", "text", 12),
            Column("start", "计划开工", "planned_start", "date", 12, ("start",)),
            Column("end", "计划完工", "planned_end", "date", 12, ("end",)),
            Column("investment", "计划投资", "planned_investment", "money", 14, ("investment",)),
        ),
    ),
    "milestones": (
        "节点",
        "milestones",
        (
            _ID,
            _TITLE,
            Column("name", "节点名称", "milestone", "text", 26, ("name",)),
            Column("due", "到期日期", "due", "date", 12),
            Column("met", "完成日期", "met", "date", 12),
        ),
    ),
    "reports": (
        "进度",
        "reports",
        (
            _ID,
            _TITLE,
            Column("date", "填报日期", "report_date", "date", 12, ("date",)),
            Column("status", "状态", "status", "status", 14),
            Column("progress", "形象进度", "progress", "percent", 10),
            Column("invested", "投资完成", "invested", "money", 12),
            Column("problems", "存在问题", "problems", "text", 40),
            Column("source", "来源", "source", "text", 30),
        ),
    ),
}
#: Other names a sheet is known by (compared after :func:`name_key`).
SHEET_ALIASES = {"plan": ("plans",), "milestones": ("milestone",), "reports": ("report", "progress")}
#: Columns a sheet with rows must have.
REQUIRED = {
    "plan": ("id", "unit", "start", "end"),
    "milestones": ("id", "name", "due"),
    "reports": ("id", "date", "status", "progress"),
}

#: Data validation and number formats per kind of column.
_FORMATS = {"date": "yyyy-mm-dd", "money": "#,##0.00", "percent": "0.0"}
#: The rows a template's data validations cover (the import reads no more).
VALIDATED_ROWS = 10_001


def name_key(text) -> str:
    """A sheet name or header as compared: NFKC, case-folded, no spaces, underscores or
    unit suffix in brackets (计划投资(万元) is 计划投资)."""
    t = unicodedata.normalize("NFKC", str(text or "")).strip().casefold()
    for sep in ("(", "["):
        t = t.split(sep)[0]
    return t.replace(" ", "").replace("_", "").replace("\u3000", "")


def sheet_key(name: str) -> str | None:
    """Which of :data:`SHEETS` a sheet's name says (Chinese, English or an alias), or None."""
    k = name_key(name)
    for key, (zh, en, _cols) in SHEETS.items():
        if k in {name_key(zh), name_key(en), *map(name_key, SHEET_ALIASES[key])}:
            return key
    return None


def header_lookup(key: str) -> dict[str, str]:
    """A sheet's headers as compared (:func:`name_key`) -> field."""
    return {name_key(h): c.field for c in SHEETS[key][2] for h in (c.zh, c.en, c.field, *c.aliases)}


def headers(key: str, lang: str = "zh") -> list[str]:
    """A sheet's headers in the template's order, in ``lang``."""
    return [c.zh if lang == "zh" else c.en for c in SHEETS[key][2]]


def sheet_name(key: str, lang: str = "zh") -> str:
    return SHEETS[key][0] if lang == "zh" else SHEETS[key][1]


def status_words(lang: str = "zh") -> list[str]:
    """The statuses as the template's dropdown lists them (each read back by ``parse_status``)."""
    return [w[lang] for w in STATUSES.values()]


# -- the template's rows ------------------------------------------------------------------


def _day(text) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _titles(projects, lang: str) -> dict[str, str]:
    """Measure id -> its title in ``lang`` (the Chinese one when there is no English)."""
    if projects is None or not len(projects):
        return {}
    zh = projects["title_zh"] if "title_zh" in projects else [""] * len(projects)
    en = projects["title_en"] if lang == "en" and "title_en" in projects else [""] * len(projects)
    return {str(i): str(e or z or "") for i, z, e in zip(projects["id"], zh, en, strict=True)}


def _stored(store, asof: dt.date) -> tuple[dict[str, dict], dict[str, dict]]:
    """The stored plans and each measure's latest report on or before ``asof`` (records)."""
    if store is None:
        return {}, {}
    from layers.edits import progress_db

    plans = progress_db.plan_records(store._db)
    latest = progress_db.latest_reports(store._db, asof.isoformat())
    return plans, {mid: json.loads(rec) for mid, rec in zip(latest["measure_id"], latest["record"], strict=True)}


def template_rows(projects, *, unit=None, asof=None, store=None, lang="zh") -> dict[str, list[dict]]:
    """The template's rows by sheet (:data:`SHEETS` keys; each row a dict by field): one
    plan row and one report row per measure of ``projects`` (its stored values, or only its
    id and title), its stored milestones. ``unit``: only the measures whose stored plan's
    责任单位 is ``unit``; a ValueError when there are none."""
    asof = asof or dt.date.today()
    plans, latest = _stored(store, asof)
    titles = _titles(projects, lang)
    ids = list(titles) if titles else []
    if unit is not None:
        ids = [i for i in ids if plans.get(i, {}).get("unit") == unit]
        if not ids:
            units = sorted({p.get("unit", "") for p in plans.values()} - {""})
            raise ValueError(
                Msg(
                    f"no measure's plan names the unit {unit!r}; units in the store: {', '.join(units) or 'none'}",
                    f"没有措施的计划写明责任单位“{unit}”;已有的责任单位:{'、'.join(units) or '无'}",
                )
            )
    rows: dict[str, list[dict]] = {"plan": [], "milestones": [], "reports": []}
    for mid in ids:
        head = {"id": mid, "title": titles[mid]}
        plan = plans.get(mid) or {}
        rows["plan"].append({**head, **_plan_cells(plan)})
        for m in sorted(plan.get("milestones") or [], key=lambda m: (m.get("due") or "", m.get("name") or "")):
            rows["milestones"].append(
                {**head, "name": m.get("name"), "due": _day(m.get("due")), "met": _day(m.get("met"))}
            )
        rows["reports"].append({**head, **_report_cells(latest.get(mid) or {}, lang)})
    return rows


def _plan_cells(plan: dict) -> dict:
    return {
        "unit": plan.get("unit"),
        "leader": plan.get("leader"),
        "start": _day(plan.get("start")),
        "end": _day(plan.get("end")),
        "investment": plan.get("investment"),
    }


def _report_cells(rep: dict, lang: str) -> dict:
    if not rep:
        return {}
    return {
        "date": _day(rep.get("date")),
        "status": STATUSES.get(rep.get("status"), {}).get(lang, rep.get("status")),
        "progress": rep.get("progress"),
        "invested": rep.get("invested"),
        "problems": rep.get("problems"),
        "source": rep.get("source"),
    }


# -- writing ------------------------------------------------------------------------------


def template(projects, out_path_or_buffer=None, *, unit=None, asof=None, store=None, lang: str = "zh"):
    """The reporting workbook for ``projects`` (a frame with ``id``, ``title_zh``, ``title_en``),
    pre-filled from ``store`` (a :class:`~layers.edits.store.Store`, read only; None: empty)
    as of ``asof`` (default today); ``unit`` keeps the measures whose plan names that
    责任单位. Written to a path (atomically; returns the Path), into a buffer, or returned
    as bytes (no ``out_path_or_buffer``, or a buffer)."""
    rows = template_rows(projects, unit=unit, asof=asof, store=store, lang=lang)
    return write_workbook(rows, out_path_or_buffer, lang=lang)


def write_workbook(rows: dict[str, list[dict]], out=None, *, lang: str = "zh"):
    """Write the three sheets with ``rows`` (by sheet key, each row a dict by field): headers
    in ``lang``, every text cell defused, data validation, widths, the header row frozen."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for key in SHEETS:
        _write_sheet(wb.create_sheet(sheet_name(key, lang)), key, rows.get(key, []), lang)
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    if out is None:
        return data
    if hasattr(out, "write"):
        out.write(data)
        return data
    from layers._io import atomic_write

    return atomic_write(Path(out), lambda p: p.write_bytes(data))


def _write_sheet(ws, key: str, rows: list[dict], lang: str) -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    columns = SHEETS[key][2]
    ws.append([defuse(h) for h in headers(key, lang)])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE6F0")
    for row in rows:
        ws.append([_cell(row.get(c.field), c) for c in columns])
    for i, c in enumerate(columns, 1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = c.width
        fmt = _FORMATS.get(c.kind)
        if fmt:
            for (cell,) in ws.iter_rows(min_row=2, max_row=len(rows) + 1, min_col=i, max_col=i):
                cell.number_format = fmt
        dv = _validation(c, lang)
        if dv is not None:
            ws.add_data_validation(dv)
            dv.add(f"{letter}2:{letter}{VALIDATED_ROWS}")
    ws.freeze_panes = "A2"


def _cell(value, column: Column):
    """A cell's value: dates as dates, numbers as numbers, text defused; NaN as empty."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if column.kind in ("date", "money", "percent") and not isinstance(value, str):
        return value
    return defuse(str(value))


def _validation(column: Column, lang: str):
    """The data validation of a column (None: free text)."""
    from openpyxl.utils.datetime import to_excel
    from openpyxl.worksheet.datavalidation import DataValidation

    zh = lang == "zh"
    if column.kind == "status":
        words = status_words(lang)
        dv = DataValidation(type="list", formula1='"' + ",".join(words) + '"', allow_blank=True)
        dv.error = ("请从下拉列表选择:" if zh else "choose one of: ") + "、".join(words)
    elif column.kind == "percent":
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True)
        dv.error = "形象进度为 0 到 100 之间的数(%)" if zh else "progress is a number from 0 to 100 (%)"
    elif column.kind == "money":
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2=f"{MAX_MONEY:.0f}")
        dv.allow_blank = True
        dv.error = "金额为不小于 0 的数(万元)" if zh else "an amount of at least 0 (10,000 yuan)"
    elif column.kind == "date":
        first, last = int(to_excel(EARLIEST)), int(to_excel(LATEST))
        dv = DataValidation(type="date", operator="between", formula1=str(first), formula2=str(last), allow_blank=True)
        dv.error = (
            f"请填 {EARLIEST.year}—{LATEST.year} 年的日期,如 2020-06-30"
            if zh
            else f"a date in {EARLIEST.year}-{LATEST.year}, e.g. 2020-06-30"
        )
    else:
        return None
    dv.showErrorMessage = True
    dv.errorTitle = "填写有误" if zh else "not accepted"
    return dv
