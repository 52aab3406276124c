"""A self-contained interactive HTML map: Leaflet, its CSS and images inlined.

The file opens in any browser with no internet and no server. Only tiles of a web
basemap, if one is chosen, need the network.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import geopandas as gpd

from layers._io import atomic_write
from layers.export_map import NOTES, default_title, describe_filters
from layers.filtering import Filters
from layers.mapping import build_map
from layers.offline import LEAFLET_CSS_URL, LEAFLET_JS_URL, leaflet_source_dir


def _inline_css() -> str:
    src = leaflet_source_dir()
    css = (src / "leaflet.css").read_text(encoding="utf-8")

    def data_uri(match):
        name = match.group(1)
        data = base64.b64encode((src / "images" / name).read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return re.sub(r"url\(images/([\w.-]+\.png)\)", data_uri, css)


def render_html(
    selected: gpd.GeoDataFrame,
    filters: Filters | None = None,
    basemap: str = "none",
    lang: str = "zh",
    title: str | None = None,
    tdt_key: str | None = None,
) -> str:
    """The map as one HTML document with every script and style inline."""
    filters = filters or Filters()
    m = build_map(selected, filters, basemap, lang, tdt_key)
    page = m.get_root().render()
    js = (leaflet_source_dir() / "leaflet.js").read_text(encoding="utf-8")
    page = re.sub(rf'<script src="{re.escape(LEAFLET_JS_URL)}"></script>', lambda _m: f"<script>{js}</script>", page)
    page = re.sub(
        rf'<link rel="stylesheet" href="{re.escape(LEAFLET_CSS_URL)}"\s*/>',
        lambda _m: f"<style>{_inline_css()}</style>",
        page,
    )
    if LEAFLET_JS_URL in page or LEAFLET_CSS_URL in page:
        raise RuntimeError("could not inline Leaflet: folium's page layout changed")
    heading = html.escape(title or default_title(lang))
    sub = html.escape(describe_filters(filters, len(selected), lang))
    banner = (
        f'<div style="position:absolute;z-index:10000;top:8px;left:60px;right:60px;text-align:center;'
        f'font:bold 18px sans-serif;text-shadow:0 0 4px #fff">{heading}'
        f'<div style="font:13px sans-serif">{sub}</div>'
        f'<div style="font:11px sans-serif;color:#555">{html.escape(NOTES.get(lang, NOTES["zh"]))}</div></div>'
    )
    page = page.replace("<body>", f"<body>{banner}", 1)
    page = page.replace("<head>", f"<head><title>{heading}</title>", 1)
    return page


def to_html(selected, path, filters=None, basemap="none", lang="zh", title=None, tdt_key=None) -> Path:
    page = render_html(selected, filters, basemap, lang, title, tdt_key)
    return atomic_write(path, lambda p: p.write_text(page, encoding="utf-8"))
