"""The lights of a large register as of any date: 50,000 measures x 24 reports (1.2 M).

Fills a store (SQLite file, or PostgreSQL with ``--pg URL``) with one plan (two
milestones) and ``--reports`` monthly reports per measure, written straight into the
tables in large transactions (the store's own save path writes one audit row per report:
that is measured separately, with ``--save``). Then times, for several as-of dates:

- ``latest``: the latest report per measure on or before the date (one indexed query);
- ``plans``: the plans' dates and milestones read (typed columns, no JSON);
- ``lights``: the rule over the register (``lights_table``);
- ``total``: ``layers.progress.store.lights_asof``, all of the above.

Nothing asserts a time: the figures go to docs/performance.md.

    .venv/bin/python bench/bench_lights.py                       # SQLite, 50,000 x 24
    .venv/bin/python bench/bench_lights.py --pg postgresql://…   # PostgreSQL
    .venv/bin/python bench/bench_lights.py --measures 5000 --reports 12
    .venv/bin/python bench/bench_lights.py --app                 # the app's reruns, real register
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

START = dt.date(2020, 3, 1)


def fill(store, measures: int, reports: int, seed: int = 7) -> list[str]:
    """Plans and reports written in batches of 50,000 rows (no audit rows: a bulk load)."""
    from layers.edits.store_db import _begin_write

    rnd = random.Random(seed)
    db = store._db
    ids = [f"M{i:06d}" for i in range(measures)]
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    plans, rows, miles = [], [], []
    for mid in ids:
        end = START + dt.timedelta(days=rnd.randint(300, 900))
        ms = [
            {"name": "开工", "due": (START + dt.timedelta(days=60)).isoformat(), "met": None},
            {"name": "主体完工", "due": (end - dt.timedelta(days=60)).isoformat(), "met": None},
        ]
        rec = {"measure_id": mid, "unit": "单位", "start": START.isoformat(), "end": end.isoformat(), "milestones": ms}
        plans.append((mid, START.isoformat(), end.isoformat(), json.dumps(rec, ensure_ascii=False), 1, now, "bench"))
        miles += [(mid, i, m["name"], m["due"], None) for i, m in enumerate(ms)]
        pct = 0.0
        for k in range(reports):
            day = (START + dt.timedelta(days=30 * k + rnd.randint(0, 5))).isoformat()
            pct = min(100.0, pct + rnd.uniform(0, 8))
            rec = {"measure_id": mid, "date": day, "status": "under_way", "progress": round(pct, 1)}
            rows.append((mid, day, "under_way", rec["progress"], json.dumps(rec), 1, now, "bench"))
    _begin_write(db)
    db.executemany(
        "INSERT INTO plans (measure_id, start_date, end_date, record, version, updated_at, updated_by) "
        "VALUES (?,?,?,?,?,?,?)",
        plans,
    )
    db.executemany("INSERT INTO plan_milestones (measure_id, seq, name, due, met) VALUES (?,?,?,?,?)", miles)
    db.execute("COMMIT")
    for i in range(0, len(rows), 50_000):
        _begin_write(db)
        db.executemany(
            "INSERT INTO reports (measure_id, report_date, status, progress, record, version, updated_at, updated_by) "
            "VALUES (?,?,?,?,?,?,?,?)",
            rows[i : i + 50_000],
        )
        db.execute("COMMIT")
    return ids


def timed(fn, repeat: int = 3) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def measure(store, ids, dates) -> list[dict]:
    from layers.edits import progress_db
    from layers.progress import store as progress
    from layers.progress.lights import lights_table

    results = []
    for asof in dates:
        t_latest, latest = timed(lambda asof=asof: progress.latest(store, asof))
        t_plans, (plans, miles) = timed(
            lambda: (
                progress_db.plans_frame(store._db).set_index("measure_id"),
                progress_db.milestones_frame(store._db),
            )
        )
        t_rule, table = timed(
            lambda asof=asof, latest=latest, plans=plans, miles=miles: lights_table(
                ids, plans, latest, asof, None, miles
            )
        )
        t_total, _ = timed(lambda asof=asof: progress.lights_asof(store, ids, asof))
        counts = table["light"].value_counts().to_dict()
        results.append(
            {
                "asof": asof.isoformat(),
                "latest_s": round(t_latest, 3),
                "plans_s": round(t_plans, 3),
                "lights_s": round(t_rule, 3),
                "total_s": round(t_total, 3),
                "lights": counts,
            }
        )
    return results


RERUN = r"""
import datetime as dt, json, statistics, sys, time
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=600)
at.query_params["color"] = "progress"
at.run(); assert not at.exception, at.exception
def timed(step):
    step(); t = time.perf_counter(); at.run(); assert not at.exception, at.exception
    return 1000 * (time.perf_counter() - t)
