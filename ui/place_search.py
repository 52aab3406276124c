"""The sidebar's place search (地名搜索): a place typed and Enter pressed moves the map there and
lists the measures within or near it, each a button that selects its measure as a click on the
list beside the map does. The logic is ``layers.selection.places``; this module only draws it.

State: ``place_q`` (the box), ``place`` (the last search's ``PlaceResult``), ``place_view`` (the
filter state the search was made in: the map shows the place while the filters stay so),
``place_pick`` (a measure picked here, for the list beside the map to show as selected).
"""

from __future__ import annotations

import streamlit as st

from layers._errors import in_lang
from layers.geo.coords import from_wgs84
from layers.labels import md_escape, t
from layers.selection.numbering import measure_numbers
from layers.selection.places import PLACE_MAX, find_place, measures_near
from layers.webmap.basemaps import needs_gcj02
from layers.webmap.map_base import fit_view

#: Measures listed under the box; the rest are counted ("N more on the map").
LIST_MAX = 8


def _search(filter_key: str):
    """Enter pressed in the box: find the place; the map shows it (a measure's focus gives way)."""
    state = st.session_state
    place = find_place(state.get("place_q", ""))
    state["place"] = place
    if place.found:
        state["place_view"] = filter_key
        state.pop("focus", None)
    else:
        state.pop("place_view", None)


def _choose(text: str, filter_key: str):
    """One of an ambiguous name's candidates chosen: search for it by its county and name."""
    st.session_state["place_q"] = text
    _search(filter_key)


def _pick(measure_id: str, filter_key: str):
    """A measure of the place's list clicked: select it and move the map to it, as a click on
    the list beside the map does."""
    state = st.session_state
    state["selected_id"] = measure_id
    state["focus"] = (measure_id, filter_key)
    state["place_pick"] = measure_id


@st.cache_resource(max_entries=16, show_spinner=False)
def _near_rows(data_key: str, filter_key: str, query: str, lang: str, _selected, _place) -> tuple[list, bool]:
    """(id, number, title, km) of the measures near the place, and whether they are near (not
    only the nearest): once per data version, filter state and search."""
    near = measures_near(_selected, _place)
    numbers = measure_numbers(_selected)
    title = f"title_{lang}"
    rows = [(r.id, numbers.get(r.id), getattr(r, title) or r.title_zh, r.distance_km) for r in near.itertuples()]
    return rows, bool(near["near"].all()) if len(near) else True


def render(where, selected, *, lang: str, state, filter_key: str, data_key: str) -> None:
    """The search box in ``where`` (a sidebar container) and what the last search found."""
    where.text_input(
        t("place_search", lang),
        key="place_q",
        max_chars=PLACE_MAX,
        placeholder=t("place_hint", lang),
        on_change=_search,
        args=(filter_key,),
    )
    place = state.get("place")
    if place is None or place.status == "empty":
        return
    if place.status == "unresolved":
        where.caption(t("place_unknown", lang, q=md_escape(place.query)))
        return
    if place.status == "ambiguous":
        where.caption(t("place_ambiguous", lang, q=md_escape(place.query)))
        for i, c in enumerate(place.candidates):
            where.button(
                md_escape(c["text"]),
                key=f"place_cand_{i}",
                on_click=_choose,
                args=(c["text"], filter_key),
                type="tertiary",
            )
        return
    if not place.found:  # mismatch (a county named with a place of another), outside Jining
        where.caption(md_escape(in_lang(place.message, lang)))
        return
    rows, near = _near_rows(data_key, filter_key, place.query, lang, selected, place)
    name = md_escape(place.name(lang))
    if not rows:
        where.caption(t("place_none", lang, place=name))
    elif not near:
        where.caption(t("place_none_near", lang, place=name, km=f"{place.near_km:g}"))
    elif place.near_km:
        where.caption(t("place_near", lang, place=name, n=len(rows), km=f"{place.near_km:g}"))
    else:
        where.caption(t("place_within", lang, place=name, n=len(rows)))
    for mid, number, title, km in rows[:LIST_MAX]:
        label = f"{number}. {title}" if number else title
        label = md_escape(label) + (" · " + t("place_km", lang, km=f"{km:g}") if km else "")
        where.button(
            label,
            key=f"place_pick_{mid}",
            on_click=_pick,
            args=(mid, filter_key),
            type="tertiary",
            help=None,
        )
    if len(rows) > LIST_MAX:
        where.caption(t("place_more", lang, n=len(rows) - LIST_MAX))


def view(state, filter_key: str, basemap: str) -> tuple[list[float], int] | None:
    """The map's (centre [lat, lon], zoom) for the place searched for, while the filters are
    those it was searched under; None otherwise. A county, a zone or the city is fitted to the
    map; a town is shown at zoom 12, a site at 14. Shifted to GCJ-02 for a basemap that needs it."""
    place = state.get("place")
    if place is None or not place.found or state.get("place_view") != filter_key:
        return None

    def shifted(lon, lat):
        return from_wgs84(lon, lat, "gcj02") if needs_gcj02(basemap) else (lon, lat)

    if place.bounds:
        minx, miny, maxx, maxy = place.bounds
        (x0, y0), (x1, y1) = shifted(minx, miny), shifted(maxx, maxy)
        return fit_view((x0, y0, x1, y1))
    lon, lat = shifted(place.lon, place.lat)
    return [lat, lon], place.zoom


def sync_list(state, list_ids: list, list_key: str) -> None:
    """A measure picked in the place's list: its row of the list beside the map shown as
    selected and scrolled into view (as for a click on the map)."""
    picked = state.pop("place_pick", None)
    if picked in list_ids:
        row = list_ids.index(picked)
        state[list_key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
        state["scroll_list"] = (picked, row)
