"""Store at scale: what a store of N saved records costs the app's reruns.

Fills a fresh store with N valid point records (synthetic, fixed seed, inside Jining),
then times AppTest reruns of the app (a filter change each time) with that store and
with an empty one, and the first run after a save (the records read, validated and
merged once per data version). Prints JSON. Nothing here asserts a time.

    .venv/bin/python bench/bench_store.py 50000
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RERUN = r"""
import json, statistics, sys, time
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=600)
t = time.perf_counter(); at.run(); first = time.perf_counter() - t
assert not at.exception, at.exception
times = []
for i, actions in enumerate([[3], [4], [3], [4], [3], [4], [3], [4]]):
    at.multiselect(key="f_actions").set_value(actions)
    t = time.perf_counter(); at.run(); times.append(time.perf_counter() - t)
    assert not at.exception, at.exception
print(json.dumps({"first_run_s": first, "rerun_ms": 1000 * statistics.median(times[2:])}))
"""


def fill(path: Path, n: int) -> float:
    from layers.edits.store import Store

    rng = random.Random(20200320)
    records = []
    for i in range(n):
        records.append(
            {
                "id": f"IMP-B{i:06d}",
                "action": rng.randint(1, 10),
                "title_zh": f"基准措施{i}",
                "title_en": f"bench {i}",
                "summary_zh": "基准",
                "kind": "site",
                "form": "point",
                "place": "",
                "target": None,
                "target_unit": "",
                "year": 2020,
                "section": "",
                "precision": "site",
                "precision_m": 50.0,
                "approximate": False,
                "county_adcodes": "370811",
                "county_sizes": "",
                "geometry_source": "bench",
                "geometry": {"type": "Point", "coordinates": [rng.uniform(116.3, 117.0), rng.uniform(35.0, 35.6)]},
                "origin": "import",
            }
        )
    t = time.perf_counter()
    with Store(path) as s:
        for k in range(0, n, 5000):
            s.save(records[k : k + 5000], "bench")
    return time.perf_counter() - t


def rerun(store: Path) -> dict:
    env = {**os.environ, "JINING_STORE": str(store)}
    out = subprocess.run(
        [sys.executable, "-c", RERUN, str(ROOT / "app.py")], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    with tempfile.TemporaryDirectory() as tmp:
        empty, full = Path(tmp) / "empty.sqlite", Path(tmp) / "full.sqlite"
        fill_s = fill(full, n)
        from layers import load_projects
        from layers.edits.changes import apply_store
        from layers.edits.store import Store

        with Store(full) as s:
            t = time.perf_counter()
            stored = s.records()
            read_s = time.perf_counter() - t
        t = time.perf_counter()
        apply_store(load_projects(), stored)
        merge_s = time.perf_counter() - t
        base, big = rerun(empty), rerun(full)
    print(
        json.dumps(
            {
                "records": n,
                "save_s": round(fill_s, 2),
                "read_s": round(read_s, 2),
                "validate_and_merge_s": round(merge_s, 2),
                "first_run_empty_s": round(base["first_run_s"], 2),
                "first_run_full_s": round(big["first_run_s"], 2),
                "rerun_empty_ms": round(base["rerun_ms"], 1),
                "rerun_full_ms": round(big["rerun_ms"], 1),
                "rerun_added_ms": round(big["rerun_ms"] - base["rerun_ms"], 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
