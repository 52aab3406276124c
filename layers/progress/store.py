"""Plans and reports read from the store as the lights need them, and saved to it.

The rows live in the store's ``plans`` and ``reports`` tables (``layers.edits.progress_db``,
audited and undoable like every change). Here they become :class:`Plan` and
:class:`Report` objects and frames, and :func:`lights_asof` gives every measure's light as
of a date (``layers.progress.lights``).
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd

from layers.edits import progress_db
from layers.progress.lights import Rules, lights_table
from layers.progress.model import Milestone, Plan, Report


def plan_from_record(rec: dict) -> Plan:
    """A stored plan record (dates as ISO text) as a :class:`Plan`."""
    day = dt.date.fromisoformat
    milestones = tuple(
        Milestone(m["name"], day(m["due"]), day(m["met"]) if m.get("met") else None) for m in rec.get("milestones", [])
    )
    return Plan(
        unit=rec.get("unit", ""),
        start=day(rec["start"]),
        end=day(rec["end"]),
        leader=rec.get("leader", ""),
        investment=rec.get("investment"),
        milestones=milestones,
    )


def report_from_record(rec: dict) -> Report:
    """A stored report record as a :class:`Report`."""
    return Report(
        date=dt.date.fromisoformat(rec["date"]),
        status=rec["status"],
        progress=float(rec["progress"]) if rec.get("progress") is not None else float("nan"),
        invested=rec.get("invested"),
        problems=rec.get("problems", ""),
        source=rec.get("source", ""),
        reporter=rec.get("reporter", ""),
    )


def plans(store, measure_ids: list[str] | None = None) -> dict[str, Plan]:
    """The stored plans (all, or those of ``measure_ids``), by measure id."""
    return {mid: plan_from_record(rec) for mid, rec in progress_db.plan_records(store._db, measure_ids).items()}


def latest(store, asof: dt.date) -> pd.DataFrame:
    """Each measure's latest report dated on or before ``asof``, indexed by measure id."""
    return progress_db.latest_reports(store._db, asof.isoformat()).set_index("measure_id")


def lights_asof(store, ids, asof: dt.date, rules: Rules | None = None) -> pd.DataFrame:
    """The light of every measure in ``ids`` as of ``asof`` (``lights.COLUMNS``): three
    queries over typed columns (plans' dates, milestones, the latest reports), no JSON."""
    db = store._db
    plans_ = progress_db.plans_frame(db).set_index("measure_id")
    return lights_table(ids, plans_, latest(store, asof), asof, rules, progress_db.milestones_frame(db))


def reports(store, measure_id: str) -> list[Report]:
    """One measure's reports, oldest first."""
    frame = progress_db.reports_of(store._db, measure_id)
    return [report_from_record(json.loads(r)) for r in frame["record"]]


def has_progress(store) -> bool:
    """Whether any plan or report is stored at all."""
    return progress_db.has_rows(store._db)
