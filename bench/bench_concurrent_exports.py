"""Static exports while other sessions rerun: how many fail, and how long they take.

One Streamlit process runs every session's script in its own thread, and Streamlit ends
each run by calling ``plt.close("all")`` (``_clean_problem_modules``). This runs K export
threads at once (PNG and PDF in turn, as planners press "生成文件") while a visitor thread
ends a run every ``--every`` seconds, and counts the exports that fail. Nothing asserts a time.

    .venv/bin/python bench/bench_concurrent_exports.py               # 1 and 3 exporters, 4 exports each
    .venv/bin/python bench/bench_concurrent_exports.py --exporters 3 --exports 4 --every 1
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def run(exporters: int, exports: int, every_s: float) -> dict:
    from streamlit.runtime.scriptrunner.script_runner import _clean_problem_modules

    from layers import load_projects
    from layers.exports import export

    projects = load_projects()
    stop = threading.Event()
    results: list[tuple[bool, float, str]] = []
    lock = threading.Lock()

    def visitor():
        while not stop.wait(every_s):
            _clean_problem_modules()

    def planner(i: int, tmp: Path):
        for n in range(exports):
            fmt = ("png", "pdf")[n % 2]
            started = time.perf_counter()
            try:
                export(projects, fmt, tmp / f"p{i}_{n}.{fmt}")
                outcome = (True, time.perf_counter() - started, "")
            except Exception as exc:  # counted: this is what the benchmark measures
                outcome = (False, time.perf_counter() - started, f"{type(exc).__name__}: {exc}"[:120])
            with lock:
                results.append(outcome)

    with tempfile.TemporaryDirectory() as tmp:
        rerunning = threading.Thread(target=visitor, daemon=True)
        rerunning.start()
        threads = [threading.Thread(target=planner, args=(i, Path(tmp))) for i in range(exporters)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stop.set()
    ok = [s for good, s, _ in results if good]
    return {
        "exporters": exporters,
        "exports": len(results),
        "failed": len(results) - len(ok),
        "median_s": round(statistics.median(ok), 2) if ok else None,
        "errors": sorted({e for good, _, e in results if not good}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exporters", type=int, nargs="*", default=[1, 3])
    parser.add_argument("--exports", type=int, default=4, help="exports per exporter")
    parser.add_argument("--every", type=float, default=1.0, help="seconds between the visitor's reruns")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args()
    rows = [run(k, args.exports, args.every) for k in args.exporters]
    for r in rows:
        print(
            f"{r['exporters']} at once: {r['failed']} of {r['exports']} failed; median {r['median_s']} s {r['errors']}"
        )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "concurrent_exports.json").write_text(json.dumps(rows, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
