"""ui/map_view.py sends streamlit-folium's front end exactly what st_folium would send."""

from unittest import mock

import folium
import streamlit_folium as sf

from layers import load_projects
from layers.selection.filtering import Filters, filter_projects
from layers.webmap.mapping import APP_MAP_HEIGHT_PX, base_map, fit_view, is_large, overlay_groups
from ui import map_view as mv


def captured_args(call) -> dict:
    with mock.patch.object(sf, "_component_func") as component:
        call()
    (args,) = [c.kwargs for c in component.call_args_list]
    args.pop("on_change")  # a new closure in each call: not comparable
    return args


def test_map_view_sends_what_st_folium_sends():
    filters = Filters(actions=(3, 4))
    selected = filter_projects(load_projects(), filters)

    def ours():
        mv.map_view(selected, filters, data_key="test-a", basemap="none", lang="zh", tdt_key=None)

    def theirs():
        groups, bounds = overlay_groups(selected, filters, "none", "zh")
        center, zoom = fit_view(bounds)
        sf.st_folium(
            base_map("none", "zh", None, is_large(selected)),
            key="map",
            height=APP_MAP_HEIGHT_PX,
            use_container_width=True,
            feature_group_to_add=groups,
            layer_control=folium.LayerControl(collapsed=True),
            center=center,
            zoom=zoom,
            returned_objects=list(mv.RETURNED),
        )

    a, b = captured_args(ours), captured_args(theirs)
    assert a.keys() == b.keys()
    for k in a:
        assert a[k] == b[k], k
    assert "A04-" in a["feature_group"] and "A05-" not in a["feature_group"]


def test_overlays_follow_the_data_key():
    """A different data key (a save or an undo) never reuses another key's overlays."""
    projects = load_projects()
    filters = Filters(actions=(3,))
    moved = projects.copy()
    i = moved.index[(moved["action"] == 3) & (moved["form"] == "point")][0]
    moved.loc[i, "title_zh"] = "改过的标题"
    sel_a, sel_b = filter_projects(projects, filters), filter_projects(moved, filters)

    def run(selected, key):
        return captured_args(
            lambda: mv.map_view(selected, filters, data_key=key, basemap="none", lang="zh", tdt_key=None)
        )["feature_group"]

    assert "改过的标题" not in run(sel_a, "test-b")
    assert "改过的标题" in run(sel_b, "test-c")
    assert "改过的标题" not in run(sel_b, "test-b")  # same key, same (cached) overlays
