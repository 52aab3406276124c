"""Web map tiles under the static (matplotlib) maps: fetched when online, never required.

:func:`fetch_basemap` downloads the XYZ tiles (Web Mercator) that cover a map extent
given in CGCS2000 / Gauss-Krüger (EPSG:4548, the CRS the static maps are drawn in),
mosaics them and warps the mosaic into that extent, ready for
``ax.imshow(t.image, extent=t.extent, origin="upper")``. Any failure (no network,
timeout, HTTP error, something that is not a tile image, no Tianditu key) raises
:class:`TilesUnavailable`; the caller then draws the offline base map and says so.

Sources:

- ``"osm"``: OpenStreetMap (URL from xyzservices);
- ``"tianditu"``: 天地图 vector ``vec_w`` with the annotation layer ``cva_w`` on top.
  The ``_w`` layers are Web Mercator tiles on CGCS2000, which is within a metre of
  WGS-84, so no GCJ-02 shift is needed. Needs a key (``TIANDITU_KEY``).

Gaode (高德) is not offered here: its tiles are GCJ-02 and would sit hundreds of
metres off the measures drawn in CGCS2000.

Tiles are cached on disk (one file per source, layer and z/x/y; written atomically;
error responses never cached) so a second export of the same area needs no network.
For tests, ``base_url`` (or the environment variable ``JINING_TILE_URL``) replaces the
tile URL: a template with ``{z}``, ``{x}``, ``{y}`` and optionally ``{s}``
(subdomain), ``{layer}`` (``osm``, ``vec``, ``cva``) and ``{key}``.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import http.client
import io
import math
import os
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xyzservices.providers as xyz
from PIL import Image
from pyproj import Transformer

from layers._io import atomic_write
from layers.geo.coords import GK_CRS
from layers.webmap.basemaps import tianditu_key, tianditu_url

#: The sources :func:`fetch_basemap` knows.
SOURCES = ("osm", "tianditu")
TILE_SIZE = 256
#: A tile larger than this is refused (real tiles are a few tens of kB).
MAX_TILE_BYTES = 2 * 1024 * 1024
#: The largest output image, per side and in total.
MAX_SIDE_PX = 8192
MAX_OUTPUT_PX = 40_000_000
#: The whole download takes at most this many times ``timeout``.
TOTAL_TIME_FACTOR = 3.0
#: Parallel downloads: a small number, like a browser showing a map.
WORKERS = 4
#: Cached tiles older than this are downloaded again (the old copy is used if that fails).
CACHE_MAX_AGE_S = 30 * 24 * 3600
USER_AGENT = "jining-ten-actions/1.0 (static map export; Python urllib)"
ENV_URL = "JINING_TILE_URL"
ENV_APPROVAL = "TIANDITU_APPROVAL_NO"

#: 天地图's map approval number (审图号), printed with its tiles. Tianditu's own footer reads
#: "©2024 自然资源部 - 审图号:GS(2024)0568号 - 甲测资字1100471"; we could not open
#: https://www.tianditu.gov.cn here, and took it from a copy of that footer in
#: https://github.com/marsgis/mars2d-vue-example/blob/master/src/example/layer-tile/online/tdt/map.js
#: (the same number appears in several other projects' Tianditu attributions). Approval
#: numbers are reissued: check the footer of https://map.tianditu.gov.cn and set the
#: environment variable TIANDITU_APPROVAL_NO when it changes.
TIANDITU_APPROVAL_NO = "GS(2024)0568号"

_RES0 = 2 * math.pi * 6378137.0 / TILE_SIZE  # metres per pixel at zoom 0 on the equator
_MAX_LAT = 85.0511287798066  # Web Mercator's latitude limit
_ROWS_PER_CHUNK = 128  # output rows warped at a time (bounds memory)
_TO_LONLAT = Transformer.from_crs(GK_CRS, "EPSG:4326", always_xy=True)


class TilesUnavailable(Exception):
    """The web tiles could not be had; draw the offline base map instead. The message is short English."""


@dataclass(frozen=True)
class TileLayer:
    """One tiled layer of a source: its name, URL template and subdomains for ``{s}``."""

    name: str
    template: str
    subdomains: str
    cache_namespace: str


@dataclass(frozen=True)
class TileSource:
    """A tile source: its layers, drawn bottom to top, the text to print on the map, the highest zoom."""

    key: str
    layers: tuple[TileLayer, ...]
    attribution: str
    max_zoom: int


@dataclass(frozen=True, eq=False)
class TileImage:
    """A warped basemap for ``ax.imshow(image, extent=extent, origin="upper")``.

    ``image`` is an (height, width, 4) uint8 RGBA array covering ``extent`` =
    (minx, maxx, miny, maxy) in EPSG:4548; ``attribution`` must be printed on the map.
    ``zoom`` is the tile zoom used, ``tiles`` the number of tiles (all layers),
    ``from_cache`` how many of them came from the disk cache.
    """

    image: np.ndarray
    extent: tuple[float, float, float, float]
    attribution: str
    source: str
    zoom: int
    tiles: int
    from_cache: int


def tianditu_attribution() -> str:
    """Tianditu's attribution with its 审图号 (``TIANDITU_APPROVAL_NO`` overrides the built-in one)."""
    number = os.environ.get(ENV_APPROVAL, "").strip() or TIANDITU_APPROVAL_NO
    return f"© 天地图 Tianditu 审图号:{number}"


