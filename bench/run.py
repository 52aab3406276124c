"""Benchmark harness: the app against a naive baseline, at the real register's size and on
synthetic registers. One command:

    .venv/bin/python bench/run.py                  # real register, 1,000, 10,000, 50,000
    .venv/bin/python bench/run.py --quick          # real register and 300: checks the harness works

Writes ``bench/results/results.json`` and ``bench/results/results.md``. Every figure
is a median of repeated runs; ratios ours/naive come from the same run, because
absolute times on shared machines drift. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

RESULTS = ROOT / "bench" / "results"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: The naive baseline is not run above these sizes: a single run takes minutes.
NAIVE_LIMIT = {"build": 10_000, "rerun": 10_000, "browser": 10_000}


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def projects_env(size) -> dict:
    """Environment that makes the app load the register of this size."""
    env = {k: v for k, v in os.environ.items() if k != "JINING_PROJECTS"}
    if size != "real":
        from synthetic import synthetic_file

        env["JINING_PROJECTS"] = str(synthetic_file(int(size)))
    env["JINING_STORE"] = str(Path(tempfile.mkdtemp()) / "bench-store.sqlite")
    return env


def load(size):
    import layers

    os.environ.update({k: v for k, v in projects_env(size).items() if k in ("JINING_PROJECTS", "JINING_STORE")})
    if size == "real":
        os.environ.pop("JINING_PROJECTS", None)
    return layers.load_projects()


# --- map build + payload ---------------------------------------------------------------------
def bench_build(size, projects, repeat, no_naive=False):
    from naive import naive_map

    from layers.filtering import Filters
    from layers.mapping import build_map

    out = {}
    html = {}

    def ours():
        html["ours"] = build_map(projects, Filters()).get_root().render()

    out["ours_s"] = median_time(ours, repeat)
    out["ours_bytes"] = len(html["ours"].encode("utf-8"))
    if len(projects) <= NAIVE_LIMIT["build"]:

        def naive():
            html["naive"] = naive_map(projects).get_root().render()

        out["naive_s"] = median_time(naive, max(1, repeat if len(projects) <= 2000 else 1))
        out["naive_bytes"] = len(html["naive"].encode("utf-8"))
    return out


# --- script rerun (AppTest) -------------------------------------------------------------------
RERUN_SCRIPT = r"""
import json, statistics, sys, time
from streamlit.testing.v1 import AppTest
app, repeat = sys.argv[1], int(sys.argv[2])
at = AppTest.from_file(app, default_timeout=600); at.run()
assert not at.exception, at.exception
times = []
states = [[3], [4], [3, 4], [], [10], []]
for i in range(repeat):
    t = time.perf_counter()
    at.multiselect(key="f_actions").set_value(states[i % len(states)]).run()
    times.append(time.perf_counter() - t)
    assert not at.exception, at.exception
print(json.dumps({"median_s": statistics.median(times), "runs": len(times)}))
"""


def bench_rerun(size, app, repeat):
    env = projects_env(size)
    res = subprocess.run(
        [sys.executable, "-c", RERUN_SCRIPT, str(app), str(repeat)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if res.returncode != 0:
        return {"error": res.stderr.strip().splitlines()[-1] if res.stderr.strip() else "failed"}
    return json.loads(res.stdout.strip().splitlines()[-1])


# --- browser ----------------------------------------------------------------------------------
COUNT_JS = """() => {
  if (!window.L) return -1;
  const maps = Object.values(window).filter(v => v instanceof L.Map);
  if (!maps.length) return -1;
  let n = 0;
  maps[0].eachLayer(l => { if (l.feature && l.feature.properties && l.feature.properties.id) n++;
                           else if (l instanceof L.Marker && !(l.options.icon instanceof L.DivIcon)) n++; });
  return n;
}"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(app, env):
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(app),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise TimeoutError("streamlit did not start")


def map_count(page):
    for f in page.frames:
        if "streamlit_folium" in f.url:
            try:
                return f.evaluate(COUNT_JS)
            except Exception:  # frame replaced while we asked
                return -1
    return -1


