"""What a briefing (汇报材料) says about progress, read once from the store for the exports.

A :class:`Briefing` holds, for the measures of a selection and an as-of date:

- ``rows``: one row per measure with a plan or a report (indexed by id, :data:`ROW_COLUMNS`):
  责任单位 ``unit``, 牵头领导 ``leader``, the planned ``start`` and ``end`` (dates), the
  ``light`` and its report's ``status``, 形象进度 ``progress`` (%, NaN when unknown), the
  latest report's ``report_date`` and 存在问题 ``problems``, the ``next`` milestone not met by
  the as-of date and its ``next_due`` (None when none is left), the names of the ``overdue``
  milestones;
- ``milestones``: every milestone of those measures (``id``, ``name``, ``due``, ``met`` as dates);
- with a ``since`` date, ``changes`` (:func:`layers.progress.changes.changes_between`) and
  ``reports`` (:func:`layers.progress.changes.report_counts`) for the period ``(since, asof]``.

The exports take a Briefing as plain data and never open the store: the command line and
the app build it (:func:`from_store`) and hand it over. :meth:`Briefing.only` narrows it to
the measures of a page (an action, a unit).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace

import pandas as pd

from layers.edits import progress_db
from layers.progress.changes import changes_between, report_counts
from layers.progress.lights import Rules, lights_table, load_rules
from layers.progress.store import plans

#: The columns of :attr:`Briefing.rows`.
ROW_COLUMNS = [
    "unit",
    "leader",
    "start",
    "end",
    "light",
    "status",
    "progress",
    "report_date",
    "problems",
    "next",
    "next_due",
    "overdue",
]


@dataclass(frozen=True)
class Briefing:
    asof: dt.date
    rows: pd.DataFrame
    milestones: pd.DataFrame
    since: dt.date | None = None
    changes: list[dict] = field(default_factory=list)
    reports: dict = field(default_factory=lambda: {"total": 0, "by_measure": {}})
    rules: Rules = field(default_factory=load_rules)

    def only(self, ids) -> Briefing:
        """The same briefing for the measures ``ids`` only (those with progress rows)."""
        keep = set(ids)
        by_measure = {k: v for k, v in self.reports["by_measure"].items() if k in keep}
        return replace(
            self,
            rows=self.rows[self.rows.index.isin(keep)],
            milestones=self.milestones[self.milestones["id"].isin(keep)],
            changes=[c for c in self.changes if c["id"] in keep],
            reports={"total": sum(by_measure.values()), "by_measure": by_measure},
        )

    def units(self) -> list[str]:
        """The 责任单位 named by the plans (an empty unit is left out), in the order of their
        first measure's id: the order of the actions, as the pack's pages come."""
        return units_in_order(zip(self.rows.index, self.rows["unit"], strict=True))

    def ids_of_unit(self, unit: str) -> list[str]:
        """The measures whose plan names ``unit`` as 责任单位."""
        return [i for i, u in zip(self.rows.index, self.rows["unit"], strict=True) if u == unit]

    def span(self) -> tuple[dt.date, dt.date] | None:
        """The first and last day the timeline must show: every plan's span, every
        milestone and the as-of date; None when no measure has a plan."""
        days = [d for d in (*self.rows["start"], *self.rows["end"], *self.milestones["due"]) if isinstance(d, dt.date)]
        return (min(*days, self.asof), max(*days, self.asof)) if days else None


def units_in_order(pairs) -> list[str]:
    """The units of (measure id, unit) pairs, each once, in the order of its first measure's
    id (the order of the actions, as a pack's pages come); an empty unit is left out."""
    first: dict[str, str] = {}
    for mid, u in pairs:
        if u and (u not in first or mid < first[u]):
            first[u] = mid
    return sorted(first, key=lambda u: (first[u], u))


def _day(text) -> dt.date | None:
    return dt.date.fromisoformat(text) if isinstance(text, str) and text else None


def _next_milestones(milestones: pd.DataFrame, asof: dt.date) -> dict[str, tuple[str, dt.date]]:
    """Each measure's first milestone by due date that is not met by ``asof``."""
    out: dict[str, tuple[str, dt.date]] = {}
    for mid, name, due, met in sorted(milestones.itertuples(index=False), key=lambda r: (r[0], r[2])):
        if mid not in out and not (met is not None and met <= asof):
            out[mid] = (name, due)
    return out


def _problems(record) -> str:
    return str(json.loads(record).get("problems") or "") if isinstance(record, str) else ""


def from_store(store, ids, asof: dt.date, since: dt.date | None = None, rules: Rules | None = None) -> Briefing:
    """The briefing of the measures ``ids`` as of ``asof`` (and, with ``since``, the changes
    in ``(since, asof]``; ``since >= asof`` raises ValueError). Four queries and one more
    per period, whatever the number of measures."""
    rules = rules or load_rules()
    ids = list(dict.fromkeys(ids))
    db = store._db
    plan_of = plans(store, ids)
    raw = progress_db.milestones_frame(db)
    raw = raw[raw["id"].isin(set(ids))]
    ms = raw.assign(due=raw["due"].map(_day), met=raw["met"].map(_day))
    latest = progress_db.latest_reports(db, asof.isoformat()).set_index("measure_id")
    latest = latest[latest.index.isin(set(ids))]
    plans_ = pd.DataFrame(
        [(m, p.start, p.end) for m, p in plan_of.items()], columns=["measure_id", "start", "end"]
    ).set_index("measure_id")
    shown = [i for i in ids if i in plan_of or i in latest.index]
    lights = lights_table(shown, plans_, latest, asof, rules, raw)
    nxt = _next_milestones(ms, asof)
    rows = pd.DataFrame(
        {
            "unit": [plan_of[i].unit if i in plan_of else "" for i in shown],
            "leader": [plan_of[i].leader if i in plan_of else "" for i in shown],
            "start": [plan_of[i].start if i in plan_of else None for i in shown],
            "end": [plan_of[i].end if i in plan_of else None for i in shown],
            "light": lights["light"].to_numpy(),
            "status": lights["status"].to_numpy(),
            "progress": lights["progress"].to_numpy(),
            "report_date": lights["report_date"].to_numpy(),
            "problems": [_problems(latest["record"].get(i)) for i in shown],
            "next": [nxt[i][0] if i in nxt else "" for i in shown],
            "next_due": [nxt[i][1] if i in nxt else None for i in shown],
            "overdue": lights["overdue"].to_numpy(),
        },
        index=pd.Index(shown, name="id"),
    )[ROW_COLUMNS]
    b = Briefing(asof, rows, ms.reset_index(drop=True), rules=rules)
    if since is None:
        return b
    return replace(
        b,
        since=since,
        changes=changes_between(store, ids, since, asof, rules),
        reports=report_counts(store, ids, since, asof),
    )
