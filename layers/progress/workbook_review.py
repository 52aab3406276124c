"""The review of a filled reporting workbook: what would be saved, what conflicts, which
lights change. Nothing is saved until :meth:`WorkbookReview.save`, which writes every row as
one batch (``Store.save_progress``: one transaction, one undo).

:func:`review_workbook` reads the file (``layers.progress.workbook_import``), checks every
row, then the workbook as a whole:

- an id that is not a measure of the register, a second row for one plan, one milestone or
  one report (measure and date), milestones of a measure with no plan (in the file or the
  store), more than ``LIMITS["milestones"]`` milestones: errors naming sheet, row and field;
- a measure's milestones are the 节点 rows of that measure when there are any; a plan row
  with none keeps the stored plan's milestones; 节点 rows without a plan row update the
  stored plan's milestones;
- a report whose 形象进度 is lower than the measure's previous one (the latest earlier report,
  in the file or the store): a warning;
- a plan or a report (measure and date) already stored with other values: a ``conflict``
  that needs keep, replace or skip (``layers.edits.import_report.CONFLICT_CHOICES``), as in
  the list import; the same values: ``unchanged``, not saved again.

:meth:`WorkbookReview.light_changes` compares every touched measure's light as of the
review's as-of date before and after the rows that would be saved.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import pandas as pd

from layers._errors import DataError, Msg, in_lang
from layers.edits.import_report import CONFLICT_CHOICES, STATUS_LABELS, ImportConflictError
from layers.progress.model import LIMITS
from layers.progress.workbook import SHEETS
from layers.progress.workbook_import import (
    Cells,
    Sheet,
    SheetProblem,
    check_milestone,
    check_plan,
    check_report,
    filled,
    measure_id,
    read_workbook,
)

#: A field's words for messages: field -> (Chinese, English).
_WORDS = {c.field: (c.zh, c.en) for _zh, _en, cols in SHEETS.values() for c in cols} | {
    "milestones": ("节点", "milestones")
}


@dataclass
class RowReview:
    """One row of the workbook: its sheet (as the file names it), Excel's row number, what it
    is (plan, milestone, report), the measure, its status (ok, unchanged, conflict, error),
    the key of what it saves (``progress_db.key_of``), its problems and warnings."""

    sheet: str
    row: int
    kind: str
    id: str = ""
    status: str = "ok"
    key: str = ""
    problems: list[SheetProblem] = field(default_factory=list)
    warnings: list[Msg] = field(default_factory=list)

    def message_in(self, lang: str = "en") -> str:
        sep = ";" if lang == "zh" else "; "
        return sep.join([p.text(lang) for p in self.problems] + [in_lang(w, lang) for w in self.warnings])


@dataclass
class Item:
    """A plan or a report to save, its status against the store, the version the review saw
    (0: not stored) and the rows it comes from."""

    kind: str
    record: dict
    rows: list[RowReview]
    status: str = "ok"
    version: int = 0


@dataclass
class Stored:
    """What the store holds of the measures a workbook touches: plans and reports (records,
    reports by date) and the versions of the keys to save."""

    plans: dict[str, dict] = field(default_factory=dict)
    reports: dict[str, dict[str, dict]] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    checked: bool = False  # read from a store (else the review saw none, and expects nothing)

    @classmethod
    def load(cls, store, ids: set[str]) -> Stored:
        if store is None:
            return cls()
        from layers.edits import progress_db

        # A short list is one IN query; a long one reads every plan once (bounded parameter lists).
        every = progress_db.plan_records(store._db, sorted(ids) if len(ids) <= 500 else None)
        plans = {m: r for m, r in every.items() if m in ids}
        reports = {}
        for mid in sorted(ids):
            rows = progress_db.reports_of(store._db, mid)
            reports[mid] = {d: json.loads(r) for d, r in zip(rows["date"], rows["record"], strict=True)}
        return cls(plans, reports, {}, True)


def _num(value) -> float | None:
    return None if value is None or value != value else float(value)


def _norm(kind: str, rec: dict) -> dict:
    """What a conflict compares: a plan's or report's values (never the reporter)."""
    if kind == "plan":
        return {
            "unit": rec.get("unit") or "",
            "leader": rec.get("leader") or "",
            "start": rec.get("start"),
            "end": rec.get("end"),
            "investment": _num(rec.get("investment")),
            "milestones": sorted(
                (m.get("name") or "", m.get("due") or "", m.get("met") or "") for m in rec.get("milestones") or []
            ),
        }
    return {
        "status": rec.get("status"),
        "progress": _num(rec.get("progress")),
        "invested": _num(rec.get("invested")),
        "problems": rec.get("problems") or "",
        "source": rec.get("source") or "",
    }


def _show(value) -> str:
    if value is None or value == "":
        return "—"
    return f"{value:g}" if isinstance(value, float) else str(value)[:40]


def _differs(kind: str, old: dict, new: dict) -> Msg:
    """What differs between the stored plan or report and the row's, field by field."""
    a, b = _norm(kind, old), _norm(kind, new)
    parts = [(f, _show(a[f]), _show(b[f])) for f in a if a[f] != b[f]]
    en = ", ".join(f"{_WORDS[f][1]}" + ("" if f == "milestones" else f" {x} → {y}") for f, x, y in parts)
    zh = "、".join(f"{_WORDS[f][0]}" + ("" if f == "milestones" else f" {x} → {y}") for f, x, y in parts)
    what = ("plan", "计划") if kind == "plan" else ("report of this date", "该日期的填报")
    return Msg(
        f"the stored {what[0]} differs ({en}); choose keep, replace or skip",
        f"已保存的{what[1]}与此行不同({zh});请选择保留、替换或跳过",
    )


