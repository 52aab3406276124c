"""Serve Leaflet from the app itself, so the map draws without internet.

Leaflet's files come from the PyPI package xstatic-leaflet (pinned in
requirements.txt). :func:`ensure_leaflet_assets` copies them into the app's
``static/`` folder, which Streamlit serves at ``/app/static/`` when
``server.enableStaticServing`` is on (see ``.streamlit/config.toml``).
"""

from __future__ import annotations

import shutil
from functools import lru_cache
from pathlib import Path

import xstatic.pkg.leaflet as xleaflet

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
VENDOR = "vendor/leaflet"
#: URLs as the browser sees them, relative to the Streamlit server root.
LEAFLET_JS_URL = f"/app/static/{VENDOR}/leaflet.js"
LEAFLET_CSS_URL = f"/app/static/{VENDOR}/leaflet.css"
LEAFLET_IMAGES_URL = f"/app/static/{VENDOR}/images/"
LEAFLET_VERSION = xleaflet.VERSION
#: Leaflet.draw, vendored unchanged (layers/webmap/vendor/leaflet-draw/README.md: MIT).
DRAW_SOURCE = Path(__file__).with_name("vendor") / "leaflet-draw"
DRAW_VENDOR = "vendor/leaflet-draw"
DRAW_JS_URL = f"/app/static/{DRAW_VENDOR}/leaflet.draw.js"
DRAW_CSS_URL = f"/app/static/{DRAW_VENDOR}/leaflet.draw.css"


def leaflet_source_dir() -> Path:
    return Path(xleaflet.BASE_DIR)


@lru_cache(maxsize=8)
def ensure_leaflet_assets(static_dir: Path = STATIC_DIR) -> Path:
    """Copy leaflet.js, leaflet.css and the marker images, and Leaflet.draw's script, style
    and icons, into ``static_dir`` (idempotent;
    checked once per process and folder, since the app calls it on every rerun)."""
    dest = static_dir / VENDOR
    for src, to, names in (
        (leaflet_source_dir(), dest, ["leaflet.js", "leaflet.css"]),
        (DRAW_SOURCE, static_dir / DRAW_VENDOR, ["leaflet.draw.js", "leaflet.draw.css"]),
    ):
        for rel in [*names, *(p.relative_to(src).as_posix() for p in (src / "images").iterdir())]:
            s, d = src / rel, to / rel
            if not d.exists() or d.stat().st_size != s.stat().st_size:
                d.parent.mkdir(parents=True, exist_ok=True)
                tmp = d.with_suffix(d.suffix + ".tmp")
                shutil.copyfile(s, tmp)
                tmp.replace(d)  # atomic: a concurrent session never sees half a file
    return dest
