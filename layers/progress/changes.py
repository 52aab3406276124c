"""What changed in progress between two dates: the briefing's "changes since the last briefing".

For the period ``(since, asof]`` (strict on ``since``, inclusive on ``asof``: a change dated
exactly ``since`` was in the last briefing, one dated ``asof`` is in this one) and a list of
measures, :func:`changes_between` gives one record per change, with the fields
:data:`FIELDS`, ``kind`` one of :data:`KINDS`:

- ``light``: the light as of ``since`` differs from the light as of ``asof`` (``from`` and
  ``to`` are light codes; ``date`` is ``asof``);
- ``milestone_met``: a milestone met in the period (``to`` is its name, ``date`` the met date);
- ``milestone_overdue``: a milestone that became overdue in the period, i.e. due on or after
  ``since`` and before ``asof`` and not met by ``asof`` (a milestone due on ``asof`` is not
  overdue yet); ``date`` is the day after it was due, its first overdue day;
- ``stale``: the light is ``stale`` (未报告) as of ``asof`` but was not as of ``since``
  (``from`` is the light as of ``since``); ``date`` is the latest report's date +
  ``stale_days`` + 1, the first day it was too old (``asof`` when there is no report).

:func:`report_counts` counts the reports dated in the same period. Both read the store
through ``layers.progress.store`` and ``layers.edits.progress_db``; dates are ISO text.

Plans are not dated in the store: the lights as of ``since`` are computed with today's
plans and milestones, as ``progress lights --asof`` does.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from layers._errors import Msg
from layers.edits import progress_db
from layers.progress.lights import Rules, load_rules
from layers.progress.store import lights_asof

#: The fields of a change record, in order.
FIELDS = ["id", "kind", "from", "to", "date"]
#: The kinds of change, in the order a record of the same date and measure sorts.
KINDS = ("light", "milestone_met", "milestone_overdue", "stale")


def check_period(since: dt.date, asof: dt.date) -> None:
    """Raise ValueError (both languages) unless ``since`` is before ``asof``."""
    if since >= asof:
        raise ValueError(
            Msg(
                f"the period is empty: its start {since} (--since) must be before its as-of date {asof} (--asof)",
                f"时段为空:起始日期 {since}(--since)须早于截止日期 {asof}(--asof)",
            )
        )


def _record(mid: str, kind: str, before: str, after: str, date: dt.date) -> dict:
    return {"id": mid, "kind": kind, "from": before, "to": after, "date": date.isoformat()}


def _milestone_changes(store, ids: list[str], since: dt.date, asof: dt.date) -> list[dict]:
    """Milestones met in ``(since, asof]`` and milestones that became overdue in it."""
    frame = progress_db.milestones_frame(store._db)
    frame = frame[frame["id"].isin(set(ids))]
    out = []
    for mid, name, due_text, met_text in frame[["id", "name", "due", "met"]].itertuples(index=False):
        due = dt.date.fromisoformat(due_text)
        met = dt.date.fromisoformat(met_text) if isinstance(met_text, str) and met_text else None
        if met is not None and since < met <= asof:
            out.append(_record(mid, "milestone_met", "", name, met))
        # Overdue from the day after it was due: that day must lie in (since, asof].
        if since <= due < asof and (met is None or met > asof):
            out.append(_record(mid, "milestone_overdue", "", name, due + dt.timedelta(days=1)))
    return out


def _light_changes(before: pd.DataFrame, after: pd.DataFrame, asof: dt.date, stale_days: int) -> list[dict]:
    """The ``light`` and ``stale`` changes between the lights as of ``since`` and ``asof``."""
    out = []
    for mid, was, now, reported in zip(after.index, before["light"], after["light"], after["report_date"], strict=True):
        if was == now:
            continue
        out.append(_record(mid, "light", was, now, asof))
        if now == "stale":
            last = dt.date.fromisoformat(reported) if isinstance(reported, str) else None
            out.append(_record(mid, "stale", was, "stale", last + dt.timedelta(days=stale_days + 1) if last else asof))
    return out


def changes_between(store, ids, since: dt.date, asof: dt.date, rules: Rules | None = None) -> list[dict]:
    """Every change in ``(since, asof]`` (after ``since``, up to and including ``asof``) for
    the measures ``ids``: records with :data:`FIELDS` (see the module's docstring for the
    kinds), sorted by date, then id, then kind. ``since >= asof`` raises ValueError."""
    check_period(since, asof)
    rules = rules or load_rules()
    ids = list(dict.fromkeys(ids))
    before = lights_asof(store, ids, since, rules)
    after = lights_asof(store, ids, asof, rules)
    out = _light_changes(before, after, asof, rules.stale_days) + _milestone_changes(store, ids, since, asof)
    return sorted(out, key=lambda r: (r["date"], r["id"], KINDS.index(r["kind"]), r["to"]))


def report_counts(store, ids, since: dt.date, asof: dt.date) -> dict:
    """The reports dated in ``(since, asof]`` (strict on ``since``, inclusive on ``asof``)
    of the measures ``ids``: ``{"total": n, "by_measure": {id: n}}`` (only measures with at
    least one). ``since >= asof`` raises ValueError."""
    check_period(since, asof)
    frame = progress_db.reports_between(store._db, since.isoformat(), asof.isoformat())
    frame = frame[frame["measure_id"].isin(set(ids))]
    by_measure = {mid: int(n) for mid, n in zip(frame["measure_id"], frame["n"], strict=True)}
    return {"total": sum(by_measure.values()), "by_measure": by_measure}