def default_cache_dir() -> Path:
    """``JINING_TILE_CACHE`` if set, else ``tiles`` under the user's cache folder
    (platformdirs if installed, else XDG / ~/.cache)."""
    if os.environ.get("JINING_TILE_CACHE"):
        return Path(os.environ["JINING_TILE_CACHE"])
    try:
        import platformdirs
    except ImportError:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "jining-ten-actions"
    else:
        base = Path(platformdirs.user_cache_dir("jining-ten-actions"))
    return base / "tiles"


def tile_source(source: str, *, tdt_key: str | None = None, base_url: str | None = None) -> TileSource:
    """The layers, attribution and zoom limit of ``source``.

    ``base_url`` (else ``JINING_TILE_URL``) replaces the tile URL of every layer.
    Raises :class:`TilesUnavailable` for Tianditu without a key (argument or
    ``TIANDITU_KEY``), ``ValueError`` for an unknown source or Gaode.
    """
    if source == "gaode":
        raise ValueError("Gaode tiles are GCJ-02 and cannot sit under a CGCS2000 map; use 'osm' or 'tianditu'")
    override = base_url or os.environ.get(ENV_URL) or None
    key = ""
    if source == "osm":
        provider = xyz.OpenStreetMap.Mapnik
        names, templates, subdomains = ("osm",), (provider.build_url(),), "abc"
        attribution = "© " + provider.attribution.removeprefix("(C)").strip()
        max_zoom = int(provider.get("max_zoom", 19))
    elif source == "tianditu":
        key = (tdt_key or "").strip() or tianditu_key() or ""
        if not key:
            raise TilesUnavailable("Tianditu needs a key (set TIANDITU_KEY)")
        quoted = urllib.parse.quote(key, safe="")
        names = ("vec", "cva")
        templates = tuple(tianditu_url(name, quoted) for name in names)
        subdomains, attribution, max_zoom = "01234567", tianditu_attribution(), 18
    else:
        raise ValueError(f"unknown tile source {source!r}; choose one of {', '.join(SOURCES)}")
    if override:
        if urllib.parse.urlsplit(override).scheme not in ("http", "https"):
            raise TilesUnavailable("the tile URL must start with http:// or https://")
        tag = hashlib.sha1(override.encode()).hexdigest()[:12]
        quoted = urllib.parse.quote(key, safe="")
        layers = tuple(
            TileLayer(n, override.replace("{layer}", n).replace("{key}", quoted), subdomains, f"{source}-{n}-{tag}")
            for n in names
        )
    else:
        layers = tuple(TileLayer(n, t, subdomains, f"{source}-{n}") for n, t in zip(names, templates, strict=True))
    return TileSource(source, layers, attribution, max_zoom)


def tile_url(layer: TileLayer, z: int, x: int, y: int) -> str:
    """The URL of one tile; the subdomain is picked from x and y so a tile always has the same URL."""
    s = layer.subdomains[(x + y) % len(layer.subdomains)] if layer.subdomains else ""
    return layer.template.replace("{s}", s).replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y))


