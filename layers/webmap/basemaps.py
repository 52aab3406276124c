"""Basemaps. "none" is the default and always works offline; the others need tiles from the web.

Tile URLs come from xyzservices, except Tianditu (天地图), which xyzservices does
not have. Gaode (高德) tiles are GCJ-02: while it is selected, every overlay must be
shifted to GCJ-02 (see :func:`needs_gcj02`).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass

import xyzservices.providers as xyz


@dataclass(frozen=True)
class Basemap:
    key: str
    name_zh: str
    name_en: str
    url: str | None
    attribution: str
    subdomains: str = "abc"
    overlay_url: str | None = None  # a label layer drawn on top (Tianditu cva_w)
    gcj02: bool = False


def _xyz(provider):
    with warnings.catch_warnings():
        # xyzservices warns that CartoDB may ask for an API key; the URL still serves tiles.
        warnings.simplefilter("ignore", UserWarning)
        return provider.build_url(), provider.html_attribution


_TDT = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}"
    "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
)


def tianditu_url(layer: str, key: str) -> str:
    """The XYZ template of a Tianditu Web Mercator layer (``vec``, ``cva``…), ``{s}`` for its
    subdomains 0-7."""
    return _TDT.format(layer=layer, key=key, s="{s}")


def tianditu_key(secrets: dict | None = None) -> str | None:
    """The Tianditu key from ``TIANDITU_KEY`` in the environment, else from Streamlit secrets."""
    key = os.environ.get("TIANDITU_KEY") or (secrets or {}).get("TIANDITU_KEY")
    return key.strip() if key and key.strip() else None


def available_basemaps(tdt_key: str | None = None) -> dict[str, Basemap]:
    """The basemaps a user can choose; Tianditu only when a key is configured."""
    osm_url, osm_attr = _xyz(xyz.OpenStreetMap.Mapnik)
    carto_url, carto_attr = _xyz(xyz.CartoDB.Positron)
    gaode_url, gaode_attr = _xyz(xyz.Gaode.Normal)
    out = {
        "none": Basemap("none", "简图(离线)", "Simple map (offline)", None, ""),
        "osm": Basemap("osm", "OpenStreetMap", "OpenStreetMap", osm_url, osm_attr),
        "positron": Basemap("positron", "CartoDB Positron", "CartoDB Positron", carto_url, carto_attr),
    }
    if tdt_key:
        out["tianditu"] = Basemap(
            "tianditu",
            "天地图(矢量+注记)",
            "Tianditu (vector + labels)",
            tianditu_url("vec", tdt_key),
            "&copy; 天地图 Tianditu",
            subdomains="01234567",
            overlay_url=tianditu_url("cva", tdt_key),
        )
    out["gaode"] = Basemap(
        "gaode", "高德地图(GCJ-02)", "Gaode / AMap (GCJ-02)", gaode_url, gaode_attr, subdomains="1234", gcj02=True
    )
    return out


def needs_gcj02(basemap: str) -> bool:
    return basemap == "gaode"
