"""Web tiles for static maps: cold (download) and warm (disk cache) time of ``fetch_basemap``
for Jining's whole extent at print sizes, against a local tile server (no network); the
warm time is reading the cache plus the warp. Prints JSON and writes it to ``bench/results/tiles.json``. Nothing here
asserts a time.

    .venv/bin/python bench/bench_tiles.py [--repeat 3] [--out bench/results/tiles.json]
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from layers import load_city  # noqa: E402
from layers.exports import tiles as T  # noqa: E402
from layers.geo.coords import GK_CRS  # noqa: E402


def _tile_bytes() -> bytes:
    rng = np.random.default_rng(20200320)  # noisy tiles compress like real ones, roughly
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (256, 256, 3), dtype=np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def _server() -> tuple[ThreadingHTTPServer, str]:
    body = _tile_bytes()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_port}/{{layer}}/{{z}}/{{x}}/{{y}}.png"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "tiles.json")
    args = ap.parse_args(argv)
    bounds = tuple(load_city().to_crs(GK_CRS).total_bounds)
    httpd, url = _server()
    rows = []
    try:
        for size in ((800, 880), (2400, 2640)):  # screen-ish, and A4 at 300 dpi
            cold, warm = [], []
            for _ in range(args.repeat):
                with tempfile.TemporaryDirectory() as cache:
                    t0 = time.perf_counter()
                    first = T.fetch_basemap("osm", bounds, size, base_url=url, cache_dir=cache)
                    cold.append(time.perf_counter() - t0)
                    t0 = time.perf_counter()
                    T.fetch_basemap("osm", bounds, size, base_url=url, cache_dir=cache)
                    warm.append(time.perf_counter() - t0)
            rows.append(
                {
                    "size_px": list(size),
                    "zoom": first.zoom,
                    "tiles": first.tiles,
                    "cold_s": round(statistics.median(cold), 3),
                    "warm_s": round(statistics.median(warm), 3),
                }
            )
    finally:
        httpd.shutdown()
        httpd.server_close()
    result = {"bounds_gk": [round(b) for b in bounds], "runs": rows, "python": platform.python_version()}
    result["machine"] = platform.machine()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