# --- geometry -----------------------------------------------------------------------------------
def _merc_x(lon):
    """Web Mercator x as a fraction of the world width (0 at 180°W)."""
    return (np.asarray(lon, dtype=float) + 180.0) / 360.0


def _merc_y(lat):
    """Web Mercator y as a fraction of the world height (0 at the top)."""
    phi = np.radians(np.clip(np.asarray(lat, dtype=float), -_MAX_LAT, _MAX_LAT))
    return (1.0 - np.arcsinh(np.tan(phi)) / math.pi) / 2.0


def _check_bounds(bounds_gk) -> tuple[float, float, float, float]:
    try:
        minx, miny, maxx, maxy = (float(v) for v in bounds_gk)
    except (TypeError, ValueError):
        raise ValueError("bounds_gk must be (minx, miny, maxx, maxy)") from None
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)) or minx >= maxx or miny >= maxy:
        raise ValueError(f"bounds_gk must be finite with minx < maxx and miny < maxy, got {bounds_gk!r}")
    return minx, miny, maxx, maxy


def _check_size(size_px) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in size_px)
    except (TypeError, ValueError):
        raise ValueError("size_px must be (width, height)") from None
    if not (0 < width <= MAX_SIDE_PX and 0 < height <= MAX_SIDE_PX) or width * height > MAX_OUTPUT_PX:
        raise ValueError(f"size_px must be positive, at most {MAX_SIDE_PX} a side and {MAX_OUTPUT_PX} pixels")
    return width, height


