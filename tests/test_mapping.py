import re

import folium
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layers import load_counties, load_projects
from layers.geo.coords import distance_m
from layers.selection.filtering import Filters, filter_projects
from layers.webmap.basemaps import available_basemaps, tianditu_key
from layers.webmap.map_layers import _Clusters, _FeatureLayer
from layers.webmap.mapping import (
    LABEL_CLASS,
    MIN_ZOOM,
    POINT_CLASS,
    build_map,
    fit_view,
    marker_html,
    script_json,
)
from layers.webmap.offline import LEAFLET_JS_URL, ensure_leaflet_assets


@pytest.fixture(scope="module")
def projects():
    return load_projects()


def action_groups(m):
    return [
        c
        for c in m._children.values()
        if isinstance(c, folium.FeatureGroup) and not c.layer_name.startswith(("县界", "Counties", "selection"))
    ]


def layers_of(group):
    return [c for c in group._children.values() if isinstance(c, _FeatureLayer)]


def features(group):
    for child in layers_of(group):
        yield from child.feature_collection()["features"]


def cluster_members(m) -> list[list[str]]:
    """The ids of each cluster of co-located measures on ``m``."""
    return [
        [member[0] for member in c["m"]]
        for g in m._children.values()
        for e in g._children.values()
        if isinstance(e, _Clusters)
        for c in e.clusters
    ]


def test_offline_map_references_no_external_url(projects):
    m = build_map(projects, Filters())
    html = m.get_root().render()
    assert re.findall(r"https?://", html) == []
    assert LEAFLET_JS_URL in html
    assert re.search(r'"maxZoom": 18', html)


def test_one_layer_per_action_with_every_located_measure(projects):
    sel = filter_projects(projects, Filters(actions=(3, 4)))
    m = build_map(sel, Filters(actions=(3, 4)))
    groups = action_groups(m)
    assert len(groups) == 2
    drawn = {f["properties"]["id"] for g in groups for f in features(g)}
    drawn |= {i for ids in cluster_members(m) for i in ids}  # co-located points are drawn by their cluster
    expected = set(sel.loc[sel.geometry.notna() | (sel["form"] == "county"), "id"])
    assert drawn == expected


def test_approximate_points_are_hollow(projects):
    m = build_map(projects, Filters())
    html = m.get_root().render()
    assert "jn-approx" in html
    assert marker_html("#123456", "文", True).count("dashed") == 1
    assert "dashed" not in marker_html("#123456", "文", False)


def test_county_wide_measures_highlight_their_county(projects):
    sel = filter_projects(projects, Filters(forms=("county",)))
    m = build_map(sel, Filters(forms=("county",)))
    polys = [
        f
        for g in action_groups(m)
        for child in layers_of(g)
        if child.mode == "path"
        for f in child.feature_collection()["features"]
    ]
    assert {f["properties"]["id"] for f in polys} == set(sel["id"])
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in polys)


def test_titles_are_escaped_for_tooltips(projects):
    evil = projects.head(1).copy()
    evil[["title_zh", "form", "place"]] = ["<img src=x onerror=alert(1)>", "point", "曲阜"]
    evil["geometry"] = [projects[projects["form"] == "point"].geometry.iloc[0]]
    m = build_map(evil, Filters())
    html = m.get_root().render()
    # The title travels as JSON that cannot close a <script> element ...
    assert "<img src=x" not in html
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in html
    # ... and the tooltip inserts it as text, never as HTML.
    (layer,) = [x for g in action_groups(m) for x in layers_of(g)]
    assert "textContent = " in layer._template.module.__dict__["script"](layer, {})
    assert "innerHTML" not in layer._template.module.__dict__["script"](layer, {})


