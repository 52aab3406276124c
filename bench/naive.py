"""The naive way to draw the register: one folium.Marker per feature, default styling.

Leaflet comes from the app's own static files so that the baseline also runs offline.
"""

import folium

from layers.webmap.offline import LEAFLET_CSS_URL, LEAFLET_JS_URL


def naive_map(selected) -> folium.Map:
    m = folium.Map(location=[35.4, 116.7], zoom_start=8)
    m.default_js = [("leaflet", LEAFLET_JS_URL)]
    m.default_css = [("leaflet_css", LEAFLET_CSS_URL)]
    for rec in selected[selected.geometry.notna()].itertuples():
        p = rec.geometry if rec.geometry.geom_type == "Point" else rec.geometry.representative_point()
        folium.Marker([p.y, p.x], tooltip=rec.title_zh).add_to(m)
    return m