def _lonlat_box(bounds: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """(lon_min, lat_min, lon_max, lat_max) of a GK rectangle, from points along its edges.

    The GK-to-geographic mapping has no stationary points, so the extremes lie on the edges."""
    minx, miny, maxx, maxy = bounds
    t = np.linspace(0.0, 1.0, 65)
    xs = np.concatenate(
        [minx + t * (maxx - minx), np.full_like(t, maxx), maxx - t * (maxx - minx), np.full_like(t, minx)]
    )
    ys = np.concatenate(
        [np.full_like(t, miny), miny + t * (maxy - miny), np.full_like(t, maxy), maxy - t * (maxy - miny)]
    )
    lon, lat = _TO_LONLAT.transform(xs, ys)
    if not (np.all(np.isfinite(lon)) and np.all(np.isfinite(lat))):
        raise ValueError("bounds_gk lie outside the area EPSG:4548 can convert to longitude and latitude")
    return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


def _tile_range(box: tuple[float, float, float, float], z: int) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1), inclusive, of the tiles covering ``box`` at zoom z, with a pixel to spare."""
    lon0, lat0, lon1, lat1 = box
    world = TILE_SIZE * 2**z
    px0, px1 = float(_merc_x(lon0)) * world - 1, float(_merc_x(lon1)) * world + 1
    py0, py1 = float(_merc_y(lat1)) * world - 1, float(_merc_y(lat0)) * world + 1

    def clamp(v: float) -> int:
        return min(max(int(math.floor(v / TILE_SIZE)), 0), 2**z - 1)

    return clamp(px0), clamp(py0), clamp(px1), clamp(py1)


def choose_zoom(bounds_gk, size_px, *, n_layers: int = 1, max_tiles: int = 64, max_zoom: int = 19) -> int:
    """The zoom whose tile resolution is closest to the output's (metres per pixel), lowered
    until ``n_layers`` layers of tiles fit in ``max_tiles``; :class:`TilesUnavailable` if even zoom 0 does not."""
    bounds = _check_bounds(bounds_gk)
    width, height = _check_size(size_px)
    if max_tiles < 1:
        raise ValueError("max_tiles must be at least 1")
    box = _lonlat_box(bounds)
    metres_per_px = min((bounds[2] - bounds[0]) / width, (bounds[3] - bounds[1]) / height)
    lat = math.radians((box[1] + box[3]) / 2)
    ideal = round(math.log2(max(_RES0 * math.cos(lat) / metres_per_px, 1e-9)))
    for z in range(min(max(ideal, 0), max_zoom), -1, -1):
        x0, y0, x1, y1 = _tile_range(box, z)
        if (x1 - x0 + 1) * (y1 - y0 + 1) * n_layers <= max_tiles:
            return z
    raise TilesUnavailable(f"the map needs more than {max_tiles} tiles even at zoom 0")


# --- download and cache ---------------------------------------------------------------------------
def _download(url: str, timeout: float, deadline: float) -> bytes:
    """The body of a 200 response, at most MAX_TILE_BYTES, before ``deadline``."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TilesUnavailable("timed out")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "image/png,image/*"})
    try:
        with urllib.request.urlopen(request, timeout=min(timeout, remaining)) as response:
            if response.status != 200:
                raise TilesUnavailable(f"HTTP {response.status}")
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > MAX_TILE_BYTES:
                raise TilesUnavailable("tile too large")
            chunks, total = [], 0
            while True:
                # read1 returns after one read from the socket, so a server that trickles
                # bytes cannot keep us past the deadline.
                chunk = response.read1(65536)
                if not chunk:
                    break
                total += len(chunk)
                if total > MAX_TILE_BYTES:
                    raise TilesUnavailable("tile too large")
                if time.monotonic() > deadline:
                    raise TilesUnavailable("timed out")
                chunks.append(chunk)
            return b"".join(chunks)
    except urllib.error.HTTPError as e:
        e.close()
        raise TilesUnavailable(f"HTTP {e.code}") from None
    except TilesUnavailable:
        raise
    except TimeoutError:
        raise TilesUnavailable("timed out") from None
    except urllib.error.URLError as e:
        reason = "timed out" if isinstance(e.reason, TimeoutError) else "cannot connect"
        raise TilesUnavailable(reason) from None
    except (OSError, http.client.HTTPException, ValueError):
        raise TilesUnavailable("connection failed") from None


def _decode(data: bytes) -> Image.Image:
    """A 256 × 256 RGBA tile from PNG/JPEG/WebP bytes. The size is checked from the header
    before any pixel is decoded, so a decompression bomb is refused without being expanded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=("PNG", "JPEG", "WEBP")) as im:
                if im.size != (TILE_SIZE, TILE_SIZE):
                    raise TilesUnavailable(f"tile is {im.size[0]}x{im.size[1]} pixels, not {TILE_SIZE}x{TILE_SIZE}")
                im.load()
                return im.convert("RGBA")
    except TilesUnavailable:
        raise
    except Exception:  # any decoder failure means "not a tile"
        raise TilesUnavailable("not a valid tile image") from None


def _cache_write(path: Path, data: bytes) -> None:
    try:
        atomic_write(path, lambda p: p.write_bytes(data))
    except OSError:
        pass  # a read-only or full cache must not cost us the map


def _cache_read(path: Path) -> tuple[Image.Image | None, bool]:
    """(tile, fresh) from the cache; (None, False) when absent or unreadable (the bad copy is removed)."""
    try:
        st = path.stat()
        if st.st_size > MAX_TILE_BYTES:
            raise TilesUnavailable("cached tile too large")
        image = _decode(path.read_bytes())
    except FileNotFoundError:
        return None, False
    except (OSError, TilesUnavailable):
        path.unlink(missing_ok=True)
        return None, False
    return image, time.time() - st.st_mtime <= CACHE_MAX_AGE_S


def _load_tile(layer: TileLayer, z: int, x: int, y: int, cache: Path, timeout: float, deadline: float):
    """(tile image, came from cache) for one tile: a fresh cached copy, else downloaded (and
    cached), else a stale cached copy; :class:`TilesUnavailable` naming the tile if none."""
    path = cache / layer.cache_namespace / str(z) / str(x) / f"{y}.tile"
    cached, fresh = _cache_read(path)
    if cached is not None and fresh:
        return cached, True
    try:
        data = _download(tile_url(layer, z, x, y), timeout, deadline)
        image = _decode(data)
    except TilesUnavailable as e:
        if cached is not None:
            return cached, True
        raise TilesUnavailable(f"{layer.name} tile {z}/{x}/{y}: {e}") from None
    _cache_write(path, data)
    return image, False


def _load_tiles(jobs, cache: Path, timeout: float, deadline: float) -> tuple[dict, int]:
    """Every tile of ``jobs`` ((layer, z, x, y) tuples) in parallel, or :class:`TilesUnavailable` by ``deadline``."""
    pool = cf.ThreadPoolExecutor(max_workers=min(WORKERS, len(jobs)), thread_name_prefix="tiles")
    try:
        futures = [pool.submit(_load_tile, *job, cache, timeout, deadline) for job in jobs]
        done, pending = cf.wait(futures, timeout=max(0.0, deadline - time.monotonic()), return_when=cf.FIRST_EXCEPTION)
        for f in futures:  # the first failure in job order, so messages are reproducible
            if f in done and f.exception() is not None:
                raise f.exception()
        if pending:
            raise TilesUnavailable(f"timed out with {len(pending)} of {len(jobs)} tiles missing")
        results = [f.result() for f in futures]
    finally:
        # Do not wait for downloads still running: each stops at its own socket timeout.
        pool.shutdown(wait=False, cancel_futures=True)
    tiles = {job: image for job, (image, _) in zip(jobs, results, strict=True)}
    return tiles, sum(hit for _, hit in results)


# --- warp -------------------------------------------------------------------------------------------
# The warp is written by hand: our dependencies have no raster-warping library (rasterio /
# GDAL are not in requirements.txt, and are heavy binary wheels for one image per export).
# Inverse mapping with pyproj and numpy is enough for a few megapixels: for every output
# pixel centre, EPSG:4548 -> longitude/latitude -> Web Mercator pixel in the mosaic, then a
# bilinear sample (on premultiplied alpha, so transparent label pixels do not darken edges).
# The projection is computed exactly on a grid every _GRID_STEP output pixels and
# interpolated bilinearly in between: the mapping is smooth, so over a cell of 16 pixels
# (about 1 km on a print of the whole city) the error is far below a thousandth of a pixel,
# and pyproj is called on 1/256 of the pixels.
_GRID_STEP = 16


def _grid_axis(n: int, step: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Grid nodes (output pixel indices) along an axis of n pixels, and for each pixel
    the index of the node before it and its fractional position towards the next."""
    nodes = np.unique(np.append(np.arange(0, n, step), n - 1))
    i = np.arange(n)
    k = np.clip(np.searchsorted(nodes, i, side="right") - 1, 0, max(len(nodes) - 2, 0))
    if len(nodes) == 1:
        return nodes, k, np.zeros(n)
    return nodes, k, (i - nodes[k]) / (nodes[k + 1] - nodes[k])


def _mosaic_coords(bounds, width: int, height: int, z: int, origin: tuple[int, int], step: int = _GRID_STEP):
    """A function of a row range giving (u, v): the mosaic pixel coordinates (pixel centres on
    integers) of those output rows' pixel centres."""
    minx, miny, maxx, maxy = bounds
    world = TILE_SIZE * 2**z
    cols, ck, cw = _grid_axis(width, step)
    rows, rk, rw = _grid_axis(height, step)
    gx, gy = np.meshgrid(minx + (cols + 0.5) * ((maxx - minx) / width), maxy - (rows + 0.5) * ((maxy - miny) / height))
    lon, lat = _TO_LONLAT.transform(gx, gy)
    nodes = (_merc_x(lon) * world - origin[0] - 0.5, _merc_y(lat) * world - origin[1] - 0.5)
    ck1 = np.minimum(ck + 1, len(cols) - 1)

    def coords(r0: int, r1: int):
        k, w = rk[r0:r1, None], rw[r0:r1, None]
        k1 = np.minimum(k + 1, len(rows) - 1)
        out = []
        for g in nodes:
            top = g[k, ck] * (1 - cw) + g[k, ck1] * cw
            bottom = g[k1, ck] * (1 - cw) + g[k1, ck1] * cw
            out.append(top * (1 - w) + bottom * w)
        return out

    return coords


def _warp(mosaic: np.ndarray, origin: tuple[int, int], z: int, bounds, width: int, height: int) -> np.ndarray:
    """Resample ``mosaic`` (RGBA, top-left at global mercator pixel ``origin``) onto a
    ``width`` × ``height`` grid over the GK ``bounds``, row 0 at the top."""
    mh, mw = mosaic.shape[:2]
    coords = _mosaic_coords(bounds, width, height, z, origin)
    out = np.zeros((height, width, 4), dtype=np.uint8)
    for r0 in range(0, height, _ROWS_PER_CHUNK):
        r1 = min(r0 + _ROWS_PER_CHUNK, height)
        u, v = coords(r0, r1)
        inside = np.isfinite(u) & np.isfinite(v) & (u >= -0.5) & (u <= mw - 0.5) & (v >= -0.5) & (v <= mh - 0.5)
        u = np.where(inside, u, 0.0)
        v = np.where(inside, v, 0.0)
        u0, v0 = np.floor(u), np.floor(v)
        fu, fv = (u - u0)[..., None].astype(np.float32), (v - v0)[..., None].astype(np.float32)
        u0, v0 = u0.astype(np.intp), v0.astype(np.intp)
        ua, ub = np.clip(u0, 0, mw - 1), np.clip(u0 + 1, 0, mw - 1)
        va, vb = np.clip(v0, 0, mh - 1), np.clip(v0 + 1, 0, mh - 1)

        def px(vi, ui):
            p = mosaic[vi, ui].astype(np.float32)
            p[..., :3] *= p[..., 3:] / 255.0
            return p

        acc = (px(va, ua) * (1 - fu) + px(va, ub) * fu) * (1 - fv) + (px(vb, ua) * (1 - fu) + px(vb, ub) * fu) * fv
        alpha = acc[..., 3:]
        rgb = np.divide(acc[..., :3] * 255.0, alpha, out=np.zeros_like(acc[..., :3]), where=alpha > 0)
        chunk = np.concatenate([rgb, alpha], axis=-1)
        chunk[~inside] = 0
        out[r0:r1] = np.clip(np.rint(chunk), 0, 255).astype(np.uint8)
    return out


def fetch_basemap(
    source: str,
    bounds_gk,
    size_px,
    *,
    tdt_key: str | None = None,
    cache_dir: str | Path | None = None,
    timeout: float = 5.0,
    max_tiles: int = 64,
    base_url: str | None = None,
) -> TileImage:
    """Web tiles of ``source`` warped onto ``bounds_gk`` = (minx, miny, maxx, maxy) in EPSG:4548,
    as an image of ``size_px`` = (width, height) pixels.

    The zoom matches the tiles' resolution to the output's, lowered until all layers fit
    in ``max_tiles`` tiles. Each request waits at most ``timeout`` seconds and the whole
    call at most ``TOTAL_TIME_FACTOR × timeout``. Tiles come from ``cache_dir`` (default
    :func:`default_cache_dir`) when there, and are stored there when downloaded.

    Raises :class:`TilesUnavailable` when a tile cannot be had (no network, timeout,
    HTTP error, not an image) or Tianditu has no key; ``ValueError`` for bad arguments.
    """
    start = time.monotonic()
    if not (isinstance(timeout, int | float) and math.isfinite(timeout) and timeout > 0):
        raise ValueError("timeout must be a positive number of seconds")
    src = tile_source(source, tdt_key=tdt_key, base_url=base_url)
    bounds = _check_bounds(bounds_gk)
    width, height = _check_size(size_px)
    z = choose_zoom(bounds, (width, height), n_layers=len(src.layers), max_tiles=max_tiles, max_zoom=src.max_zoom)
    x0, y0, x1, y1 = _tile_range(_lonlat_box(bounds), z)
    jobs = [(layer, z, x, y) for layer in src.layers for y in range(y0, y1 + 1) for x in range(x0, x1 + 1)]
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    tiles, from_cache = _load_tiles(jobs, cache, float(timeout), start + TOTAL_TIME_FACTOR * timeout)

    size = ((x1 - x0 + 1) * TILE_SIZE, (y1 - y0 + 1) * TILE_SIZE)
    mosaic = Image.new("RGBA", size, (0, 0, 0, 0))
    for layer in src.layers:  # bottom to top: Tianditu's labels over its vector map
        sheet = Image.new("RGBA", size, (0, 0, 0, 0))
        for (lyr, _, x, y), image in tiles.items():
            if lyr is layer:
                sheet.paste(image, ((x - x0) * TILE_SIZE, (y - y0) * TILE_SIZE))
        mosaic = Image.alpha_composite(mosaic, sheet)
    image = _warp(np.asarray(mosaic), (x0 * TILE_SIZE, y0 * TILE_SIZE), z, bounds, width, height)
    extent = (bounds[0], bounds[2], bounds[1], bounds[3])
    return TileImage(image, extent, src.attribution, src.key, z, len(jobs), from_cache)
