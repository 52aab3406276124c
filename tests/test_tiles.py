"""Web tiles for the static maps (layers.exports.tiles), against a local tile server: never the network."""

from __future__ import annotations

import io
import math
import os
import pathlib
import socket
import struct
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from PIL import Image
from pyproj import Transformer

from layers.exports import tiles
from layers.exports.tiles import TilesUnavailable, choose_zoom, fetch_basemap, tile_source, tile_url
from layers.geo.coords import GK_CRS

TO_GK = Transformer.from_crs("EPSG:4326", GK_CRS, always_xy=True)
TO_LL = Transformer.from_crs(GK_CRS, "EPSG:4326", always_xy=True)

#: About 40 km × 40 km around Jining's city centre, in EPSG:4548.
CX, CY = TO_GK.transform(116.59, 35.41)
SMALL = (CX - 20_000, CY - 20_000, CX + 20_000, CY + 20_000)


def world_px(lon, lat, z):
    """Global Web Mercator pixel coordinates (continuous) of lon/lat at zoom z."""
    n = 256 * 2**z
    phi = math.radians(lat)
    return (lon + 180) / 360 * n, (1 - math.asinh(math.tan(phi)) / math.pi) / 2 * n


def png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def tile_colour(z, x, y):
    """The colour that encodes a tile's address."""
    return (x % 256, y % 256, (z * 16 + 5) % 256)


def coded_tile(layer, z, x, y):
    return png(Image.new("RGB", (256, 256), tile_colour(z, x, y)))


def bomb_png(width=40_000, height=40_000) -> bytes:
    """A PNG whose header claims a huge image (the data is a few bytes)."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


class TileServer:
    """A tile server on 127.0.0.1 serving ``painter(layer, z, x, y)`` PNGs, or misbehaving per ``mode``."""

    def __init__(self):
        self.mode = "ok"
        self.painter = coded_tile
        self.requests: list[str] = []
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append(self.path)
                mode = server.mode
                if mode == "hang":
                    server.release.wait(10)
                    return
                if mode == "trickle":  # headers at once, then one byte at a time: no socket timeout fires
                    self.send_response(200)
                    self.send_header("Content-Type", "image/png")
                    self.send_header("Content-Length", "100000")
                    self.end_headers()
                    for _ in range(200):
                        if server.release.wait(0.05):
                            return
                        self.wfile.write(b"x")
                        self.wfile.flush()
                    return
                if mode == "500":
                    self.send_error(500)
                    return
                body = {
                    "garbage": lambda: b"<html>this is not a tile</html>",
                    "big": lambda: b"\x89PNG\r\n\x1a\n" + bytes(3 * 1024 * 1024),
                    "wrongsize": lambda: png(Image.new("RGB", (512, 512), "red")),
                    "bomb": bomb_png,
                }.get(mode)
                if body is None:
                    layer, z, x, y = self.path.split("?")[0].strip("/").split("/")
                    data = server.painter(layer, int(z), int(x), int(y.removesuffix(".png")))
                else:
                    data = body()
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, address: None  # clients that gave up are expected
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/{{layer}}/{{z}}/{{x}}/{{y}}.png?tk={{key}}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture
def server():
    s = TileServer()
    yield s
    s.close()


@pytest.fixture(autouse=True)
def no_proxy_no_env(monkeypatch):
    """Requests to 127.0.0.1 go straight to the test server; no configuration leaks in."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    for name in (tiles.ENV_URL, tiles.ENV_APPROVAL, "TIANDITU_KEY"):
        monkeypatch.delenv(name, raising=False)


def cached_files(path):
    """The files in a tile cache. After a failure, downloads still running write on into it
    (fetch_basemap does not wait for them): os.walk skips the temporary folders they remove
    meanwhile, where rglob raised FileNotFoundError."""
    return [pathlib.Path(root) / f for root, _dirs, files in os.walk(path) for f in files]