def wait_count(page, expected, timeout=180.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if map_count(page) == expected:
            return True
        page.wait_for_timeout(20)
    return False


def bench_browser(size, app, projects, repeat, label):
    from playwright.sync_api import sync_playwright

    from layers.filtering import Filters, filter_projects

    env = projects_env(size)
    full = int(projects.geometry.notna().sum() + (projects["form"] == "county").sum() * 0)
    if "naive" not in label:
        full = int(projects.geometry.notna().sum()) + int(
            sum(len(c.split(",")) for c in projects.loc[projects["form"] == "county", "county_adcodes"])
        )
    part = filter_projects(projects, Filters((3,)))
    part_n = int(part.geometry.notna().sum())
    if "naive" not in label:
        part_n += int(sum(len(c.split(",")) for c in part.loc[part["form"] == "county", "county_adcodes"]))
    t0 = time.perf_counter()
    proc, url = start(app, env)
    out = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
            page = context.new_page()
            page.goto(url)
            drawn = wait_count(page, full)
            out["start_to_first_map_s"] = time.perf_counter() - t0 if drawn else None
            times = []
            for _ in range(repeat):
                page.goto(f"{url}/?action=3")
                if not wait_count(page, part_n):
                    break
                reset = page.locator(".st-key-reset button").first
                t = time.perf_counter()
                reset.click()
                if not wait_count(page, full):
                    break
                times.append(time.perf_counter() - t)
            out["filter_change_s"] = statistics.median(times) if times else None
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return out


# --- exports and geocoder ---------------------------------------------------------------------
def bench_exports(tmp: Path):
    from layers import load_projects
    from layers.exports import export

    p = load_projects()
    out = {}
    for fmt, name in (("png", "a4_png_s"), ("pdf", "a4_pdf_s"), ("pack-pdf", "pack_pdf_s")):
        out[name] = median_time(
            lambda fmt=fmt: export(p, fmt, tmp / f"x.{fmt}", layout="a4"), 3 if fmt != "pack-pdf" else 1
        )
    return out


def bench_geocoder(n=50_000):
    from bench_geocode import make_queries

    from layers.gazetteer import Geocoder, read_gazetteer

    queries = make_queries(n)
    g = Geocoder(read_gazetteer())
    t = time.perf_counter()
    for q in queries:
        g.geocode(q)
    return {"strings_per_s": round(n / (time.perf_counter() - t)), "n": n}


# --- report -----------------------------------------------------------------------------------
def fmt_s(v):
    return "—" if v is None else (f"{v * 1000:.0f} ms" if v < 1 else f"{v:.2f} s")


def fmt_b(v):
    return "—" if v is None else (f"{v / 1e3:.0f} KB" if v < 1e6 else f"{v / 1e6:.1f} MB")


def ratio(a, b):
    return "—" if not a or not b else f"{a / b:.2f}"


def markdown(res) -> str:
    lines = [
        f"Machine: {res['machine']}",
        "",
        "| size | measures | map build+render | payload | naive build | naive payload | ratio (build) |"
        " script rerun | naive rerun | ratio (rerun) | browser filter→map | naive | ratio | start→first map |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size, r in res["sizes"].items():
        b, rr, br = r.get("build", {}), r.get("rerun", {}), r.get("browser", {})
        nrr, nbr = r.get("naive_rerun", {}), r.get("naive_browser", {})
        lines.append(
            "| "
            + " | ".join(
                [
                    size,
                    str(r["measures"]),
                    fmt_s(b.get("ours_s")),
                    fmt_b(b.get("ours_bytes")),
                    fmt_s(b.get("naive_s")),
                    fmt_b(b.get("naive_bytes")),
                    ratio(b.get("ours_s"), b.get("naive_s")),
                    fmt_s(rr.get("median_s")),
                    fmt_s(nrr.get("median_s")),
                    ratio(rr.get("median_s"), nrr.get("median_s")),
                    fmt_s(br.get("filter_change_s")),
                    fmt_s(nbr.get("filter_change_s")),
                    ratio(br.get("filter_change_s"), nbr.get("filter_change_s")),
                    fmt_s(br.get("start_to_first_map_s")),
                ]
            )
            + " |"
        )
    e, g = res.get("exports", {}), res.get("geocoder", {})
    lines += [
        "",
        f"Exports (real register): A4 PNG {fmt_s(e.get('a4_png_s'))}, A4 PDF {fmt_s(e.get('a4_pdf_s'))}, "
        f"briefing pack PDF {fmt_s(e.get('pack_pdf_s'))}.",
        f"Geocoder: {g.get('strings_per_s', '—'):,} place strings/s ({g.get('n', 0):,} distinct strings, cold cache).",
    ]
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes only (CI)")
    ap.add_argument("--sizes", help="comma-separated sizes; 'real' is the register")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--no-naive", action="store_true", help="skip the naive baseline")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    sizes = (args.sizes or ("real,300" if args.quick else "real,1000,10000,50000")).split(",")
    repeat = 2 if args.quick else args.repeat
    app, naive = ROOT / "app.py", ROOT / "bench" / "naive_app.py"
    res = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}",
        "sizes": {},
    }
    for size in sizes:
        projects = load(size)
        n = len(projects)
        r = {"measures": n}
        print(f"[{size}] {n} measures: build", flush=True)
        r["build"] = bench_build(size, projects, repeat, args.no_naive)
        print(f"[{size}] rerun", flush=True)
        r["rerun"] = bench_rerun(size, app, repeat * 2)
        if n <= NAIVE_LIMIT["rerun"] and not args.no_naive:
            r["naive_rerun"] = bench_rerun(size, naive, max(2, repeat if n <= 2000 else 2))
        if not args.no_browser and Path(CHROMIUM).exists():
            print(f"[{size}] browser", flush=True)
            r["browser"] = bench_browser(size, app, projects, repeat if n <= 10_000 else 2, "ours")
            if n <= NAIVE_LIMIT["browser"] and not args.no_naive:
                r["naive_browser"] = bench_browser(size, naive, projects, max(1, repeat if n <= 2000 else 1), "naive")
        res["sizes"][size] = r
    os.environ.pop("JINING_PROJECTS", None)
    with tempfile.TemporaryDirectory() as tmp:
        print("exports", flush=True)
        res["exports"] = bench_exports(Path(tmp))
    res["geocoder"] = bench_geocoder(5_000 if args.quick else 50_000)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(res, indent=2), encoding="utf-8")
    (args.out / "results.md").write_text(markdown(res), encoding="utf-8")
    print(markdown(res))


if __name__ == "__main__":
    main()