@dataclass
class WorkbookReview:
    """What :func:`review_workbook` returns: every row's review, the plans and reports to save
    by key, what the store held of them, the as-of date of the light preview, and notes."""

    rows: list[RowReview]
    items: dict[str, Item]
    stored: Stored
    asof: dt.date
    notes: list[Msg] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(r.status == "error" for r in self.rows)

    @property
    def problems(self) -> list[SheetProblem]:
        return [p for r in self.rows for p in r.problems]

    @property
    def conflicts(self) -> list[Item]:
        return [i for i in self.items.values() if i.status == "conflict"]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.rows:
            out[r.status] = out.get(r.status, 0) + 1
        return out

    def to_save(self, on_conflict: str | None = None) -> list[tuple[str, dict]]:
        """The rows for ``Store.save_progress``: new plans and reports, and with ``replace``
        the conflicting ones (``keep`` and ``skip`` leave the stored ones). Conflicts and no
        choice: :class:`ImportConflictError` naming their rows."""
        if self.conflicts and on_conflict not in CONFLICT_CHOICES:
            raise ImportConflictError(
                "(review)",
                [
                    SheetProblem(r.row, "编号/id", in_lang(r.warnings[-1], "en") if r.warnings else "conflict", r.sheet)
                    for i in self.conflicts
                    for r in i.rows
                    if r.status == "conflict"
                ],
            )
        take = {"ok", "conflict"} if on_conflict == "replace" else {"ok"}
        return [(i.kind, i.record) for i in self.items.values() if i.status in take]

    def expected_versions(self, rows: list[tuple[str, dict]]) -> dict[str, int]:
        """The version the review saw of each row to save: a change made in between is a
        ``ConflictError`` at saving, nothing written. Empty when the review saw no store."""
        from layers.edits.progress_db import key_of

        if not self.stored.checked:
            return {}
        return {key_of(k, r): self.items[key_of(k, r)].version for k, r in rows}

    def save(self, store, who: str, on_conflict: str | None = None) -> str | None:
        """Save the rows as one batch (one undo); the batch id, or None when nothing changes.
        Rows with errors: :class:`~layers._errors.DataError`, nothing saved."""
        if self.has_errors:
            raise DataError("(review)", self.problems)
        rows = self.to_save(on_conflict)
        if not rows:
            return None
        return store.save_progress(rows, who, expected=self.expected_versions(rows))

    def light_changes(self, on_conflict: str | None = None) -> list[tuple[str, str, str]]:
        """(id, light before, light after) of every measure whose light as of :attr:`asof`
        changes with the rows that would be saved (conflicts kept unless ``replace``)."""
        rows = self.to_save(on_conflict if on_conflict in CONFLICT_CHOICES else "keep")
        touched = sorted({r["measure_id"] for _k, r in rows})
        if not touched:
            return []
        plans = {m: self.stored.plans[m] for m in touched if m in self.stored.plans}
        reports = {m: dict(self.stored.reports.get(m, {})) for m in touched}
        before = _lights(touched, plans, reports, self.asof)
        for kind, rec in rows:
            if kind == "plan":
                plans[rec["measure_id"]] = rec
            else:
                reports[rec["measure_id"]][rec["date"]] = rec
        after = _lights(touched, plans, reports, self.asof)
        return [(m, before[m], after[m]) for m in touched if before[m] != after[m]]

    def table(self, lang: str = "en") -> pd.DataFrame:
        """The review as a table in ``lang``: sheet, row, status, id, message."""
        cols = (
            ["工作表", "行号", "状态", "编号", "说明"] if lang == "zh" else ["sheet", "row", "status", "id", "message"]
        )
        rows = [
            [r.sheet, r.row, STATUS_LABELS.get(r.status, {}).get(lang, r.status), r.id, r.message_in(lang) or "—"]
            for r in self.rows
        ]
        return pd.DataFrame(rows, columns=cols)

    def text(self, lang: str = "en") -> str:
        """The review as lines of text in ``lang`` (the command line prints it in English)."""
        sep = "," if lang == "zh" else ", "
        counts = sep.join(f"{STATUS_LABELS.get(k, {}).get(lang, k)} {v}" for k, v in sorted(self.counts().items()))
        if not self.rows:
            counts = "没有填写的行" if lang == "zh" else "no filled rows"
        lines = [(f"{len(self.rows)} 行:" if lang == "zh" else f"{len(self.rows)} rows; ") + counts]
        lines += [("说明:" if lang == "zh" else "note: ") + in_lang(n, lang) for n in self.notes]
        for r in self.rows:
            message = r.message_in(lang)
            status = STATUS_LABELS.get(r.status, {}).get(lang, r.status)
            lines.append(f"{r.sheet} {r.row:>5} {status:<9} {r.id:<12}" + (f" — {message}" if message else ""))
        return "\n".join(lines)


