"""FICTIONAL progress for every measure of the real register, for benchmarks, tests and the
pictures in docs/img: nothing here is real. Units are 示例单位甲…己, milestones 示例节点:…,
problems 示例问题:…, sources 示例,非真实数据. Deterministic (a seeded random generator).

    JINING_STORE=/tmp/demo.sqlite .venv/bin/python bench/demo_progress.py [--asof 2020-12-31]

The plans run from 2020; reports are monthly up to the as-of date, some measures stop
reporting (stale), a few have none, a few have no plan, so every light appears.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

UNITS = [f"示例单位{c}" for c in "甲乙丙丁戊己"]
PROBLEMS = ["", "", "", "示例问题:征地拆迁未完成", "示例问题:资金未到位", "示例问题:手续办理中,待审批"]
SOURCE = "示例,非真实数据"


def _plan(rnd: random.Random, mid: str) -> dict:
    start = dt.date(2020, rnd.randint(1, 6), 1)
    end = start + dt.timedelta(days=rnd.randint(240, 720))
    span = (end - start).days
    ms = []
    for k, name in enumerate(("示例节点:开工", "示例节点:主体完工", "示例节点:验收")):
        due = start + dt.timedelta(days=int(span * (0.15 + 0.4 * k)))
        ms.append({"name": name, "due": due.isoformat(), "met": None})
    return {
        "measure_id": mid,
        "unit": rnd.choice(UNITS),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "investment": rnd.randint(2, 60) * 100,
        "milestones": ms,
    }


def _reports(rnd: random.Random, plan: dict, asof: dt.date) -> list[dict]:
    start = dt.date.fromisoformat(plan["start"])
    pace = rnd.uniform(0.6, 1.3)  # how fast against the plan
    last = asof - dt.timedelta(days=rnd.choice([0, 0, 0, 0, 20, 70]))  # some stop reporting
    out, day, pct = [], start + dt.timedelta(days=27), 0.0
    end = dt.date.fromisoformat(plan["end"])
    while day <= last:
        planned = min(100.0, 100 * (day - start).days / max(1, (end - start).days))
        pct = min(100.0, max(pct, round(planned * pace, 0)))
        status = "completed" if pct >= 100 else "under_way"
        for m in plan["milestones"]:
            share = 100 * (dt.date.fromisoformat(m["due"]) - start).days / max(1, (end - start).days)
            if m["met"] is None and pct >= share:  # met when the work reaches it, on time or late
                m["met"] = day.isoformat()
        out.append(
            {
                "measure_id": plan["measure_id"],
                "date": day.isoformat(),
                "status": status,
                "progress": pct,
                "problems": rnd.choice(PROBLEMS) if status != "completed" else "",
                "source": SOURCE,
            }
        )
        if status == "completed":
            break
        day += dt.timedelta(days=30)
    return out


def demo_rows(ids, asof: dt.date, seed: int = 2020) -> list[tuple[str, dict]]:
    """Plan and report rows for ``ids``: one in twelve has no plan, one in twelve no report."""
    rnd = random.Random(seed)
    rows = []
    for n, mid in enumerate(ids):
        if n % 12 == 5:
            continue  # no plan
        plan = _plan(rnd, mid)
        reports = [] if n % 12 == 7 else _reports(rnd, plan, asof)
        rows.append(("plan", plan))
        rows += [("report", r) for r in reports]
    return rows


def fill_demo(store, ids, asof: dt.date) -> int:
    """Save the demo rows to ``store`` as one audited change; the number of rows."""
    rows = demo_rows(ids, asof)
    store.save_progress(rows, "demo")
    return len(rows)


def main() -> None:
    from layers import load_projects
    from layers.edits.store import Store

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--asof", type=dt.date.fromisoformat, default=dt.date(2020, 12, 31))
    args = ap.parse_args()
    with Store() as store:
        n = fill_demo(store, list(load_projects()["id"]), args.asof)
        print(f"saved {n} fictional plan and report rows to {store.path}")


if __name__ == "__main__":
    main()
