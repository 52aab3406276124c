"""Export timings: static maps with the offline base map, a crowded synthetic map, the PDF
pack and the PPTX deck; and, with progress stored (issue 22), the same on the real register
coloured by progress with the briefing (作战图 and 变化情况). Medians of repeated runs;
nothing here asserts a time.

    .venv/bin/python bench/bench_exports.py              # prints a table, writes bench/results/exports.json
    .venv/bin/python bench/bench_exports.py --quick      # one run each, the fast progress cases only (CI)

The progress is FICTIONAL (bench/demo_progress.py: a plan and monthly reports for every
measure of the real register), saved once to a temporary SQLite store; as of 2020-12-31,
changes since 2020-11-30.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

#: (result name, format, layout, register, runs)
CASES = [
    ("a4_png_s", "png", "a4", "real", 3),
    ("a4_pdf_s", "pdf", "a4", "real", 3),
    ("16x9_png_s", "png", "16x9", "real", 3),
    ("a4_png_1000_s", "png", "a4", "1000", 3),
    ("pack_pdf_s", "pack-pdf", "a4", "real", 1),
    ("pptx_s", "pptx", "a4", "real", 1),
]

#: The as-of date and the start of the changes' period of the progress cases.
ASOF, SINCE = dt.date(2020, 12, 31), dt.date(2020, 11, 30)

#: Progress cases (real register with its lights joined, coloured by progress):
#: (result name, format, layout, with the briefing, the pack of one unit, runs, in --quick).
PROGRESS_CASES = [
    ("progress_a4_png_s", "png", "a4", False, False, 3, True),
    ("progress_a4_pdf_s", "pdf", "a4", False, False, 3, False),
    ("progress_pack_pdf_s", "pack-pdf", "a4", True, False, 3, False),
    ("progress_pptx_s", "pptx", "a4", True, False, 3, False),
    ("progress_unit_pack_pdf_s", "pack-pdf", "a4", True, True, 3, True),
]


def _median(runs: int, fn, *args, **kwargs) -> float:
    """The median time of ``runs`` calls of ``fn(*args, **kwargs)``, rounded to the ms."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn(*args, **kwargs)
        times.append(time.perf_counter() - t)
    return round(statistics.median(times), 3)


def bench_progress_exports(tmp: Path, quick: bool = False) -> dict:
    """The progress cases: a temporary SQLite store filled once with the demo progress;
    the lights' join (as the app does before a printed map), :func:`from_store` with
    ``since`` (the briefing a pack is handed), then the exports."""
    from demo_progress import fill_demo

    from layers import load_projects
    from layers.edits.store import Store
    from layers.exports import export
    from layers.progress.briefing import from_store
    from layers.progress.store import lights_asof
    from layers.progress.view import with_lights

    projects = load_projects()
    ids = list(projects["id"])
    runs_of = (lambda runs: 1) if quick else (lambda runs: runs)
    out = {}
    with Store(tmp / "progress.sqlite") as store:
        t = time.perf_counter()
        out["progress_rows"] = fill_demo(store, ids, ASOF)
        out["progress_fill_s"] = round(time.perf_counter() - t, 3)
        joined = {}

        def join():
            joined["p"] = with_lights(projects, lights_asof(store, ids, ASOF), ASOF)

        out["progress_lights_join_s"] = _median(runs_of(3), join)
        got = {}

        def briefing():
            got["b"] = from_store(store, ids, ASOF, SINCE)

        out["progress_from_store_s"] = _median(runs_of(3), briefing)
    register, b = joined["p"], got["b"]
    unit = b.units()[0]
    out["progress_unit"] = unit
    for name, fmt, layout, with_briefing, of_unit, runs, in_quick in PROGRESS_CASES:
        if quick and not in_quick:
            continue
        kwargs = {"asof": ASOF, "colour_by": "progress"}
        if with_briefing:
            kwargs["briefing"] = b
        if of_unit:
            kwargs["unit"] = unit
        out[name] = _median(runs_of(runs), export, register, fmt, tmp / f"p.{fmt}", layout=layout, **kwargs)
    return out


def bench_exports(tmp: Path, quick: bool = False) -> dict:
    from synthetic import synthetic_projects

    from layers import load_projects
    from layers.exports import export

    registers = {"real": load_projects(), "1000": synthetic_projects(1000)}
    out = {}
    for name, fmt, layout, register, runs in CASES:
        out[name] = _median(1 if quick else runs, export, registers[register], fmt, tmp / f"x.{fmt}", layout=layout)
    out.update(bench_progress_exports(tmp, quick))
    return out


def main() -> int:
    quick = "--quick" in sys.argv
    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        res = bench_exports(Path(tmp), quick=quick)
    res["total_s"] = round(time.perf_counter() - t, 1)
    print("| export | median s |\n|---|---|")
    for k, v in res.items():
        print(f"| {k} | {v:.2f} |" if isinstance(v, float) else f"| {k} | {v} |")
    if not quick:
        out = ROOT / "bench" / "results" / "exports.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(res, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