filters = [timed(lambda a=a: at.multiselect(key="f_actions").set_value(a)) for a in ([3], [4]) * 4]
dates = [dt.date(2020, 6, 30), dt.date(2021, 6, 30)] * 4
asof = [timed(lambda d=d: setattr(at.session_state, "asof", d)) for d in dates]
print(json.dumps({"filter_rerun_ms": statistics.median(filters[2:]), "asof_first_ms": asof[:2],
                  "asof_warm_ms": statistics.median(asof[2:])}))
"""


def progress_rows(reports: int, seed: int = 3) -> list[tuple[str, dict]]:
    """A plan (one milestone) and ``reports`` monthly reports for every measure of the real
    register, as ``Store.save_progress`` takes them (fixed seed)."""
    from layers import load_projects

    rnd = random.Random(seed)
    rows = []
    for mid in load_projects()["id"]:
        end = START + dt.timedelta(days=rnd.randint(300, 900))
        plan = {"measure_id": mid, "unit": "单位", "start": START.isoformat(), "end": end.isoformat()}
        rows.append(("plan", plan | {"milestones": [{"name": "开工", "due": "2020-05-01", "met": None}]}))
        pct = 0.0
        for k in range(reports):
            pct = min(100.0, pct + rnd.uniform(0, 8))
            day = (START + dt.timedelta(days=30 * k)).isoformat()
            rows.append(("report", {"measure_id": mid, "date": day, "status": "under_way", "progress": round(pct, 1)}))
    return rows


def app_reruns(reports: int) -> dict:
    """AppTest reruns of the app on the real register with a plan and ``reports`` monthly
    reports per measure, saved through the store (audited): a filter change, and an as-of
    change (the first time for a date reads the lights; after that they are cached)."""
    import os
    import subprocess

    from layers import load_projects
    from layers.edits.store import Store

    rows = progress_rows(reports)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "app.sqlite"
        with Store(path) as store:
            store.save_progress(rows, "bench")
        env = {**os.environ, "JINING_STORE": str(path)}
        out = subprocess.run(
            [sys.executable, "-c", RERUN, str(ROOT / "app.py")], env=env, capture_output=True, text=True, check=True
        )
    return {
        "measures": len(load_projects()),
        "reports": len(rows) - len(load_projects()),
        **json.loads(out.stdout.strip().splitlines()[-1]),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--measures", type=int, default=50_000)
    ap.add_argument("--reports", type=int, default=24)
    ap.add_argument("--pg", help="a PostgreSQL URL (an empty database or schema) instead of a SQLite file")
    ap.add_argument("--app", action="store_true", help="the app's reruns on the real register with progress instead")
    args = ap.parse_args()
    if args.app:
        print(json.dumps(app_reruns(args.reports), indent=1))
        return
    from layers.edits.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        target = args.pg or Path(tmp) / "bench.sqlite"
        with Store(target) as store:
            t0 = time.perf_counter()
            ids = fill(store, args.measures, args.reports)
            load_s = time.perf_counter() - t0
            dates = [START + dt.timedelta(days=d) for d in (45, 365, 700)]
            out = {
                "backend": store.backend,
                "measures": args.measures,
                "reports": args.measures * args.reports,
                "load_s": round(load_s, 1),
                "by_date": measure(store, ids, dates),
            }
        print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
