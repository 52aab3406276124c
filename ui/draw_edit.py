"""Drawing a measure's point, line or area on the edit tab's map (上图), and the precision
of a click or a drawing: what the zoom it was made at and the basemap allow
(``layers.geo.precision.drawn_precision_m``).

The draw map (``layers.webmap.small_maps.draw_map``) has Leaflet.draw's toolbar, served by
the app; streamlit-folium returns every drawn or edited feature (``all_drawings``) and the
zoom. Drawn over 高德 (GCJ-02), the vertices are converted back to WGS-84.
"""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from layers._errors import describe
from layers.geo.precision import drawn_precision_m
from layers.labels import md_escape, t
from layers.selection.numbering import precision_km
from layers.webmap.small_maps import SMALL_MAP_HEIGHT_PX, draw_map, drawn_geometry


def precision_of(zoom, geom, basemap: str) -> float:
    """The precision (m) of a point picked or a shape drawn at ``zoom`` over ``basemap``."""
    lat = geom.centroid.y if geom is not None and not geom.is_empty else 35.4
    return drawn_precision_m(float(zoom), lat, basemap)


def how(method: str, zoom, basemap: str) -> str:
    """How a location was set, for its source: the method, the zoom and the basemap."""
    return f"{method}, zoom {zoom:g}, basemap {basemap}"


def drawn_on_map(projects, mid: str, lang: str, basemap: str, tdt_key):
    """The geometry drawn for ``mid`` (WGS-84), its precision (m) and how it was drawn; or
    (None, None, "") while nothing is drawn, or when the drawing cannot be used (said)."""
    st.info(t("draw_hint", lang))
    m, centre, zoom = draw_map(projects, mid, basemap, lang, tdt_key)
    out = (
        st_folium(
            m,
            center=centre,
            zoom=zoom,
            height=SMALL_MAP_HEIGHT_PX,
            use_container_width=True,
            key=f"draw_map_{mid}_{basemap}",
            returned_objects=["all_drawings", "zoom"],
        )
        or {}
    )
    try:
        geom = drawn_geometry(out.get("all_drawings"), basemap)
    except ValueError as exc:
        st.error(md_escape(describe(exc, lang)))
        return None, None, ""
    if geom is None:
        return None, None, ""
    at = out.get("zoom") or zoom
    precision_m = precision_of(at, geom, basemap)
    st.success(
        t(
            "draw_done",
            lang,
            kind=t(f"draw_kind_{geom.geom_type.removeprefix('Multi')}", lang),
            km=precision_km(precision_m),
            zoom=f"{at:g}",
        )
    )
    return geom, precision_m, how("draw", at, basemap)