def test_titles_are_never_evaluated_as_templates(projects):
    """Folium pages are Jinja templates: text like {{ 7*7 }} in a title must stay text."""
    import json

    evil = projects[projects["form"] == "point"].head(1).copy()
    evil["title_zh"] = "{{ 7*7 }}{% if true %}yes{% endif %}{# c #}"
    m = build_map(evil, Filters())
    page = m.get_root().render()
    payload = re.search(r"var d = (\{.*\});\n", page).group(1)
    assert json.loads(payload)["tip"][0][0] == "{{ 7*7 }}{% if true %}yes{% endif %}{# c #}"
    assert "{{ 7*7 }}" in page


def test_script_json_cannot_close_a_script_element():
    text = script_json({"t": "</script><script>alert(1)</script> & 'x'"})
    assert "<" not in text and ">" not in text and "'" not in text and "&" not in text
    import json

    assert json.loads(text) == {"t": "</script><script>alert(1)</script> & 'x'"}


def test_gaode_basemap_shifts_overlays_to_gcj02(projects):
    sel = filter_projects(projects, Filters(q="济宁科技创新谷"))
    wgs = next(features(action_groups(build_map(sel, Filters()))[0]))["geometry"]["coordinates"]
    gcj = next(features(action_groups(build_map(sel, Filters(), basemap="gaode"))[0]))["geometry"]["coordinates"]
    assert 400 < distance_m(*wgs, *gcj) < 600


def legend_body(m):
    return next(el.body for g in m._children.values() for el in g._children.values() if el._name == "LegendControl")


def test_legend_shows_only_drawn_actions(projects):
    sel = filter_projects(projects, Filters(actions=(4, 8)))  # action 8 has only city-wide reforms
    legend = legend_body(build_map(sel, Filters(actions=(4, 8))))
    assert "乡村振兴攻坚行动" in legend
    assert "重点领域改革攻坚行动" not in legend


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_legends_fold_button_is_titled_in_the_maps_language(projects, lang):
    import json

    from layers.labels import t
    from layers.webmap.map_layers import LEGEND_OPEN_FROM_FRAME_PX, LEGEND_OPEN_FROM_PX

    m = build_map(projects, Filters(), lang=lang)
    (legend,) = [el for g in m._children.values() for el in g._children.values() if el._name == "LegendControl"]
    payload = json.loads(legend.payload)
    assert {k: payload[k] for k in ("heading", "expand", "collapse")} == {
        "heading": t("legend_heading", lang),
        "expand": t("legend_expand", lang),
        "collapse": t("legend_collapse", lang),
    }
    assert payload["heading"] == {"zh": "图例", "en": "Legend"}[lang]
    # Open from a 1440 px page; the app's map frame is about 692 px wide in one.
    assert (payload["open_from_page"], payload["open_from_frame"]) == (LEGEND_OPEN_FROM_PX, LEGEND_OPEN_FROM_FRAME_PX)
    assert LEGEND_OPEN_FROM_PX == 1440


def test_every_map_closes_its_tooltips_on_a_click(projects):
    """The base map (the app's, the HTML export's) carries the script that closes an open
    tooltip when the map is clicked."""
    from layers.webmap.map_base import base_map
    from layers.webmap.map_scripts import js_function

    for m in (base_map(), build_map(projects, Filters())):
        page = m.get_root().render()
        assert f"{js_function('close_tooltips')}({m.get_name()});" in page


def test_county_labels_and_boundaries(projects):
    import json

    m = build_map(projects.head(0), Filters())
    html = m.get_root().render()
    (labels,) = [el for g in m._children.values() for el in g._children.values() if el._name == "CountyLabels"]
    assert sorted(name for _, _, name in labels.labels) == sorted(load_counties()["name_zh"])
    assert json.dumps(LABEL_CLASS) in html
    assert POINT_CLASS not in html


def test_view_fits_selected_district(projects):
    m = build_map(projects, Filters(districts=("370828",)))
    minx, miny, maxx, maxy = m.view_bounds
    assert 116.0 < minx < maxx < 116.6 and 34.8 < miny < maxy < 35.4  # Jinxiang County