def _lights(ids: list[str], plans: dict[str, dict], reports: dict[str, dict[str, dict]], asof) -> dict[str, str]:
    """The light of each of ``ids`` as of ``asof`` from plan and report records."""
    from layers.progress.lights import lights_table, milestones_frame
    from layers.progress.store import plan_from_record

    latest = {}
    for mid, by_date in reports.items():
        seen = [d for d in by_date if d <= asof.isoformat()]
        if seen:
            rec = by_date[max(seen)]
            latest[mid] = {"date": rec["date"], "status": rec["status"], "progress": rec.get("progress")}
    frame = pd.DataFrame(
        list(latest.values()), index=pd.Index(list(latest), name="id"), columns=["date", "status", "progress"]
    )
    by_id = {m: plan_from_record(p) for m, p in plans.items()}
    table = pd.DataFrame(
        [{"start": p.start, "end": p.end} for p in by_id.values()],
        index=pd.Index(list(by_id), name="id"),
        columns=["start", "end"],
    )
    return lights_table(ids, table, frame, asof, milestones=milestones_frame(by_id))["light"].to_dict()


# -- the review ---------------------------------------------------------------------------

_KINDS = {"plan": "plan", "milestones": "milestone", "reports": "report"}


@dataclass
class _Found:
    """The rows read so far: every row's review, and the valid ones by what they are
    (each with its review and its cells, where a later problem goes)."""

    rows: list[RowReview] = field(default_factory=list)
    plans: dict[str, tuple] = field(default_factory=dict)  # id -> (record or None, review, cells)
    milestones: dict[str, list[tuple]] = field(default_factory=dict)  # id -> [(record, review, cells)]
    reports: dict[tuple[str, str], tuple] = field(default_factory=dict)  # (id, date) -> (record, review, cells)

    def ids(self) -> set[str]:
        return {*self.plans, *self.milestones, *(m for m, _d in self.reports)}


