"""Geocoder throughput: place strings per second, cold (all distinct) and warm (repeated).

    .venv/bin/python bench/bench_geocode.py [--n 50000] [--out bench/results/geocode.json]

Strings are generated with a fixed seed from gazetteer names, aliases, unknown
words and prefixes/suffixes, so every run geocodes the same inputs.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from layers.geo.gazetteer import Geocoder, read_gazetteer  # noqa: E402


def make_queries(n: int, seed: int = 20200320) -> list[str]:
    gaz = read_gazetteer()
    names = list(gaz["name_zh"]) + [a for al in gaz["aliases"] for a in al.split("|") if a]
    rng = random.Random(seed)
    noise = ["路", "村", "社区", "项目", "一期", "东侧", "片区", "工程", "中心", "广场"]
    out = []
    for i in range(n):
        r = rng.random()
        if r < 0.2:
            out.append(f"未知地点{i}")
        else:
            prefix = rng.choice(["", "济宁市", "山东省济宁市", "　"])
            out.append(f"{prefix}{rng.choice(names)}{rng.choice(noise)}{i}")
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=50000)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "geocode.json")
    args = ap.parse_args(argv)
    queries = make_queries(args.n)
    geocoder = Geocoder(read_gazetteer())
    t0 = time.perf_counter()
    for q in queries:
        geocoder.geocode(q)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    for q in queries:
        geocoder.geocode(q)
    warm = time.perf_counter() - t0
    result = {
        "n": args.n,
        "cold_strings_per_s": round(args.n / cold),
        "warm_strings_per_s": round(args.n / warm),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
