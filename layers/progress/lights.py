"""The three-colour rule (蓝黄红 三色管理): a light per measure, computed, never typed.

For an as-of date, a measure's plan and its latest report on or before that date (see
docs/progress.md for the rule in words; thresholds and colours in ``lights.toml``):

1. the latest report says ``completed`` → ``completed``; ``cancelled`` → ``cancelled``;
2. no plan → ``no_plan``; no report, or the latest older than ``stale_days`` → ``stale``;
3. ``schedule = clip((asof − start) / (end − start), 0, 1) × 100``, ``lag = schedule − progress``;
4. ``red`` if lag > ``red_lag``, or a milestone due on or before asof − ``red_overdue_days``
   is not met by asof, or still ``not_started`` more than ``not_started_days`` after the start;
5. ``yellow`` if lag > ``yellow_lag``, or a milestone due before asof is not met;
6. ``blue`` otherwise.

:func:`lights_table` computes the lights of a whole register at once (numpy over the
plans and the latest reports); :func:`light_of` is the same rule for one measure.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from layers.progress.model import LIGHTS, Plan, Report

RULES_PATH = Path(__file__).with_name("lights.toml")
#: The columns of :func:`lights_table` (and of ``python -m layers progress lights``).
COLUMNS = ["light", "lag", "schedule", "progress", "status", "report_date", "overdue"]


@dataclass(frozen=True)
class Rules:
    yellow_lag: float = 10
    red_lag: float = 30
    red_overdue_days: int = 30
    not_started_days: int = 90
    stale_days: int = 45
    colours: tuple[tuple[str, str], ...] = ()

    def colour(self, light: str) -> str:
        return dict(self.colours).get(light, "#999999")


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES_PATH) -> Rules:
    """The thresholds and colours of ``lights.toml``; every light must have a colour."""
    conf = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    colours = conf.pop("colours", {})
    missing = set(LIGHTS) - set(colours)
    if missing:
        raise ValueError(f"{path}: no colour for the lights {sorted(missing)}")
    return Rules(**conf, colours=tuple(colours.items()))


def _days(values) -> np.ndarray:
    """Dates (ISO text, date objects or datetime64; missing as NaT) as datetime64[D]."""
    series = pd.Series(values, dtype=object)
    return pd.to_datetime(series, errors="coerce", format="ISO8601").to_numpy().astype("datetime64[D]")


def schedule_pct(asof: np.datetime64, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """序时进度 (%): the share of the planned span elapsed at ``asof``, clipped to 0-100; a plan
    whose end is its start is 0 before it and 100 from it on."""
    span = (end - start).astype("float64")
    elapsed = (asof - start).astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(span > 0, elapsed / np.where(span > 0, span, 1), np.where(elapsed >= 0, 1.0, 0.0))
    return np.clip(share, 0, 1) * 100


#: The long frame of milestones :func:`lights_table` reads: one row per milestone.
MILESTONE_COLUMNS = ["id", "name", "due", "met"]


def overdue_milestones(milestones: pd.DataFrame | None, idx: pd.Index, asof: dt.date, red_days: int):
    """For each id of ``idx``: the names of its milestones due before ``asof`` and not met by
    it (a list), and whether one of them was due ``red_days`` or more before ``asof``."""
    names = np.empty(len(idx), dtype=object)
    names[:] = [[] for _ in range(len(idx))]
    red = np.zeros(len(idx), dtype=bool)
    if milestones is None or milestones.empty:
        return names, red
    day = np.datetime64(asof, "D")
    due, met = _days(milestones["due"]), _days(milestones["met"])
    pos = idx.get_indexer(milestones["id"])  # -1: a measure not asked for
    late = (due < day) & (np.isnat(met) | (met > day)) & (pos >= 0)
    if not late.any():
        return names, red
    rows, label = pos[late], milestones["name"].to_numpy(dtype=object)[late]
    red[rows[due[late] <= day - np.timedelta64(red_days, "D")]] = True
    for row, name in zip(rows.tolist(), label.tolist(), strict=True):  # only the late ones
        names[row].append(name)
    return names, red


def lights_table(
    ids,
    plans: pd.DataFrame,
    latest: pd.DataFrame,
    asof: dt.date,
    rules: Rules | None = None,
    milestones: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The light of every measure in ``ids`` as of ``asof``: a frame indexed by id with
    :data:`COLUMNS`.

    ``plans``: indexed by measure id, with ``start`` and ``end``. ``latest``: indexed by
    measure id, each measure's latest report dated on or before ``asof``, with ``date``,
    ``status`` and ``progress``. ``milestones``: one row per milestone
    (:data:`MILESTONE_COLUMNS`). Measures with no plan row have no plan. Vectorised: the
    lights of 50,000 measures take a fraction of a second (bench/bench_lights.py)."""
    rules = rules or load_rules()
    idx = pd.Index(ids, name="id")
    p = plans.reindex(index=idx, columns=["start", "end"])
    r = latest.reindex(index=idx, columns=["date", "status", "progress"])
    day = np.datetime64(asof, "D")
    start, end, reported = _days(p["start"]), _days(p["end"]), _days(r["date"])
    status = r["status"].astype(object).fillna("").to_numpy(dtype=object)
    progress = pd.to_numeric(r["progress"], errors="coerce").to_numpy(dtype="float64")
    schedule = np.where(np.isnat(start) | np.isnat(end), np.nan, schedule_pct(day, start, end))
    lag = schedule - progress
    overdue, late_red = overdue_milestones(milestones, idx, asof, rules.red_overdue_days)
    late_any = np.fromiter((bool(n) for n in overdue), dtype=bool, count=len(overdue))
    age = (day - reported).astype("float64")
    waited = (day - start).astype("float64")
    conditions = [
        status == "completed",
        status == "cancelled",
        np.isnat(start) | np.isnat(end),
        np.isnat(reported) | (age > rules.stale_days),
        (lag > rules.red_lag) | late_red | ((status == "not_started") & (waited > rules.not_started_days)),
        (lag > rules.yellow_lag) | late_any,
    ]
    light = np.select(conditions, ["completed", "cancelled", "no_plan", "stale", "red", "yellow"], "blue")
    dates = np.where(np.isnat(reported), None, np.datetime_as_string(reported, unit="D"))
    out = pd.DataFrame(
        {
            "light": light,
            "lag": np.round(lag, 1),
            "schedule": np.round(schedule, 1),
            "progress": progress,
            "status": status,
            "report_date": dates,
            "overdue": overdue,
        },
        index=idx,
    )
    return out[COLUMNS]


