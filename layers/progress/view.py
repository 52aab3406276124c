"""Progress as the app shows it: the lights joined to the measures, and a measure's plan,
latest report, milestone timeline and report history as rows of text.

Plain functions over frames and :class:`~layers.progress.model.Plan` /
:class:`~layers.progress.model.Report` objects, in either UI language; the app escapes
the text before it shows it (problems and sources are typed by people).
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from layers.labels import LIGHT_WORDS
from layers.progress.model import STATUSES, Plan, Report

#: The columns :func:`with_lights` adds to the measures.
LIGHT_COLUMNS = {
    "light": "light",
    "lag": "light_lag",
    "schedule": "light_schedule",
    "progress": "light_progress",
    "report_date": "light_report_date",
    "overdue": "light_overdue",
}


def with_lights(projects: pd.DataFrame, lights: pd.DataFrame, asof: dt.date | None = None) -> pd.DataFrame:
    """``projects`` with each measure's light as of the date ``lights`` was computed for
    (``lights_table``'s frame, indexed by id; ``asof``, kept in ``light_asof`` for the
    exports); a measure it does not list has no plan."""
    joined = lights.reindex(projects["id"].to_numpy())[list(LIGHT_COLUMNS)].rename(columns=LIGHT_COLUMNS)
    joined.index = projects.index
    joined["light"] = joined["light"].fillna("no_plan")
    joined["light_overdue"] = [v if isinstance(v, list) else [] for v in joined["light_overdue"]]
    joined["light_asof"] = asof.isoformat() if asof else ""
    return projects.assign(**{c: joined[c] for c in joined.columns})


def light_counts(selected: pd.DataFrame) -> dict[str, int]:
    """How many measures of ``selected`` have each light (every light, zero included)."""
    lights = selected["light"] if "light" in selected.columns else pd.Series("no_plan", index=selected.index)
    counts = lights.value_counts()
    return {code: int(counts.get(code, 0)) for code in LIGHT_WORDS}


def pct_text(v) -> str:
    """形象进度 as shown and printed: "45%", or "—" when unknown."""
    return "—" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:g}%"


def _leader(leader: str, zh: bool) -> str:
    if not leader:
        return ""
    return f"(牵头:{leader})" if zh else f" (lead: {leader})"


def milestone_lines(plan: Plan, asof: dt.date, lang: str) -> list[str]:
    """The plan's milestones by due date, each marked met (✓), overdue (✗) or to come (○) as of ``asof``."""
    zh = lang == "zh"
    lines = []
    for m in sorted(plan.milestones, key=lambda m: m.due):
        if m.met_by(asof):
            mark, note = "✓", (f"{m.met} 完成" if zh else f"met {m.met}")
        elif m.due < asof:
            mark, note = "✗", (f"逾期 {(asof - m.due).days} 天" if zh else f"{(asof - m.due).days} days overdue")
        else:
            mark, note = "○", ("未到期" if zh else "to come")
        due = f"到期 {m.due}" if zh else f"due {m.due}"
        lines.append(f"{mark} {m.name}:{due},{note}" if zh else f"{mark} {m.name}: {due}, {note}")
    return lines


def report_line(r: Report, lang: str) -> str:
    """One report in one line: date, status, 形象进度 (and the investment made)."""
    status = STATUSES.get(r.status, {}).get(lang, r.status)
    money = (
        ""
        if r.invested is None
        else (f",投资完成 {r.invested:g} 万元" if lang == "zh" else f", invested {r.invested:g}")
    )
    return f"{r.date} {status} {pct_text(r.progress)}{money}"


def progress_details(plan: Plan | None, reports: list[Report], row: dict, asof: dt.date, lang: str = "zh"):
    """The detail panel's progress rows for one measure as of ``asof``: its light (``row``:
    its ``lights_table`` row), the plan, the latest report, the milestones and the report
    history up to ``asof``, as (label, text) pairs."""
    zh = lang == "zh"
    light = LIGHT_WORDS.get(row.get("light") or "no_plan", {}).get(lang, "")
    rows = [("进度灯" if zh else "Light", f"{light}(截至 {asof})" if zh else f"{light} (as of {asof})")]
    if plan is None:
        return rows + [("计划" if zh else "Plan", "尚未填报计划" if zh else "no plan reported yet")]
    money = (
        ""
        if plan.investment is None
        else (f",计划投资 {plan.investment:g} 万元" if zh else f", {plan.investment:g} planned")
    )
    rows += [
        ("责任单位" if zh else "Responsible unit", plan.unit + _leader(plan.leader, zh)),
        ("计划" if zh else "Plan", f"{plan.start} — {plan.end}{money}"),
        (
            "序时进度 / 形象进度" if zh else "Schedule / progress",
            f"{pct_text(row.get('schedule'))} / {pct_text(row.get('progress'))}",
        ),
    ]
    seen = [r for r in sorted(reports, key=lambda r: r.date) if r.date <= asof]
    if seen:
        last = seen[-1]
        latest = report_line(last, lang)
        extra = [x for x in (last.problems, last.source, last.reporter) if x]
        rows.append(("最新报告" if zh else "Latest report", latest + ("\n" + " · ".join(extra) if extra else "")))
    if plan.milestones:
        rows.append(("节点" if zh else "Milestones", "\n".join(milestone_lines(plan, asof, lang))))
    if len(seen) > 1:
        rows.append(("报告记录" if zh else "Reports", "\n".join(report_line(r, lang) for r in reversed(seen))))
    return rows


#: The kinds of change (layers.progress.changes) in words.
CHANGE_KIND_WORDS = {
    "light": {"zh": "进度灯变化", "en": "light changed"},
    "milestone_met": {"zh": "节点完成", "en": "milestone met"},
    "milestone_overdue": {"zh": "节点逾期", "en": "milestone overdue"},
    "stale": {"zh": "转为未报告", "en": "went unreported"},
}
CHANGE_COLUMNS = {
    "zh": ["日期", "编号", "措施", "变化", "由", "变为"],
    "en": ["date", "id", "measure", "change", "from", "to"],
}


def changes_table(changes: list[dict], titles: dict[str, str], lang: str = "zh") -> pd.DataFrame:
    """The changes of a period (``changes_between``) as the app's table: date, id, the
    measure's title, the kind in words, and from → to (lights in words, milestones by name)."""
    from layers.labels import LIGHT_SHORT

    def word(v: str) -> str:
        return LIGHT_SHORT[v][lang] if v in LIGHT_SHORT else v or "—"

    rows = [
        [
            str(c["date"]),
            c["id"],
            titles.get(c["id"], ""),
            CHANGE_KIND_WORDS[c["kind"]][lang],
            word(c["from"]),
            word(c["to"]),
        ]
        for c in changes
    ]
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS[lang])