def test_fit_view_zooms_in_for_small_areas():
    _, z_city = fit_view((115.9, 34.4, 117.6, 36.0))
    _, z_small = fit_view((116.5, 35.3, 116.7, 35.5))
    assert z_small > z_city
    centre, _ = fit_view((116.0, 35.0, 117.0, 36.0))
    assert centre[1] == pytest.approx(116.5)


def _web_mercator_px(lon, lat, zoom):
    import math

    scale = 256 * 2**zoom
    x = (lon + 180) / 360 * scale
    y = (1 - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / math.pi) / 2 * scale
    return x, y


@settings(max_examples=200, deadline=None)
@given(
    st.floats(115.0, 118.0),
    st.floats(34.0, 36.5),
    st.floats(0.0, 2.5),
    st.floats(0.0, 2.0),
    st.integers(400, 1400),
)
def test_fit_view_keeps_the_bounds_inside_the_map(minx, miny, dx, dy, width):
    bounds = (minx, miny, minx + dx, miny + dy)
    (lat_c, lon_c), zoom = fit_view(bounds, width_px=width, height_px=640, padding_px=30)
    cx, cy = _web_mercator_px(lon_c, lat_c, zoom)
    for lon, lat in [(bounds[0], bounds[1]), (bounds[2], bounds[3])]:
        x, y = _web_mercator_px(lon, lat, zoom)
        if zoom > MIN_ZOOM:  # at the smallest zoom the map cannot zoom out further
            assert abs(x - cx) <= width / 2 - 30 + 1e-6
            assert abs(y - cy) <= 640 / 2 - 30 + 1e-6


def test_tianditu_only_with_a_key(monkeypatch):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    assert "tianditu" not in available_basemaps(tianditu_key({}))
    assert tianditu_key({"TIANDITU_KEY": " abc "}) == "abc"
    monkeypatch.setenv("TIANDITU_KEY", "k123")
    bm = available_basemaps(tianditu_key())
    assert "tianditu" in bm and "tk=k123" in bm["tianditu"].url and "cva" in bm["tianditu"].overlay_url


def test_web_basemap_adds_its_tiles(projects):
    html = build_map(projects.head(0), Filters(), basemap="osm").get_root().render()
    assert "tile.openstreetmap.org" in html


def test_leaflet_assets_are_copied(tmp_path):
    dest = ensure_leaflet_assets(tmp_path)
    assert (dest / "leaflet.js").stat().st_size > 100_000
    assert (dest / "images" / "layers.png").exists()
    ensure_leaflet_assets(tmp_path)  # idempotent


def test_large_selections_switch_to_canvas_circles_without_tooltips():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from synthetic import synthetic_projects

    from layers.webmap.mapping import LARGE_SELECTION

    big = synthetic_projects(LARGE_SELECTION + 500)
    m = build_map(big, Filters())
    html = m.get_root().render()
    assert '"preferCanvas": true' in html
    layers = [x for g in action_groups(m) for x in layers_of(g)]
    # Points are canvas circles (no DOM marker each), and nothing carries tooltips or hover.
    assert {x.mode for x in layers} == {"circle", "path"} and POINT_CLASS not in html
    assert not any('"tip":' in x.payload or '"highlight":' in x.payload for x in layers)
    drawn = {f["properties"]["id"] for g in action_groups(m) for f in features(g)}
    expected = set(big.loc[big.geometry.notna(), "id"])
    assert drawn == expected
    small_map = build_map(big.head(50), Filters())
    small = small_map.get_root().render()
    assert '"preferCanvas": true' not in small and POINT_CLASS in small
    assert "marker" in {x.mode for g in action_groups(small_map) for x in layers_of(g)}