def review_workbook(
    data: bytes,
    filename: str,
    ids,
    *,
    reporter: str,
    store=None,
    today: dt.date | None = None,
    asof: dt.date | None = None,
) -> WorkbookReview:
    """Read and review a filled workbook. ``ids``: the measures of the register (ids, or a
    frame with ``id``); ``reporter``: the signed-in account, written on every report;
    ``store``: the store (read only) the rows are compared with; ``today``: the import day
    (no report after it); ``asof``: the day of the light preview (default ``today``).
    Raises ``ImportFileError`` for a file that cannot be read; row problems are in the review."""
    from layers._text import clean_text
    from layers.edits.validate import TEXT_LIMITS

    reporter = clean_text(reporter, TEXT_LIMITS["who"])
    if not reporter:
        raise ValueError(Msg("a report needs the signed-in account as its reporter", "填报人须为已登录的账号"))
    today = today or dt.date.today()
    sheets = read_workbook(data, filename)
    found = _Found()
    notes = _check_rows(sheets, _id_map(ids), today, reporter, found)
    stored = Stored.load(store, found.ids())
    items: dict[str, Item] = {}
    _plan_items(found, stored, items)
    _report_items(found, stored, items)
    _match(items, stored, store)
    return WorkbookReview(found.rows, items, stored, asof or today, notes)


def _id_map(ids) -> dict[str, str]:
    """Normalised id -> the register's id."""
    from layers.edits.validate import normalise_id

    values = ids["id"] if hasattr(ids, "columns") else ids
    return {normalise_id(i): str(i) for i in values}


def _check_rows(sheets: dict[str, Sheet], idmap: dict[str, str], today, reporter: str, found: _Found) -> list[Msg]:
    """Check every filled row of the three sheets into ``found``; the notes (ignored columns)."""
    from layers.progress.workbook import REQUIRED

    notes = []
    for key in SHEETS:
        sheet = sheets.get(key)
        if sheet is None:
            continue
        if sheet.unknown:
            notes.append(
                Msg(
                    f"sheet '{sheet.name}': columns ignored: {', '.join(sheet.unknown)}",
                    f"“{sheet.name}”表中忽略的列:{'、'.join(sheet.unknown)}",
                )
            )
        missing = [f for f in REQUIRED[key] if f not in sheet.columns]
        if missing and sheet.rows:
            head = Cells(sheet, sheet.header_row, {})
            for f in missing:
                head.bad(f, "no column for it; use the template's headers", "没有这一列;请使用模板的表头")
            found.rows.append(RowReview(sheet.name, sheet.header_row, _KINDS[key], "", "error", "", head.problems))
            continue
        for row, values in sheet.rows:
            if filled(values):
                _check_row(Cells(sheet, row, values), idmap, today, reporter, found)
    return notes


def _check_row(cells: Cells, idmap: dict[str, str], today, reporter: str, found: _Found) -> None:
    kind = _KINDS[cells.sheet.key]
    mid = measure_id(cells, idmap)
    if kind == "plan":
        rec = check_plan(cells, mid)
    elif kind == "milestone":
        rec = check_milestone(cells, mid, today)
    else:
        rec = check_report(cells, mid, today, reporter)
    rr = RowReview(cells.sheet.name, cells.row, kind, mid or cells.text("id"), problems=cells.problems)
    found.rows.append(rr)
    if mid is not None:
        _place(found, kind, mid, rec, rr, cells)
    if rr.problems:
        rr.status = "error"


def _duplicate(cells: Cells, f: str, first: int) -> None:
    cells.bad(f, f"the same as row {first}; remove one of them", f"与第 {first} 行重复;请删去其中一行")


def _place(found: _Found, kind: str, mid: str, rec: dict | None, rr: RowReview, cells: Cells) -> None:
    """File a checked row under its measure; a second row for one plan, milestone or report is an error."""
    if kind == "plan":
        if mid in found.plans:
            _duplicate(cells, "id", found.plans[mid][1].row)
        else:
            found.plans[mid] = (rec, rr, cells)
    elif rec is not None and kind == "milestone":
        same = [r for _rec, r, _c in found.milestones.get(mid, []) if _rec["name"] == rec["name"]]
        if same:
            _duplicate(cells, "name", same[0].row)
        else:
            found.milestones.setdefault(mid, []).append((rec, rr, cells))
    elif rec is not None:
        if (mid, rec["date"]) in found.reports:
            _duplicate(cells, "date", found.reports[mid, rec["date"]][1].row)
        else:
            found.reports[mid, rec["date"]] = (rec, rr, cells)