def light_of(plan: Plan | None, reports: list[Report], asof: dt.date, rules: Rules | None = None) -> dict:
    """The light of one measure as of ``asof`` (the same rule as :func:`lights_table`): its
    row of :data:`COLUMNS` as a dict. ``reports`` may hold reports after ``asof``: they
    are not seen."""
    seen = [r for r in reports if r.date <= asof]
    latest = max(seen, key=lambda r: r.date) if seen else None
    plans = pd.DataFrame(
        [{"start": plan.start, "end": plan.end}] if plan else [],
        index=pd.Index(["m"] if plan else []),
        columns=["start", "end"],
    )
    rows = [{"date": latest.date, "status": latest.status, "progress": latest.progress}] if latest else []
    lat = pd.DataFrame(rows, index=pd.Index(["m"] if latest else []), columns=["date", "status", "progress"])
    return lights_table(["m"], plans, lat, asof, rules, milestones_frame({"m": plan} if plan else {})).iloc[0].to_dict()


def milestones_frame(plans: dict[str, Plan]) -> pd.DataFrame:
    """The milestones of ``plans`` (by measure id) as the long frame :func:`lights_table` reads."""
    rows = [(mid, m.name, m.due, m.met) for mid, p in plans.items() for m in p.milestones]
    return pd.DataFrame(rows, columns=MILESTONE_COLUMNS)
