"""One numbering everywhere: the app's map and list, and the printed key."""

import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from layers import load_projects
from layers.exports.print_map import render_map
from layers.selection.filtering import Filters, filter_projects
from layers.selection.numbering import NO_NUMBER, drawn_measures, list_table, measure_numbers
from layers.webmap.map_layers import _Clusters, _FeatureLayer, _Highlight
from layers.webmap.mapping import (
    CONTEXT_ZOOM,
    build_map,
    focus_view,
    highlight_group,
)

PROJECTS = load_projects()


def numbers_on_map(m) -> dict[str, int]:
    """Every number the web map shows, by measure id: on markers and tags, and in clusters."""
    out = {}
    for group in m._children.values():
        for e in group._children.values():
            if isinstance(e, _FeatureLayer) and e.numbers is not None:
                for i, n in zip(e.ids, e.numbers, strict=True):
                    assert i not in out, f"{i} numbered twice"
                    out[i] = n
            if isinstance(e, _Clusters):
                for c in e.clusters:
                    for mid, _html, label in c["m"]:
                        assert mid not in out, f"{mid} numbered twice"
                        out[mid] = int(label.split(".")[0])
    return out


def test_every_drawn_measure_has_one_number_on_the_web_map_as_in_the_list():
    m = build_map(PROJECTS, Filters())
    shown = numbers_on_map(m)
    listed = list_table(PROJECTS, "zh")
    numbered = listed[listed["序号"] != NO_NUMBER]
    assert shown == {i: int(n) for i, n in numbered["序号"].items()}
    assert sorted(shown.values()) == list(range(1, len(drawn_measures(PROJECTS)) + 1))


def test_the_list_numbers_match_the_printed_key():
    sel = filter_projects(PROJECTS, Filters(actions=(2, 4)))
    page = render_map(sel, Filters(actions=(2, 4)), lang="zh")
    printed = {i: int(n) for text, ids in page.numbered for i, n in zip(ids, text.split(","), strict=True)}
    listed = list_table(sel, "zh")
    assert printed == {i: int(n) for i, n in listed["序号"].items() if n != NO_NUMBER}


def test_the_list_has_every_measure_once_placed_first_then_city_wide_then_outside():
    listed = list_table(PROJECTS, "en")
    assert sorted(listed.index) == sorted(PROJECTS["id"])
    forms = PROJECTS.set_index("id").loc[listed.index, "form"].tolist()
    unplaced = [f for n, f in zip(listed["No."], forms, strict=True) if n == NO_NUMBER]
    assert unplaced == sorted(unplaced, key=["city", "outside"].index)
    first_dash = list(listed["No."]).index(NO_NUMBER)
    assert all(n != NO_NUMBER for n in listed["No."][:first_dash])
    assert all(n == NO_NUMBER for n in listed["No."][first_dash:])


def test_co_located_measures_share_one_marker_and_only_they_do():
    m = build_map(PROJECTS, Filters())
    clusters = [
        c for g in m._children.values() for e in g._children.values() if isinstance(e, _Clusters) for c in e.clusters
    ]
    assert clusters, "the real register has measures that share a place (尼山)"
    ids_by_cluster = [[x[0] for x in c["m"]] for c in clusters]
    assert all(len(ids) >= 2 for ids in ids_by_cluster)
    flat = [i for ids in ids_by_cluster for i in ids]
    assert len(flat) == len(set(flat))
    # Members are listed in number order, and the 尼山 site's measures are together.
    numbers = measure_numbers(PROJECTS)
    assert all([numbers[i] for i in ids] == sorted(numbers[i] for i in ids) for ids in ids_by_cluster)
    nishan = set(PROJECTS.loc[PROJECTS["title_zh"].str.contains("尼山") & (PROJECTS["form"] == "point"), "id"])
    assert any(nishan <= set(ids) for ids in ids_by_cluster)


def test_hostile_titles_reach_a_cluster_as_data_only():
    sel = PROJECTS[PROJECTS["form"] == "point"].head(2).copy()
    sel["geometry"] = [shapely.Point(116.6, 35.4)] * 2
    sel["title_zh"] = ['<img src=x onerror="alert(1)">', "{{ 7*7 }}"]
    html = build_map(sel, Filters()).get_root().render()
    assert "<img src=x" not in html and "\\u003cimg src=x" in html
    assert "{{ 7*7 }}" in html  # never evaluated as a template


def test_highlight_rings_the_selected_measure_and_nothing_for_others():
    point = PROJECTS[PROJECTS["form"] == "point"].iloc[0]
    group = highlight_group(PROJECTS, point["id"])
    (ring,) = [e for e in group._children.values() if isinstance(e, _Highlight)]
    assert f'"id":"{point["id"]}"' in ring.payload and '"ll":' in ring.payload and '"geom"' not in ring.payload
    line = PROJECTS[PROJECTS["form"] == "line"].iloc[0]
    (ring,) = [e for e in highlight_group(PROJECTS, line["id"])._children.values() if isinstance(e, _Highlight)]
    assert '"geom":{"type":"' in ring.payload
    assert not highlight_group(PROJECTS, "no-such-id")._children
    city = PROJECTS[PROJECTS["form"] == "city"].iloc[0]
    assert not highlight_group(PROJECTS, city["id"])._children


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(list(PROJECTS.index)))
def test_focus_shows_the_measure(i):
    rec = PROJECTS.loc[i]
    view = focus_view(PROJECTS, rec["id"])
    if rec["form"] in ("city", "outside") or (rec.geometry is None and rec["form"] != "county"):
        assert view is None
        return
    (lat, lon), zoom = view
    assert zoom <= CONTEXT_ZOOM  # never closer than the base map shows towns (tests/test_views.py)
    if rec["form"] == "point":
        assert abs(lon - rec.geometry.x) <= 1e-5 and abs(lat - rec.geometry.y) <= 1e-5
    elif rec.geometry is not None:
        minx, miny, maxx, maxy = rec.geometry.bounds
        assert minx - 0.01 <= lon <= maxx + 0.01 and miny - 0.01 <= lat <= maxy + 0.01


def test_the_list_shows_each_measures_light_city_wide_ones_too():
    from layers import load_projects
    from layers.selection.numbering import LIGHT_HEADER, list_table

    projects = load_projects()
    plain = list_table(projects, "zh")
    assert LIGHT_HEADER["zh"] not in plain.columns  # no lights joined: no column
    nothing = projects.assign(light="no_plan")
    assert LIGHT_HEADER["zh"] not in list_table(nothing, "zh").columns  # nothing reported: none either
    assert LIGHT_HEADER["zh"] in list_table(nothing, "zh", with_lights=True).columns
    lit = projects.assign(light=["red" if f == "city" else "blue" for f in projects["form"]])
    listed = list_table(lit, "zh")
    assert list(listed.columns[:3]) == ["序号", "进度", "措施"] and list(listed.index) == list(plain.index)
    city = set(projects.loc[projects["form"] == "city", "id"])
    assert city and {listed.loc[i, "进度"] for i in city} == {"红"}
    assert set(listed.loc[~listed.index.isin(city), "进度"]) == {"蓝"}
    assert set(list_table(lit, "en")[LIGHT_HEADER["en"]]) == {"red", "blue"}
