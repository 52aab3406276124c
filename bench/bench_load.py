"""Concurrent use of one store, on each backend.

1. Saves: N processes x M saves on a few shared measures, each save carrying the version
   its process read (as the app's forms do). Checks: no lost update (each measure's version
   equals the saves that succeeded on it), every conflict reported (successes + conflicts
   = attempts), and one audit row per successful save.
2. Sessions: two "replicas" (processes), each running its share of 20 viewers and 3
   editors as Streamlit AppTest sessions of app.py on the same store: viewers change the
   action filter, editors save through the store between their reruns. Reports the script
   rerun times (a filter change is a rerun with new filters). These are server-side times
   of simulated sessions, not browsers.

    .venv/bin/python bench/bench_load.py                       # SQLite; PostgreSQL if JINING_TEST_PG is set
    .venv/bin/python bench/bench_load.py --pg postgresql://…   # a database where it may create tables

Writes bench/results/load.json (or --out).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: Fresh interpreters for the workers: a forked copy of a process that already ran
#: Streamlit or a database driver is not a clean replica.
MP = mp.get_context("spawn")
IDS = [f"LOAD-{i}" for i in range(8)]  # few measures: many conflicts on purpose


def record(mid: str, title: str) -> dict:
    return {"id": mid, "action": 3, "title_zh": title, "title_en": title, "summary_zh": title, "form": "city",
            "year": 2020, "geometry": None, "origin": "import"}  # fmt: skip


def saver(target: str, worker: int, saves: int, out) -> None:
    from layers.edits.store import ConflictError, Store

    rng = random.Random(worker)
    ok, conflicts, per_id = 0, 0, {}
    with Store(target) as s:
        t = time.perf_counter()
        for n in range(saves):
            mid = rng.choice(IDS)
            v = s.version(mid)
            time.sleep(rng.random() * 0.002)  # a planner's form is open for a moment
            try:
                s.save([record(mid, f"w{worker}-{n}")], f"worker{worker}", expected={mid: v})
                ok += 1
                per_id[mid] = per_id.get(mid, 0) + 1
            except ConflictError:
                conflicts += 1
        out.put({"worker": worker, "ok": ok, "conflicts": conflicts, "per_id": per_id,
                 "seconds": time.perf_counter() - t})  # fmt: skip


def run_all(fn, arg_lists, timeout: float) -> tuple[list, float]:
    """Run ``fn(*args, queue)`` in one process per argument list, all at once; return what each
    put on the queue, and the wall time."""
    q = MP.Queue()
    t = time.perf_counter()
    procs = [MP.Process(target=fn, args=(*args, q)) for args in arg_lists]
    for p in procs:
        p.start()
    results = [q.get(timeout=timeout) for _ in procs]
    for p in procs:
        p.join()
    return results, time.perf_counter() - t


def bench_saves(target: str, processes: int, saves: int) -> dict:
    from layers.edits.store import Store

    with Store(target):
        pass  # create the tables before the workers race to
    results, wall = run_all(saver, [(target, w, saves) for w in range(processes)], timeout=600)
    ok = sum(r["ok"] for r in results)
    conflicts = sum(r["conflicts"] for r in results)
    per_id: dict[str, int] = {}
    for r in results:
        for k, v in r["per_id"].items():
            per_id[k] = per_id.get(k, 0) + v
    with Store(target) as s:
        versions = {mid: s.version(mid) for mid in IDS}
        audit = len(s.history())
    return {
        "processes": processes,
        "saves_each": saves,
        "attempts": processes * saves,
        "saved": ok,
        "conflicts": conflicts,
        "audit_rows": audit,
        "lost_updates": sum(1 for mid in IDS if versions[mid] != per_id.get(mid, 0)),
        "all_reported": ok + conflicts == processes * saves,
        "audit_matches": audit == ok,
        "wall_s": round(wall, 2),
        "saves_per_s": round(ok / wall, 1),
    }


def replica(target: str, viewers: int, editors: int, rounds: int, out) -> None:
    """One app process: its viewers and editors as AppTest sessions, round-robin."""
    os.environ["JINING_STORE"] = target
    from streamlit.testing.v1 import AppTest

    from layers.edits.store import Store

    app = str(ROOT / "app.py")
    sessions = []
    for _k in range(viewers + editors):
        at = AppTest.from_file(app, default_timeout=120)
        at.run()
        sessions.append(at)
    rng = random.Random(viewers * 31 + editors)
    rerun, filter_change, saves = [], [], 0
    for r in range(rounds):
        for k, at in enumerate(sessions):
            if k >= viewers:  # an editor saves a change, then looks at the map again
                with Store(target) as s:
                    s.save([record(f"ED-{os.getpid()}-{k}-{r}", f"编辑{k}-{r}")], f"editor{k}")
                    saves += 1
                t = time.perf_counter()
                at.run()
                rerun.append(time.perf_counter() - t)
            else:
                t = time.perf_counter()
                at.multiselect(key="f_actions").set_value([rng.randint(1, 10)]).run()
                filter_change.append(time.perf_counter() - t)
            assert not at.exception, at.exception
    out.put({"rerun": rerun, "filter_change": filter_change, "saves": saves})


def bench_sessions(target: str, rounds: int) -> dict:
    # 20 viewers and 3 editors on two replicas.
    results, wall = run_all(replica, [(target, 10, 2, rounds), (target, 10, 1, rounds)], timeout=1800)
    rerun = [x for r in results for x in r["rerun"]]
    change = [x for r in results for x in r["filter_change"]]

    def q95(xs):
        return sorted(xs)[int(0.95 * (len(xs) - 1))] if xs else None

    return {
        "replicas": 2,
        "viewers": 20,
        "editors": 3,
        "rounds": rounds,
        "editor_saves": sum(r["saves"] for r in results),
        "filter_change_median_ms": round(statistics.median(change) * 1000, 1),
        "filter_change_p95_ms": round(q95(change) * 1000, 1),
        "editor_rerun_median_ms": round(statistics.median(rerun) * 1000, 1),
        "editor_rerun_p95_ms": round(q95(rerun) * 1000, 1),
        "wall_s": round(wall, 1),
    }


def pg_fresh(base: str) -> str:
    """A fresh schema in the PostgreSQL database ``base`` (PostGIS in public)."""
    import uuid
    from urllib.parse import quote

    import psycopg

    schema = "bench_" + uuid.uuid4().hex[:8]
    with psycopg.connect(base, autocommit=True) as c:
        c.execute("CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public")
        c.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote(f'-csearch_path={schema},public')}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pg", default=os.environ.get("JINING_TEST_PG"), help="PostgreSQL database URL")
    ap.add_argument("--processes", type=int, default=4)
    ap.add_argument("--saves", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "load.json"))
    args = ap.parse_args(argv)
    backends = {"sqlite": lambda: str(Path(tempfile.mkdtemp()) / "load.sqlite")}
    if args.pg:
        backends["postgresql"] = lambda: pg_fresh(args.pg)
    results = {}
    for name, make in backends.items():
        print(f"[{name}] {args.processes} processes x {args.saves} saves", flush=True)
        saves = bench_saves(make(), args.processes, args.saves)
        print(json.dumps(saves), flush=True)
        print(f"[{name}] 20 viewers and 3 editors on two replicas, {args.rounds} rounds", flush=True)
        sessions = bench_sessions(make(), args.rounds)
        print(json.dumps(sessions), flush=True)
        results[name] = {"saves": saves, "sessions": sessions}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2), encoding="utf-8")
    ok = all(r["saves"]["lost_updates"] == 0 and r["saves"]["all_reported"] and r["saves"]["audit_matches"]
             for r in results.values())  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
