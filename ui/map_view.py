"""The map component: streamlit-folium's front end, fed from a cached base map.

``st_folium`` renders the whole base map (basemap, county boundaries and names) on every
rerun, only to send the same script again and to hash it into the component's key:
about 45 ms of every rerun for the real register (bench/, docs/performance.md). Here
the base map is rendered once per (basemap, language, mode) and process, and the
overlay groups, which follow the filters, once per filter state. The strings come from
streamlit-folium's own helpers and go to its own front end with the arguments
``st_folium`` would send, so the browser side is unchanged.

This uses streamlit-folium functions whose names start with an underscore. The version
is pinned in requirements.txt; tests/test_map_view.py checks that the arguments equal
``st_folium``'s, and tests/test_app.py and tests/test_browser.py check the map end to end.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import folium
import streamlit as st
import streamlit_folium as sf

from layers.selection.filtering import Filters
from layers.webmap.map_scripts import script_json
from layers.webmap.mapping import (
    APP_MAP_HEIGHT_PX,
    base_map,
    context_view,
    focus_view,
    highlight_group,
    is_large,
    overlay_groups,
)

#: What the app reads back from the map: the clicked feature (a county or a measure). Moving
#: or zooming the map does not change it, so it never reruns the script.
RETURNED = ("last_active_drawing",)
#: Filter states whose overlays are kept per process (at 50,000 measures one is ~4 MB).
OVERLAY_CACHE_ENTRIES = 32
#: The highlight group's variable number: after any number of action groups.
HIGHLIGHT_GROUP = 999
#: Streamlit's data grid draws rows of this height (its default), below a header as tall.
ROW_PX = 35
SCROLL_JS = Path(__file__).with_name("js") / "scroll_list.js"


@lru_cache(maxsize=1)
def _scroll_js() -> str:
    return SCROLL_JS.read_text(encoding="utf-8")


def scroll_list_script(measure_id: str, row: int, selector: str) -> str:
    """A script that scrolls the list (the data grid at ``selector``) to ``row``, for
    ``st.html``; ``measure_id`` makes each click's script new, so it runs again. Streamlit
    has no way to scroll a data grid (``js/scroll_list.js``)."""
    payload = script_json({"row": int(row), "row_px": ROW_PX, "selector": selector, "id": measure_id})
    return f"<script>{_scroll_js().strip().removesuffix(';')}({payload});</script>"


@lru_cache(maxsize=16)
def _base(basemap: str, lang: str, tdt_key: str | None, large: bool) -> dict:
    """Everything the front end needs to create the map once, as strings."""
    m = base_map(basemap, lang, tdt_key, large)
    m.get_root().render()
    html = sf._get_html(m)
    header = sf._get_header(m)
    script = sf._get_map_string(m)  # renames the map's variable to "map_div"
    css, js = [], []
    for elem in _walk(m):
        css += [href for _, href in getattr(elem, "default_css", [])]
        js += [src for _, src in getattr(elem, "default_js", [])]
    return {
        "script": script,
        "header": header,
        "html": html,
        "id": sf.get_full_id(m),
        "css_links": list(dict.fromkeys(css)),
        "js_links": list(dict.fromkeys(js)),
    }


def _walk(elem):
    yield elem
    for child in getattr(elem, "_children", {}).values():
        yield from _walk(child)


def overlay_scripts(groups: list[folium.FeatureGroup], first: int = 0) -> tuple[str, str]:
    """The overlay groups and their layer control as the scripts the front end evaluates
    (the groups' variables are numbered from ``first``)."""
    # The groups need a map as parent while they render; its variable becomes map_div.
    parent = folium.Map(tiles=None)
    feature_groups = "".join(sf._get_feature_group_string(g, parent, first + i) for i, g in enumerate(groups))
    control = sf._get_layer_control_string(folium.LayerControl(collapsed=True), parent)
    return feature_groups, control


@st.cache_resource(max_entries=OVERLAY_CACHE_ENTRIES, show_spinner=False)
def _overlays(data_key: str, filter_key: tuple, basemap: str, lang: str, colour_by: str, _selected, _filters) -> tuple:
    """The overlay scripts, the view and the display mode for one filter state, computed once
    per (data, filters and as-of date, basemap, language, colouring) and process. The
    underscored arguments are not hashed: ``data_key`` and ``filter_key`` stand for them."""
    groups, bounds = overlay_groups(_selected, _filters, basemap, lang, colour_by)
    feature_group, layer_control = overlay_scripts(groups)
    return feature_group, layer_control, context_view(bounds), is_large(_selected)


def map_view(
    selected,
    filters: Filters,
    *,
    data_key: str,
    basemap: str,
    lang: str,
    tdt_key: str | None,
    key: str = "map",
    height: int = APP_MAP_HEIGHT_PX,
    selected_id: str | None = None,
    focus: bool = False,
    colour_by: str = "action",
    asof=None,
    place_view: tuple[list[float], int] | None = None,
) -> dict | None:
    """Draw the map of ``selected``; return what the user clicked (``RETURNED``), as st_folium does.

    ``data_key`` must change whenever the data behind ``selected`` does (see
    ``layers.edits.changes.changes_key``): overlays are cached under it and the filters.
    ``selected_id`` is ringed on the map; with ``focus``, the view moves to it. The measures'
    lights (``colour_by`` ``progress``, the light filter) are those as of ``asof``.
    ``place_view`` (centre, zoom), a place searched for (``ui.place_search.view``), is shown
    unless ``focus`` moves the view to the selected measure.
    """
    f = filters
    filter_key = (f.actions, f.districts, f.forms, f.kinds, f.q, f.include_citywide, f.lights, str(asof))
    feature_group, layer_control, (center, zoom), large = _overlays(
        data_key, filter_key, basemap, lang, colour_by, selected, filters
    )
    if place_view:
        center, zoom = place_view
    if selected_id:
        # The ring is a small group of its own after the cached overlays (a number no
        # overlay group uses), so a new selection does not recompute them.
        ring, _ = overlay_scripts([highlight_group(selected, selected_id, basemap, lang)], first=HIGHLIGHT_GROUP)
        feature_group += ring
        view = focus_view(selected, selected_id, basemap) if focus else None
        if view:
            center, zoom = view
    base = _base(basemap, lang, tdt_key, large)
    hash_key = sf.generate_js_hash(base["script"], key, False)

    def on_change():
        st.session_state[key] = st.session_state.get(hash_key, {})

    return sf._component_func(
        **base,
        key=hash_key,
        height=height,
        width=None,
        returned_objects=list(RETURNED),
        default=dict.fromkeys(RETURNED),
        zoom=zoom,
        center=center,
        feature_group=feature_group,
        return_on_hover=False,
        layer_control=layer_control,
        pixelated=False,
        on_change=on_change,
        wrap_longitude=False,
    )
