"""The naive baseline for benchmarks: one folium.Marker per feature and a new map on every rerun.

Same data, same filters (action multiselect, reset button, ``?action=`` in the URL)
as the real app. Leaflet is served locally as in the real app, so that it can run
offline; everything else is folium's default way of drawing.
"""

import sys
from pathlib import Path

import streamlit as st
from streamlit_folium import st_folium

from layers import load_projects
from layers.selection.filtering import Filters, filter_projects
from layers.webmap.offline import ensure_leaflet_assets

sys.path.insert(0, str(Path(__file__).resolve().parent))
from naive import naive_map  # noqa: E402

# Streamlit serves static/ next to the main script: here that is bench/static.
ensure_leaflet_assets(Path(__file__).resolve().parent / "static")
projects = load_projects()

if "f_actions" not in st.session_state:
    q = st.query_params.get("action", "")
    st.session_state["f_actions"] = [int(a) for a in q.split(",") if a.isdigit()]


def reset():
    st.session_state["f_actions"] = []


st.sidebar.multiselect("action", list(range(1, 11)), key="f_actions")
st.sidebar.button("reset", key="reset", on_click=reset)
selected = filter_projects(projects, Filters(tuple(st.session_state["f_actions"])))

m = naive_map(selected)
st_folium(m, key="map", height=640, width=900)
