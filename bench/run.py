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

    from layers.selection.filtering import Filters
    from layers.webmap.mapping import build_map

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
# The first visit of a filter state is "cold"; later visits may be served from caches.
cold, warm, seen = [], [], {()}  # the first run drew the default state
states = [[3], [4], [3, 4], [], [10], [2], [5, 6], [7]]
for i in range(repeat):
    state = states[i % len(states)]
    t = time.perf_counter()
    at.multiselect(key="f_actions").set_value(state).run()
    (warm if tuple(state) in seen else cold).append(time.perf_counter() - t)
    seen.add(tuple(state))
    assert not at.exception, at.exception
times = cold + warm
print(json.dumps({
    "median_s": statistics.median(times),
    "cold_median_s": statistics.median(cold),
    "warm_median_s": statistics.median(warm) if warm else None,
    "runs": len(times),
}))
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


def map_frame(page):
    """The map component's frame, or None before it exists."""
    return next((f for f in page.frames if "streamlit_folium" in f.url), None)


def map_count(page):
    frame = map_frame(page)
    if frame is None:
        return -1
    try:
        return frame.evaluate(COUNT_JS)
    except Exception:  # frame replaced while we asked
        return -1


def wait_count(page, expected, timeout=180.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if map_count(page) == expected:
            return True
        page.wait_for_timeout(20)
    return False


def drawn_features(sel) -> int:
    """How many features carrying a measure's id the app's map draws for ``sel`` (what
    COUNT_JS counts): shapes, county tints, markers and number tags; measures that share a
    place are inside their cluster's marker until it is spread."""
    from layers.webmap.map_layers import _FeatureLayer
    from layers.webmap.mapping import overlay_groups

    groups, _ = overlay_groups(sel)
    return sum(sum(1 for i in e.ids if i) for g in groups for e in g._children.values() if isinstance(e, _FeatureLayer))


def bench_browser(size, app, projects, repeat, label):
    from playwright.sync_api import sync_playwright

    from layers.selection.filtering import Filters, filter_projects

    env = projects_env(size)
    part = filter_projects(projects, Filters((3,)))
    if "naive" in label:  # one marker or shape per located measure
        full, part_n = int(projects.geometry.notna().sum()), int(part.geometry.notna().sum())
    else:
        full, part_n = drawn_features(projects), drawn_features(part)
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
                # Let the page finish loading, as it has by the time a person clicks.
                page.wait_for_timeout(500)
                reset = page.locator(".st-key-reset button").first
                t = time.perf_counter()
                reset.click()
                if not wait_count(page, full):
                    break
                times.append(time.perf_counter() - t)
            out["filter_change_s"] = statistics.median(times) if times else None
            if times and "naive" not in label:
                # Three pans and zooms: medians of the times, the longest task of all.
                runs = [measure_pan_zoom(page) for _ in range(3)]
                for k in runs[0]:
                    values = [r[k] for r in runs]
                    out[k] = max(values) if "longest" in k else statistics.median(values)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return out


START_JS = """(event) => {
  // The longest main-thread task from now on (Long Tasks API: over 50 ms the page cannot respond),
  // and the time of a map event given by the caller.
  window.__longest = 0; window.__t0 = performance.now(); window.__start = window.__t0; window.__done = 0;
  if (!window.__observer) {
    window.__observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (e.startTime >= window.__t0) window.__longest = Math.max(window.__longest, e.duration);
      }
    });
    window.__observer.observe({type: "longtask"});
  }
  // The canvas redraws in the frame after moveend/zoomend: settled two frames later.
  window.map.once(event, () => requestAnimationFrame(() => requestAnimationFrame(() => {
    window.__done = performance.now();
  })));
}"""
SETTLED_JS = """() => ({settled_ms: window.__done - window.__start, longest_task_ms: window.__longest})"""


def _settled(frame, timeout=60.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not frame.evaluate("window.__done"):
        frame.page.wait_for_timeout(20)
    frame.page.wait_for_timeout(300)  # let long tasks after the event be reported
    return frame.evaluate(SETTLED_JS)


def measure_pan_zoom(page) -> dict:
    """Pan the map by dragging it with the mouse, then zoom in one level. Reports the time
    from releasing the mouse (or asking for the zoom) until the map has settled and
    redrawn, which includes Leaflet's own inertia and zoom animations, and the longest
    main-thread task on the way (the page cannot respond during a task over 50 ms)."""
    frame = map_frame(page)
    box = page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    frame.evaluate(START_JS, "moveend")
    # Every evaluated function returns nothing: returning the map would make Playwright
    # serialise all its layers, a long task of the harness's own.
    frame.evaluate("() => { window.map.once('dragend', () => { window.__start = performance.now(); }); }")
    page.mouse.move(cx, cy)
    page.mouse.down()
    for i in range(1, 21):
        page.mouse.move(cx - 12 * i, cy - 6 * i)
    page.mouse.up()
    pan = _settled(frame)
    frame.evaluate(START_JS, "zoomend")
    frame.evaluate("() => { window.map.setZoom(window.map.getZoom() + 1); }")
    zoom = _settled(frame)
    return {
        "pan_settled_s": pan["settled_ms"] / 1000,
        "pan_longest_task_s": pan["longest_task_ms"] / 1000,
        "zoom_settled_s": zoom["settled_ms"] / 1000,
        "zoom_longest_task_s": zoom["longest_task_ms"] / 1000,
    }


# --- exports and geocoder ---------------------------------------------------------------------
def bench_geocoder(n=50_000):
    from bench_geocode import make_queries

    from layers.geo.gazetteer import Geocoder, read_gazetteer

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
    lines += [
        "",
        "Script rerun split into the first visit of a filter state (cold) and later visits (warm,"
        " served from the overlay cache); panning (a mouse drag: from release until settled and redrawn,"
        " Leaflet's inertia included) and zooming in one level (zoom animation included), with the"
        " longest main-thread task on the way (a task over 50 ms is a moment the page cannot respond;"
        " 0 means none over 50 ms):",
        "",
        "| size | rerun cold | rerun warm | pan settled | pan longest task | zoom settled | zoom longest task |",
        "|---|---|---|---|---|---|---|",
    ]
    for size, r in res["sizes"].items():
        rr, br = r.get("rerun", {}), r.get("browser", {})
        keys = ("pan_settled_s", "pan_longest_task_s", "zoom_settled_s", "zoom_longest_task_s")
        cells = [fmt_s(rr.get("cold_median_s")), fmt_s(rr.get("warm_median_s")), *(fmt_s(br.get(k)) for k in keys)]
        lines.append(f"| {size} | " + " | ".join(cells) + " |")
    e, g = res.get("exports", {}), res.get("geocoder", {})
    lines += [
        "",
        f"Exports (real register, offline base map): A4 PNG {fmt_s(e.get('a4_png_s'))}, "
        f"A4 PDF {fmt_s(e.get('a4_pdf_s'))}, 16:9 PNG {fmt_s(e.get('16x9_png_s'))}, "
        f"pack PDF {fmt_s(e.get('pack_pdf_s'))}, PPTX {fmt_s(e.get('pptx_s'))}; "
        f"A4 PNG of 1,000 synthetic measures {fmt_s(e.get('a4_png_1000_s'))}.",
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
        from bench_exports import bench_exports

        res["exports"] = bench_exports(Path(tmp), quick=args.quick)
    res["geocoder"] = bench_geocoder(5_000 if args.quick else 50_000)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(res, indent=2), encoding="utf-8")
    (args.out / "results.md").write_text(markdown(res), encoding="utf-8")
    print(markdown(res))


if __name__ == "__main__":
    main()