def test_the_base_map_carries_the_context_under_the_measures():
    import json as _json

    from layers.geo.context import load_context
    from layers.webmap.map_base import _context_payload, base_map

    page = base_map().get_root().render()
    payload = _json.loads(re.search(r"var c = (\{.*\});\n", page).group(1))
    ctx = load_context()
    assert len(payload["towns"]) == (ctx["kind"] == "town").sum()
    assert len(payload["seats"]) == 11
    assert {f["properties"]["k"] for f in payload["water"]["features"]} == {"lake", "river", "canal"}
    assert "GSHHG" in payload["attribution"] and "jn-context" in page
    # Names are data, inserted as text; the payload is computed once per system and language.
    assert "textContent = text" in page
    assert _context_payload(False, "zh") is _context_payload(False, "zh")
    en = _json.loads(re.search(r"var c = (\{.*\});\n", base_map(lang="en").get_root().render()).group(1))
    assert "Weishan Lake" in {n[2] for n in en["water_names"]}


def test_the_context_follows_the_gcj02_basemap():
    from layers.geo.coords import wgs84_to_gcj02
    from layers.webmap.map_base import _context_payload

    wgs, gcj = _context_payload(False, "zh"), _context_payload(True, "zh")
    lat, lon = wgs["towns"][0][:2]
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert gcj["towns"][0][:2] == pytest.approx([glat, glon], abs=2e-5)


def test_the_english_legend_and_layer_names_have_no_chinese(projects):
    """The action's symbol (文, 城 …) is a Chinese word: the English legend shows the action's
    number in its disc, and the layer control names the action without it."""
    m = build_map(projects, Filters(), lang="en")
    legend = legend_body(m)
    names = [g.layer_name for g in m._children.values() if isinstance(g, folium.FeatureGroup)]
    assert not re.search(r"[\u4e00-\u9fff]", legend + " ".join(names)), (legend, names)
    assert "2. Cultural" in legend and any(n.startswith("2. Cultural") for n in names)
    assert '">文</div>' in legend_body(build_map(projects, Filters()))  # Chinese keeps its symbols


def test_coloured_by_progress_every_feature_takes_its_lights_colour_and_the_legend_counts_them():
    import pandas as pd

    from layers.labels import LIGHT_WORDS
    from layers.progress.lights import load_rules
    from layers.progress.view import with_lights
    from layers.webmap.map_layers import _FeatureLayer, _LegendControl
    from layers.webmap.mapping import overlay_groups

    projects = load_projects()
    sel = projects[projects["action"].isin([3, 4])]
    red = list(sel["id"][:5])
    lights = pd.DataFrame({"light": ["red"] * 5}, index=red).reindex(columns=COLUMNS_OF_LIGHTS)
    lit = with_lights(sel, lights)
    groups, _ = overlay_groups(lit, colour_by="progress")
    colours = dict(load_rules().colours)
    names = [g.layer_name for g in groups[1:]]
    assert names == [f"{LIGHT_WORDS['red']['zh']} (5)", f"{LIGHT_WORDS['no_plan']['zh']} ({len(sel) - 5})"]
    drawn = {}
    for g in groups[1:]:
        for e in g._children.values():
            if isinstance(e, _FeatureLayer):
                drawn.setdefault(g.layer_name, set()).update(e.ids)
                assert colours["red" if "(5)" in g.layer_name else "no_plan"] in e.payload
    assert drawn[names[0]] <= set(red) and not (drawn[names[1]] & set(red))
    (legend,) = [e for e in groups[0]._children.values() if isinstance(e, _LegendControl)]
    assert f"{LIGHT_WORDS['red']['zh']} (5)" in legend.body and "黄" not in legend.body  # none yellow: not listed
    # Coloured by action, the same selection keeps one group per action.
    by_action, _ = overlay_groups(lit)
    assert [g.layer_name.split(". ")[0][-1] for g in by_action[1:]] == ["3", "4"]


COLUMNS_OF_LIGHTS = ["light", "lag", "schedule", "progress", "report_date", "overdue"]