# --- shape, placement --------------------------------------------------------------------------
def test_image_covers_the_extent_and_each_pixel_comes_from_its_tile(server, tmp_path):
    size = (300, 200)
    t = fetch_basemap("osm", SMALL, size, base_url=server.url, cache_dir=tmp_path)
    assert t.image.shape == (200, 300, 4) and t.image.dtype == np.uint8
    assert t.extent == (SMALL[0], SMALL[2], SMALL[1], SMALL[3])
    assert (t.image[..., 3] == 255).all(), "some of the extent is not covered by tiles"
    assert t.tiles == len(server.requests) > 1
    # Every pixel clear of a tile edge has exactly the colour of the tile its centre falls in.
    checked = 0
    for row in range(5, 200, 13):
        for col in range(5, 300, 17):
            x = SMALL[0] + (col + 0.5) * (SMALL[2] - SMALL[0]) / 300
            y = SMALL[3] - (row + 0.5) * (SMALL[3] - SMALL[1]) / 200
            px, py = world_px(*TO_LL.transform(x, y), t.zoom)
            if min(px % 256, 256 - px % 256, py % 256, 256 - py % 256) < 2:
                continue
            assert tuple(t.image[row, col, :3]) == tile_colour(t.zoom, int(px // 256), int(py // 256)), (row, col)
            checked += 1
    assert checked > 200


def test_a_meridian_and_a_parallel_land_where_gauss_kruger_puts_them(server, tmp_path):
    """Red meridian at 115.9°E, blue parallel at 35.3°N on the tiles. Away from the central
    meridian (117°E) meridians lean in Gauss-Krüger, so the red column moves from top to
    bottom of the image: a warp that only crops and scales the mosaic would miss it."""
    lon, lat = 115.9, 35.3
    cx, cy = TO_GK.transform(lon, lat)
    bounds = (cx - 30_000, cy - 60_000, cx + 30_000, cy + 60_000)
    w, h = 300, 600

    def painter(layer, z, x, y):
        a = np.full((256, 256, 3), 255, np.uint8)
        mx, my = world_px(lon, lat, z)
        centres = np.arange(256) + 0.5  # pixels whose centre is within 1.5 px of the line
        a[:, np.abs(centres + x * 256 - mx) <= 1.5] = (255, 0, 0)
        a[np.abs(centres + y * 256 - my) <= 1.5, :] = (0, 0, 255)
        return png(Image.fromarray(a))

    server.painter = painter
    t = fetch_basemap("osm", bounds, (w, h), base_url=server.url, cache_dir=tmp_path)
    img = t.image.astype(int)

    def expected_col(row):
        """The column of the meridian in this row: the GK x where longitude is ``lon`` at this GK y."""
        y = bounds[3] - (row + 0.5) * (bounds[3] - bounds[1]) / h
        x = cx
        for _ in range(6):
            x, _ = TO_GK.transform(lon, TO_LL.transform(x, y)[1])
        return (x - bounds[0]) / (bounds[2] - bounds[0]) * w - 0.5

    def centre(profile):
        """Sub-pixel centre of the strongest line in a profile (weighted mean around the peak)."""
        k = int(np.argmax(profile))
        idx = np.arange(max(k - 4, 0), min(k + 5, len(profile)))
        return float((profile[idx] * idx).sum() / profile[idx].sum())

    redness = img[..., 0] - img[..., 1]
    top, bottom = 20, h - 20
    assert abs(expected_col(top) - expected_col(bottom)) > 4, "test set-up: the meridian should lean"
    for row in (top, bottom):
        assert abs(centre(redness[row]) - expected_col(row)) <= 0.75, (row, centre(redness[row]), expected_col(row))
    blueness = img[..., 2] - img[..., 1]
    col = w // 2
    gx = bounds[0] + (col + 0.5) * (bounds[2] - bounds[0]) / w
    gy = cy
    for _ in range(6):  # the GK y where latitude is ``lat`` in this column
        _, gy = TO_GK.transform(TO_LL.transform(gx, gy)[0], lat)
    expected_row = (bounds[3] - gy) / (bounds[3] - bounds[1]) * h - 0.5
    assert abs(centre(blueness[:, col]) - expected_row) <= 0.75, (centre(blueness[:, col]), expected_row)


def test_zoom_matches_output_resolution_and_grows_with_size():
    zooms = [choose_zoom(SMALL, (n, n), max_tiles=10_000) for n in (100, 400, 1600)]
    assert zooms[0] < zooms[1] < zooms[2]
    for n, z in zip((100, 400, 1600), zooms, strict=True):
        tile_res = 2 * math.pi * 6378137 / 256 / 2**z * math.cos(math.radians(35.41))
        out_res = 40_000 / n
        assert out_res / math.sqrt(2) <= tile_res <= out_res * math.sqrt(2) * 1.01


def test_max_tiles_is_respected(server, tmp_path):
    big = (CX - 80_000, CY - 80_000, CX + 80_000, CY + 80_000)
    free = fetch_basemap("osm", big, (1000, 1000), base_url=server.url, cache_dir=tmp_path / "a", max_tiles=1000)
    n = len(server.requests)
    assert n == free.tiles > 4
    capped = fetch_basemap("osm", big, (1000, 1000), base_url=server.url, cache_dir=tmp_path / "b", max_tiles=4)
    assert len(server.requests) - n == capped.tiles <= 4
    assert capped.zoom < free.zoom
    assert (capped.image[..., 3] == 255).all()


# --- cache -------------------------------------------------------------------------------------
def test_second_call_is_served_from_the_cache(server, tmp_path):
    first = fetch_basemap("osm", SMALL, (200, 200), base_url=server.url, cache_dir=tmp_path)
    n = len(server.requests)
    assert n == first.tiles > 0 and first.from_cache == 0
    assert len(cached_files(tmp_path)) == n
    second = fetch_basemap("osm", SMALL, (200, 200), base_url=server.url, cache_dir=tmp_path)
    assert len(server.requests) == n, "the cache did not serve the second call"
    assert second.from_cache == second.tiles == n
    assert np.array_equal(first.image, second.image)


def test_stale_tiles_are_refreshed_and_used_when_the_server_is_down(server, tmp_path):
    fetch_basemap("osm", SMALL, (200, 200), base_url=server.url, cache_dir=tmp_path)
    n = len(server.requests)
    old = time.time() - tiles.CACHE_MAX_AGE_S - 3600
    for p in cached_files(tmp_path):
        os.utime(p, (old, old))
    server.mode = "500"
    t = fetch_basemap("osm", SMALL, (200, 200), base_url=server.url, cache_dir=tmp_path)
    assert len(server.requests) == 2 * n, "stale tiles were not asked for again"
    assert t.from_cache == n and (t.image[..., 3] == 255).all()
    server.mode = "ok"
    fetch_basemap("osm", SMALL, (200, 200), base_url=server.url, cache_dir=tmp_path)
    assert len(server.requests) == 3 * n
    assert all(time.time() - p.stat().st_mtime < 600 for p in cached_files(tmp_path))


def test_corrupt_cache_file_is_replaced(server, tmp_path):
    fetch_basemap("osm", SMALL, (200, 200), base_url=server.url, cache_dir=tmp_path)
    n = len(server.requests)
    victim = cached_files(tmp_path)[0]
    victim.write_bytes(b"broken")
    again = fetch_basemap("osm", SMALL, (200, 200), base_url=server.url, cache_dir=tmp_path)
    assert len(server.requests) == n + 1 and again.from_cache == n - 1
    Image.open(victim).verify()


# --- failures ----------------------------------------------------------------------------------
def test_unreachable_server_raises_quickly(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png"
    t0 = time.monotonic()
    with pytest.raises(TilesUnavailable, match="cannot connect"):
        fetch_basemap("osm", SMALL, (200, 200), base_url=url, cache_dir=tmp_path, timeout=1.0)
    assert time.monotonic() - t0 < 1.0 * tiles.TOTAL_TIME_FACTOR
    assert cached_files(tmp_path) == []


@pytest.mark.parametrize("mode", ["hang", "trickle"])
def test_hanging_or_trickling_server_raises_within_the_time_budget(server, tmp_path, mode):
    server.mode = mode
    timeout = 0.4
    t0 = time.monotonic()
    with pytest.raises(TilesUnavailable, match="timed out"):
        fetch_basemap("osm", SMALL, (200, 200), base_url=server.url, cache_dir=tmp_path, timeout=timeout)
    elapsed = time.monotonic() - t0
    assert server.requests, "the server was never asked"
    assert elapsed < timeout * tiles.TOTAL_TIME_FACTOR + 1.0, elapsed
    assert cached_files(tmp_path) == []


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("500", "HTTP 500"),
        ("garbage", "not a valid tile image"),
        ("big", "too large"),
        ("wrongsize", "512x512"),
        ("bomb", "not a valid tile image|40000x40000"),
    ],
)
def test_bad_responses_raise_and_cache_nothing(server, tmp_path, mode, message):
    server.mode = mode
    with pytest.raises(TilesUnavailable, match=message) as err:
        fetch_basemap("osm", SMALL, (200, 200), base_url=server.url, cache_dir=tmp_path)
    assert server.requests
    assert len(str(err.value)) < 120 and "127.0.0.1" not in str(err.value)
    assert cached_files(tmp_path) == []


def test_one_bad_tile_fails_the_whole_basemap(server, tmp_path):
    size = (200, 200)
    z = choose_zoom(SMALL, size)
    x0, y0, x1, y1 = tiles._tile_range(tiles._lonlat_box(SMALL), z)
    assert (x1 - x0 + 1) * (y1 - y0 + 1) > 1, "test set-up: several tiles needed"
    server.painter = lambda layer, zz, x, y: b"nope" if (zz, x, y) == (z, x1, y1) else coded_tile(layer, zz, x, y)
    with pytest.raises(TilesUnavailable, match=f"osm tile {z}/{x1}/{y1}: not a valid tile image"):
        fetch_basemap("osm", SMALL, size, base_url=server.url, cache_dir=tmp_path)
    assert not any(p.name == f"{y1}.tile" and p.parent.name == str(x1) for p in cached_files(tmp_path))


# --- Tianditu ----------------------------------------------------------------------------------
def test_tianditu_without_a_key_raises_before_any_request(server, tmp_path):
    with pytest.raises(TilesUnavailable, match="key"):
        fetch_basemap("tianditu", SMALL, (200, 200), base_url=server.url, cache_dir=tmp_path)
    assert server.requests == []


def test_tianditu_draws_labels_over_the_vector_map_and_credits_its_approval_number(server, tmp_path, monkeypatch):
    def painter(layer, z, x, y):
        if layer == "vec":
            return png(Image.new("RGB", (256, 256), (10, 200, 30)))
        a = np.zeros((256, 256, 4), np.uint8)  # transparent labels layer with an opaque black band
        a[100:156, :, 3] = 255
        return png(Image.fromarray(a, "RGBA"))

    server.painter = painter
    monkeypatch.setenv("TIANDITU_KEY", "k3y")
    t = fetch_basemap("tianditu", SMALL, (200, 200), base_url=server.url, cache_dir=tmp_path)
    layers = sorted({p.strip("/").split("/")[0] for p in server.requests})
    assert layers == ["cva", "vec"] and all(p.endswith("tk=k3y") for p in server.requests)
    assert t.tiles == len(server.requests) and t.tiles % 2 == 0
    colours = {tuple(c) for c in t.image.reshape(-1, 4)}
    assert (10, 200, 30, 255) in colours and (0, 0, 0, 255) in colours
    assert (t.image[..., 3] == 255).all()
    assert "天地图" in t.attribution and f"审图号:{tiles.TIANDITU_APPROVAL_NO}" in t.attribution
    monkeypatch.setenv(tiles.ENV_APPROVAL, "GS(2099)0001号")
    again = fetch_basemap("tianditu", SMALL, (200, 200), base_url=server.url, cache_dir=tmp_path)
    assert "审图号:GS(2099)0001号" in again.attribution and again.from_cache == again.tiles


def test_tianditu_needs_room_for_both_layers(server, tmp_path):
    with pytest.raises(TilesUnavailable, match="more than 1 tiles"):
        fetch_basemap("tianditu", SMALL, (200, 200), tdt_key="k", base_url=server.url, cache_dir=tmp_path, max_tiles=1)
    assert server.requests == []


def test_real_tile_urls():
    osm = tile_source("osm")
    assert tile_url(osm.layers[0], 7, 107, 52) == "https://tile.openstreetmap.org/7/107/52.png"
    assert "OpenStreetMap" in osm.attribution
    tdt = tile_source("tianditu", tdt_key="abc")
    assert [layer.name for layer in tdt.layers] == ["vec", "cva"]
    urls = [tile_url(layer, 7, 107, 52) for layer in tdt.layers]
    for name, url in zip(("vec", "cva"), urls, strict=True):
        assert url.startswith(f"https://t{(107 + 52) % 8}.tianditu.gov.cn/{name}_w/wmts?")
        assert f"LAYER={name}&" in url and "TILEMATRIXSET=w" in url
        assert "TILEMATRIX=7&TILEROW=52&TILECOL=107" in url and url.endswith("tk=abc")


def test_env_url_overrides_and_other_sources_are_refused(server, tmp_path, monkeypatch):
    monkeypatch.setenv(tiles.ENV_URL, server.url)
    t = fetch_basemap("osm", SMALL, (100, 100), cache_dir=tmp_path)
    assert len(server.requests) == t.tiles > 0
    with pytest.raises(ValueError, match="GCJ-02"):
        fetch_basemap("gaode", SMALL, (100, 100), cache_dir=tmp_path)
    with pytest.raises(ValueError, match="unknown"):
        fetch_basemap("bing", SMALL, (100, 100), cache_dir=tmp_path)
    with pytest.raises(ValueError):
        fetch_basemap("osm", (1, 1, 0, 2), (100, 100), cache_dir=tmp_path)


def test_interpolated_projection_grid_matches_the_exact_projection():
    """The warp projects every 16th pixel exactly and interpolates between: check it against
    projecting every pixel, for Jining's whole extent at print size."""
    from layers import load_city

    bounds = tuple(load_city().to_crs(GK_CRS).total_bounds)
    w, h = 1200, 1320
    z = choose_zoom(bounds, (w, h), max_tiles=10_000)
    exact = tiles._mosaic_coords(bounds, w, h, z, (0, 0), step=1)(0, h)
    fast = tiles._mosaic_coords(bounds, w, h, z, (0, 0))(0, h)
    assert tiles._GRID_STEP > 1
    for a, b in zip(exact, fast, strict=True):
        assert a.shape == (h, w)
        assert np.abs(a - b).max() < 0.01


# --- Tiles under the printed maps (layers.exports.print_map) ---------------------------------


def _render(basemap, lang="zh", **kw):
    from layers import load_projects
    from layers.exports.print_map import render_map
    from layers.selection.filtering import Filters

    projects = load_projects()
    return render_map(projects[projects["action"] == 4], Filters((4,)), "a4", lang=lang, basemap=basemap, **kw)


def test_a_printed_map_draws_tiles_under_the_measures_and_credits_them(server, tmp_path, monkeypatch):
    from pdfwords import overlaps, printed_words

    from layers.exports.print_base import TILES_FALLBACK
    from layers.exports.print_map import save

    monkeypatch.setenv(tiles.ENV_URL, server.url)
    monkeypatch.setenv("JINING_TILE_CACHE", str(tmp_path / "cache"))
    page = _render("osm")
    ax = page.figure.axes[0]
    assert len(ax.images) == 1 and ax.images[0].get_zorder() < min(c.get_zorder() for c in ax.collections)
    assert server.requests, "the tiles came from the (local) tile server"
    pdf = save(page, tmp_path / "m.pdf")
    _w, _h, words = printed_words(pdf)
    text = "".join(w[0] for w in words)
    assert "OpenStreetMap" in text and TILES_FALLBACK["zh"] not in text
    assert overlaps(words) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_without_tiles_the_printed_map_falls_back_to_the_offline_map_and_says_so(tmp_path, monkeypatch, lang):
    from pdfwords import overlaps, printed_words

    from layers.exports.print_base import TILES_FALLBACK
    from layers.exports.print_map import save

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv(tiles.ENV_URL, f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png")
    monkeypatch.setenv("JINING_TILE_CACHE", str(tmp_path / "cache"))
    page = _render("osm", lang)
    assert len(page.figure.axes[0].images) == 0
    pdf = save(page, tmp_path / "m.pdf")
    _w, _h, words = printed_words(pdf)
    assert TILES_FALLBACK[lang].replace(" ", "") in "".join(w[0] for w in words)
    assert overlaps(words) == []


def test_the_export_form_says_what_a_printed_map_will_have_under_it():
    from layers.exports.print_base import PRINT_TILES, print_basemap_note
    from layers.webmap.basemaps import available_basemaps

    for key in available_basemaps("k"):
        zh, en = print_basemap_note(key, "zh"), print_basemap_note(key, "en")
        assert zh and en and not any("\u4e00" <= ch <= "\u9fff" for ch in en)
        assert ("在线瓦片" in zh) == (key in PRINT_TILES)
        assert "简图" in zh  # every choice names the offline fallback or the offline map itself
