"""Export timings: static maps with the offline base map, a crowded synthetic map, the PDF
pack and the PPTX deck. Medians of repeated runs; nothing here asserts a time.

    .venv/bin/python bench/bench_exports.py              # prints a table, writes bench/results/exports.json
"""

from __future__ import annotations

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


def bench_exports(tmp: Path, quick: bool = False) -> dict:
    from synthetic import synthetic_projects

    from layers import load_projects
    from layers.exports import export

    registers = {"real": load_projects(), "1000": synthetic_projects(1000)}
    out = {}
    for name, fmt, layout, register, runs in CASES:
        times = []
        for _ in range(1 if quick else runs):
            t = time.perf_counter()
            export(registers[register], fmt, tmp / f"x.{fmt}", layout=layout)
            times.append(time.perf_counter() - t)
        out[name] = round(statistics.median(times), 3)
    return out


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        res = bench_exports(Path(tmp), quick="--quick" in sys.argv)
    print("| export | median s |\n|---|---|")
    for k, v in res.items():
        print(f"| {k} | {v:.2f} |")
    if "--quick" not in sys.argv:
        out = ROOT / "bench" / "results" / "exports.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(res, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
