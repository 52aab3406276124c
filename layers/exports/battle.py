"""The 作战图 (battle map) table's content, shared by the PDF pages and the deck's slides.

One :class:`BattleRow` per measure of a page: its cells (:data:`BATTLE_HEADER`, the map's
number first, then the measure, 责任单位, light, 形象进度, next milestone with its due
date, 存在问题 and the location's ±km) and what its timeline row draws (the planned span,
the milestones). Rows come in the map's order: the numbered measures by number, then the
others ("–") by action and id. A measure with no plan and no report still has a row (light
无计划, empty cells): a planner must see what is not planned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from layers.labels import LIGHT_SHORT
from layers.progress.briefing import Briefing
from layers.progress.view import pct_text
from layers.selection.numbering import NO_NUMBER, precision_km

BATTLE_HEADER = {
    "zh": ["序号", "措施", "责任单位", "灯", "形象进度", "下一节点(到期日)", "存在问题", "±km"],
    "en": ["No.", "Measure", "Unit", "Light", "Progress", "Next milestone (due date)", "Problems", "±km"],
}
#: Relative column widths of the table (the timeline, where there is one, comes after).
BATTLE_WIDTHS = [0.05, 0.25, 0.12, 0.06, 0.07, 0.18, 0.20, 0.07]


@dataclass(frozen=True)
class BattleRow:
    id: str
    cells: list[str]
    light: str
    start: dt.date | None
    end: dt.date | None
    milestones: list[tuple[str, dt.date, dt.date | None]]  # (name, due, met)


def _next_text(name: str, due, lang: str) -> str:
    """The next milestone, its due date first: a slide's cell cut to two lines keeps the date."""
    return f"{due.isoformat()} {name}" if name else ""


def battle_rows(b: Briefing, part: pd.DataFrame, number: dict[str, int], lang: str) -> list[BattleRow]:
    """The 作战图 rows of the measures ``part`` (numbered as on their map by ``number``)."""
    numbered = sorted((i for i in part["id"] if i in number), key=number.get)
    rest = part[~part["id"].isin(number)].sort_values(["action", "id"], kind="stable")["id"].tolist()
    recs = part.set_index("id")
    title = "title_zh" if lang == "zh" else "title_en"
    milestones = {mid: list(g.itertuples(index=False)) for mid, g in b.milestones.groupby("id", sort=False)}
    out = []
    for mid in numbered + rest:
        rec = recs.loc[mid]
        row = b.rows.loc[mid] if mid in b.rows.index else None
        light = row["light"] if row is not None else "no_plan"
        cells = [
            str(number.get(mid, NO_NUMBER)),
            str(rec[title] or rec["title_zh"]),
            "" if row is None else str(row["unit"]),
            LIGHT_SHORT[light][lang],
            "" if row is None else pct_text(row["progress"]),
            "" if row is None else _next_text(row["next"], row["next_due"], lang),
            "" if row is None else str(row["problems"]),
            precision_km(rec.get("precision_m")) or "—",
        ]
        out.append(
            BattleRow(
                mid,
                cells,
                light,
                None if row is None else row["start"],
                None if row is None else row["end"],
                [(m.name, m.due, m.met) for m in milestones.get(mid, [])],
            )
        )
    return out


def months(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first day of every month from ``first``'s to ``last``'s, both included."""
    out, d = [], first.replace(day=1)
    while d <= last:
        out.append(d)
        d = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out


def timeline_span(rows: list[BattleRow], asof: dt.date) -> tuple[dt.date, dt.date]:
    """The months a timeline of ``rows`` shows: from the first of the month of the earliest
    start, milestone or as-of date to the end of the month of the latest; the as-of
    date's year when no row has a plan."""
    days = [asof]
    for r in rows:
        days += [d for d in (r.start, r.end) if d] + [m[1] for m in r.milestones]
    first = min(days).replace(day=1)
    last = months(max(days), max(days))[0]
    last = (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    if first == last.replace(day=1) and not any(r.start for r in rows):
        first, last = dt.date(asof.year, 1, 1), dt.date(asof.year, 12, 31)
    return first, last


def fraction(day: dt.date, first: dt.date, last: dt.date) -> float:
    """Where ``day`` falls on a timeline from ``first`` to ``last`` (0 at the start of
    ``first``, 1 at the end of ``last``), clipped to [0, 1]."""
    total = (last - first).days + 1
    return min(1.0, max(0.0, (day - first).days / total))