def _error(rr: RowReview, cells: Cells, f: str, en: str, zh: str) -> None:
    cells.bad(f, en, zh)
    rr.status = "error"


def _plan_items(found: _Found, stored: Stored, items: dict[str, Item]) -> None:
    """The plans to save: a plan row with the measure's 节点 rows (none: the stored
    milestones), or the stored plan with the 节点 rows; 节点 rows with no plan are errors."""
    from layers.edits.progress_db import plan_key

    for mid in dict.fromkeys([*found.plans, *found.milestones]):
        entry = found.plans.get(mid)
        if entry is not None and entry[0] is None:
            continue  # the plan row has errors of its own
        ms = found.milestones.get(mid, [])
        base = entry[0] if entry else stored.plans.get(mid)
        if base is None:
            for _rec, rr, cells in ms:
                _error(
                    rr,
                    cells,
                    "id",
                    f"{mid} has no plan (not on the plan sheet, none stored): add its plan first",
                    f"{mid} 没有计划(“计划”表中没有,也未保存过):请先填写计划",
                )
            continue
        for _rec, rr, cells in ms[LIMITS["milestones"] :]:
            limit = LIMITS["milestones"]
            _error(rr, cells, "name", f"more than {limit} milestones for {mid}", f"{mid} 的节点超过 {limit} 个")
        chosen = [r for r, _rr, _c in ms] or (stored.plans.get(mid) or {}).get("milestones") or []
        milestones = sorted(
            ({"name": m["name"], "due": m["due"], "met": m.get("met") or None} for m in chosen),
            key=lambda m: (m["due"], m["name"]),
        )
        keys = ("unit", "leader", "start", "end", "investment")
        record = {"measure_id": mid, **{k: base.get(k) for k in keys}, "milestones": milestones}
        record["leader"] = record["leader"] or ""
        rows = ([entry[1]] if entry else []) + [rr for _r, rr, _c in ms]
        items[plan_key(mid)] = Item("plan", record, rows)


def _report_items(found: _Found, stored: Stored, items: dict[str, Item]) -> None:
    """The reports to save; a 形象进度 lower than the measure's previous report (the latest
    earlier one, in the file or the store) is a warning."""
    from layers.edits.progress_db import report_key

    in_file: dict[str, dict[str, dict]] = {}
    for (mid, date), (rec, _rr, _c) in found.reports.items():
        in_file.setdefault(mid, {})[date] = rec
    for (mid, date), (rec, rr, _c) in found.reports.items():
        every = {**stored.reports.get(mid, {}), **in_file[mid]}
        earlier = [d for d in every if d < date]
        prev = every[max(earlier)] if earlier else None
        if prev and prev.get("progress") is not None and rec["progress"] < float(prev["progress"]):
            p, q, d = rec["progress"], float(prev["progress"]), prev["date"]
            rr.warnings.append(
                Msg(
                    f"形象进度 {p:g} % is lower than the {q:g} % reported for {d}; check it",
                    f"形象进度 {p:g}% 低于 {d} 填报的 {q:g}%;请核实",
                )
            )
        items[report_key(mid, date)] = Item("report", rec, [rr])


def _match(items: dict[str, Item], stored: Stored, store) -> None:
    """Each item against the store: ``ok`` (new), ``unchanged`` or ``conflict``; the version
    it saw; its rows take its status (unless they have errors)."""
    if store is not None:
        from layers.edits.progress_db import versions

        stored.versions = versions(store._db, list(items))
    for key, item in items.items():
        mid = item.record["measure_id"]
        if item.kind == "plan":
            old = stored.plans.get(mid)
        else:
            old = stored.reports.get(mid, {}).get(item.record["date"])
        item.version = stored.versions.get(key, 0)
        if old is not None:
            item.status = "unchanged" if _norm(item.kind, old) == _norm(item.kind, item.record) else "conflict"
        for rr in item.rows:
            rr.key = key
            if rr.status == "error":
                continue
            rr.status = item.status
            if item.status == "conflict":
                rr.warnings.append(_differs(item.kind, old, item.record))
