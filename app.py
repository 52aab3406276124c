"""Streamlit UI: a thin layer over ``layers``. Run with ``streamlit run app.py``.

Everything shown here comes from plain functions in ``layers/``; this file only
wires widgets, the URL query string and the map component together.
"""

import datetime as dt
import hashlib
import json
import tempfile
from dataclasses import replace
from functools import partial

import streamlit as st

from layers import DataError, data_key, load_projects
from layers._errors import describe
from layers.edits.auth import Accounts
from layers.edits.changes import apply_store
from layers.edits.privacy import mask_projects
from layers.edits.store import Store, StoreUnavailable
from layers.exports import APPROVAL_MAX, FORMAT_LABELS, FORMATS, MIME, TITLE_MAX, export, extension, file_name
from layers.exports.data_formats import EXPORT_CRS
from layers.exports.fonts import FontNotFoundError
from layers.exports.print_base import print_basemap_note
from layers.exports.print_page import LAYOUTS, default_title
from layers.geo.actions import load_actions
from layers.labels import FORM, KIND, LANGS, LIGHT_WORDS, LOCAL_TZ, PRECISION_HELP, md_escape, t
from layers.progress.view import light_counts
from layers.selection.details import FOLDED, measure_details, register_table
from layers.selection.filtering import (
    ASOF_RANGE,
    COLOURINGS,
    Filters,
    counts_per_action,
    district_codes,
    district_label,
    filter_projects,
    filters_from_query,
    filters_to_query,
    view_from_query,
)
from layers.selection.numbering import list_table
from layers.selection.stats import stats_by_action_district, stats_by_light, stats_chart
from layers.webmap.basemaps import available_basemaps, tianditu_key
from layers.webmap.mapping import APP_MAP_HEIGHT_PX as MAP_HEIGHT_PX
from layers.webmap.offline import ensure_leaflet_assets
from ui import access, edit, export_options, place_search, progress_panel
from ui.map_view import map_view, scroll_list_script

st.set_page_config(page_title="济宁十大攻坚行动", layout="wide")
ensure_leaflet_assets()

#: The numbered list beside the map: its height leaves room for the details under it.
LIST_HEIGHT_PX = 250
LIST_SELECTOR = ".st-key-side [data-testid=stDataFrame]"
FILTER_KEYS = ("f_actions", "f_districts", "f_forms", "f_kinds", "f_q", "f_citywide", "f_lights")
try:
    secrets = dict(st.secrets)
except Exception:  # no secrets.toml: that is the normal case
    secrets = {}
TDT_KEY = tianditu_key(secrets)
ACCESS = access.settings_from(secrets)
BASEMAPS = available_basemaps(TDT_KEY)
#: Today in Jining: the default as-of date (a URL's asof=YYYY-MM-DD sets another).
TODAY = dt.datetime.now(LOCAL_TZ).date()


def pick_from_list(key: str, ids: tuple, filter_key: str):
    """A row (or any cell of it) clicked in the list beside the map: select its measure, show
    its row as selected, and move the map to it.

    The cell wins over the row: once a row is shown as selected (written below), the next
    click on a cell arrives with that old row still in ``rows`` and the new cell in
    ``cells``. A click on a row's checkbox arrives with no cell, as every pick clears them."""
    chosen = st.session_state[key].selection
    pos = chosen.cells[0][0] if chosen.cells else chosen.rows[0] if chosen.rows else None
    if pos is not None:
        st.session_state["selected_id"] = ids[pos]
        st.session_state["focus"] = (ids[pos], filter_key)
        st.session_state[key] = {"selection": {"rows": [pos], "columns": [], "cells": []}}


def state_filters(state) -> Filters:
    """The filters the sidebar's widgets hold."""
    return Filters(
        tuple(state.f_actions),
        tuple(state.f_districts),
        tuple(state.f_forms),
        tuple(state.f_kinds),
        state.f_q,
        state.f_citywide,
        lights=tuple(state.f_lights),
    )


def list_columns(listed, with_lights: bool) -> dict:
    """The list's column widths: number and title in view (with the light between them once
    progress is reported); districts and action one scroll to the right."""
    widths = [44, 56, 200] if with_lights else [44, 200]
    return {listed.columns[i]: st.column_config.TextColumn(width=w) for i, w in enumerate(widths)}


def reset_filters():
    for k, v in zip(FILTER_KEYS, ([], [], [], [], "", True, []), strict=True):
        st.session_state[k] = v
    st.session_state.pop("selected_id", None)


# First run of a session: take the filters from the URL.
if "initialised" not in st.session_state:
    params = st.query_params.to_dict()
    f = filters_from_query(params)
    st.session_state.update(
        f_actions=list(f.actions),
        f_districts=list(f.districts),
        f_forms=list(f.forms),
        f_kinds=list(f.kinds),
        f_q=f.q,
        f_citywide=f.include_citywide,
        f_lights=list(f.lights),
        initialised=True,
        url_warnings=list(f.warnings),
    )
    st.session_state["asof"], st.session_state["colouring"], view_warnings = view_from_query(params, TODAY)
    st.session_state["url_warnings"] += view_warnings
    bm = params.get("basemap", "none")
    st.session_state["basemap"] = bm if bm in BASEMAPS else "none"
    if bm not in BASEMAPS:
        st.session_state["url_warnings"].append(f"basemap={bm}")
# A county clicked on the map, or a bar of the chart, in the previous run becomes the
# district filter; None (the selected district's bar clicked again) clears it.
if "pending_district" in st.session_state:
    pending = st.session_state.pop("pending_district")
    st.session_state["f_districts"] = [pending] if pending else []


TABS = {lang: t("tabs", lang) for lang in LANGS}


def keep_filters():
    """Before a language switch: the filter widgets and the tabs get new labels, hence new
    identities, and would start over. Re-assigning their values makes Streamlit carry them
    over; the open tab is carried over by its position."""
    for k in (*FILTER_KEYS, "basemap", "selected_id", "asof", "colouring", "since", "place_q"):
        if k in st.session_state:
            st.session_state[k] = st.session_state[k]
    new = st.session_state.get("lang", "zh")
    old = "en" if new == "zh" else "zh"
    tab = st.session_state.get("tab")
    if tab in TABS[old]:
        st.session_state["tab"] = TABS[new][TABS[old].index(tab)]


lang = st.sidebar.radio(
    "语言 / Language",
    LANGS,
    format_func=lambda c: {"zh": "中文", "en": "English"}[c],
    key="lang",
    horizontal=True,
    on_change=keep_filters,
)
# A compact header: the map and the list beside it fit a 1366x768 window without scrolling.
st.html(
    "<style>.block-container{padding-top:2.6rem;padding-bottom:1rem}.block-container h3{padding:0 0 .2rem 0}"
    # The list beside the map: its toolbar (search, download) would cover the heading above it.
    ".st-key-side [data-testid=stElementToolbar]{display:none}"
    # Streamlit's keyboard skip link is English whatever the language: it shows ours.
    f'[data-testid=stSkipToContent]{{font-size:0}}[data-testid=stSkipToContent]::after{{content:"{t("skip", lang)}";'
    "font-size:1rem}</style>"
)
st.markdown(f"### {md_escape(t('title', lang))}")


@st.cache_resource(max_entries=4, show_spinner=False)
def _merged(data_version: str):
    """The register merged with the valid stored records, the quarantined ones, and the
    stored records: read and checked once per data version, not on every rerun."""
    with Store(read_only=True) as store:
        stored = store.records()
    merged, quarantined = apply_store(load_projects(), stored)
    return merged, quarantined, stored


@st.cache_resource(max_entries=8, show_spinner=False)
def _public(data_version: str, lang: str):
    """The merged projects without account names, for a visitor who is not signed in: masked
    once per data version and language, not on every rerun."""
    return mask_projects(_merged(data_version)[0], lang)


@st.cache_resource(max_entries=32, show_spinner=False)
def _list_table(data_version: str, filter_key: str, lang: str, asof, with_lights: bool, _selected):
    """The numbered list of one filter state and as-of date (its lights), computed once per
    data version (``_selected`` is not hashed: the keys stand for it)."""
    return list_table(_selected, lang, with_lights)


try:
    # One connection per rerun, read only: a full disk or a read-only folder still shows the map.
    with Store(read_only=True) as _store:
        # A cheap key that changes with every save or undo; the records are read only when it does.
        data_version = data_key(_store.data_version())
        # Who is using the app, resolved on the server on every rerun (never taken from the browser).
        who = access.current_identity(st.session_state, ACCESS, _store)
    _projects, quarantined, stored = _merged(data_version)
    # A visitor who is not signed in never sees an editor's account name (detail panel,
    # register table, exports): layers.edits.privacy.
    projects = (_projects if who else _public(data_version, lang)).copy()
except DataError as exc:
    st.error(f"{t('error', lang)}\n\n{exc}")
    st.stop()
except StoreUnavailable as exc:  # PostgreSQL down or unreachable: one sentence, and nothing else runs
    st.error(md_escape(describe(exc, lang)))
    st.stop()
# Each measure's progress light as of the view's date (layers.progress), read once per data
# version and date: the filters, the map, the list and the statistics all see it.
projects, has_progress = progress_panel.with_lights_asof(projects, data_version, st.session_state["asof"])
if ACCESS.require_login and who is None:
    st.info(t("login_required", lang))
    access.sign_in_form(lang, st.session_state, ACCESS, where=st)
    st.stop()

actions = load_actions()
if st.session_state.get("url_warnings"):
    st.warning(t("url_ignored", lang) + ", ".join(md_escape(w[:200]) for w in st.session_state["url_warnings"]))
if quarantined:
    st.warning(t("quarantined", lang, n=len(quarantined)))

# ---- sidebar filters -------------------------------------------------------------------------
sb = st.sidebar
state = st.session_state
# Each filter's counts follow the other filters (the state holds their values of the last run).
per_action = counts_per_action(filter_projects(projects, replace(state_filters(state), actions=())))
name_col = f"name_{lang}"
sb.multiselect(
    t("f_action", lang),
    list(actions.index),
    key="f_actions",
    format_func=lambda a: f"{actions.loc[a, 'symbol']} {a}. {actions.loc[a, name_col]} ({per_action[a]})",
    placeholder=t("f_action_all", lang),
    select_all=False,  # its "Select all" entry is English in every language
)
sb.multiselect(
    t("f_district", lang),
    district_codes(),
    key="f_districts",
    format_func=lambda d: district_label(d, lang),
    placeholder=t("f_district_all", lang),
    select_all=False,
)
for field, words in (("form", FORM), ("kind", KIND)):
    sb.multiselect(
        t(f"f_{field}", lang),
        list(words),
        key=f"f_{field}s",
        format_func=lambda code, words=words: words[code][lang],
        placeholder=t("f_all", lang),
        select_all=False,
    )
sb.text_input(t("f_keyword", lang), key="f_q", placeholder=t("f_keyword_hint", lang))
place_box = sb.container()  # the place search (ui/place_search.py), filled once the selection is known
sb.checkbox(t("f_citywide", lang), key="f_citywide")
per_light = light_counts(filter_projects(projects, replace(state_filters(state), lights=())))
sb.multiselect(
    t("f_light", lang),
    list(LIGHT_WORDS),
    key="f_lights",
    format_func=lambda c: f"{LIGHT_WORDS[c][lang]} ({per_light[c]})",
    placeholder=t("f_all", lang),
    select_all=False,
)
sb.date_input(t("asof", lang), key="asof", min_value=ASOF_RANGE[0], max_value=ASOF_RANGE[1], help=t("asof_help", lang))
sb.radio(
    t("colouring", lang),
    COLOURINGS,
    key="colouring",
    horizontal=True,
    format_func=lambda c: t(f"colour_{c}", lang),
)
if not has_progress:
    sb.caption(t("no_progress_yet", lang))
sb.button(t("reset", lang), on_click=reset_filters, key="reset", width="stretch")
sb.selectbox(
    t("basemap", lang),
    list(BASEMAPS),
    key="basemap",
    format_func=lambda b: getattr(BASEMAPS[b], f"name_{lang}"),
)
if state.basemap != "none":
    sb.caption(t("basemap_online", lang))
access.sidebar(lang, state, ACCESS, who)

filters = state_filters(state)
query = filters_to_query(filters)
if state.asof != TODAY:
    query["asof"] = state.asof.isoformat()
if state.colouring != "action":
    query["color"] = state.colouring
if state.basemap != "none":
    query["basemap"] = state.basemap
if query != st.query_params.to_dict():
    st.query_params.from_dict(query)

selected = filter_projects(projects, filters)
filter_key = json.dumps(filters_to_query(filters), sort_keys=True)
place_search.render(place_box, selected, lang=lang, state=state, filter_key=filter_key, data_key=data_version)
st.caption(t("matching", lang, n=len(selected), total=len(projects)))

# Only the open tab's content runs (on_change="rerun"): the others cost nothing per rerun.
tab_map, tab_stats, tab_table, tab_export, tab_edit = st.tabs(
    TABS[lang],
    key="tab",
    on_change="rerun",
)

if tab_map.open:
    with tab_map:
        if selected.empty:
            st.warning(t("no_match", lang))
            st.button(t("reset", lang), on_click=reset_filters, key="reset_empty")
        listed = _list_table(data_version, filter_key, lang, state.asof, has_progress, selected)
        list_ids = list(listed.index)
        # One list per filter state and language: a row's position means one measure.
        list_key = "measure_list_" + hashlib.sha1(f"{filter_key}{lang}".encode()).hexdigest()[:10]
        place_search.sync_list(state, list_ids, list_key)  # a measure picked in the place search's list
        # What was clicked on the map in the last run (the component's value reaches the
        # state before the script runs): handled first, so the map already rings it.
        # A click here filters (a county) or selects (a measure); picking a point for a
        # correction is done on the edit tab's own map, where a click only picks.
        out = state.get("map") or {}
        clicked = out.get("last_active_drawing")
        if clicked:
            stamp = json.dumps(clicked, sort_keys=True)
            if stamp != state.get("last_click"):
                state["last_click"] = stamp
                props = clicked.get("properties") or {}
                if props.get("layer") == "county":
                    state["pending_district"] = props["adcode"]
                    st.rerun()
                elif props.get("id") in list_ids and props["id"] != state.get("selected_id"):
                    state["selected_id"] = props["id"]
                    state.pop("focus", None)  # a click on the map keeps the view
                    # The list shows the clicked measure's row as selected, scrolled into view.
                    row = list_ids.index(props["id"])
                    state[list_key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
                    state["scroll_list"] = (props["id"], row)
        sel_id = state.get("selected_id")
        if sel_id not in set(list_ids):
            sel_id = None
        col_map, col_side = st.columns([5, 2])
        with col_map:
            # A stable base map (basemap, counties), rendered once per process, plus overlay
            # groups that follow the filters: the browser swaps the groups in place.
            map_view(
                selected,
                filters,
                data_key=data_version,
                basemap=state.basemap,
                lang=lang,
                tdt_key=TDT_KEY,
                selected_id=sel_id,
                focus=state.get("focus") == (sel_id, filter_key),
                colour_by=state.colouring,
                asof=state.asof,
                place_view=place_search.view(state, filter_key, state.basemap),
            )
        # The side scrolls within the map's height; the page itself does not.
        with col_side, st.container(height=MAP_HEIGHT_PX, border=False, key="side"):
            st.markdown(f"**{t('list_heading', lang)}**")
            # An empty grid says "empty" in English whatever the language: no grid then (the
            # warning above the map already says nothing matches).
            if not listed.empty:
                st.dataframe(
                    listed,
                    hide_index=True,
                    height=LIST_HEIGHT_PX,
                    width="stretch",
                    key=list_key,
                    on_select=partial(pick_from_list, list_key, tuple(list_ids), filter_key),
                    selection_mode=["single-row", "single-cell"],
                    # Number and title in view; districts and action one scroll to the right.
                    column_config=list_columns(listed, has_progress),
                )
            if sel_id:
                rec = selected[selected["id"] == sel_id].iloc[0]
                with st.container(border=True, key="details"):
                    st.markdown(f"**{t('details', lang)}**")
                    for label, value in measure_details(rec, lang):
                        if label in FOLDED[lang]:  # quoted text in the other language: folded
                            with st.expander(label):
                                st.markdown(md_escape(value))
                        else:
                            st.markdown(f"**{md_escape(label)}**  \n{md_escape(value)}")
                    progress_panel.details(rec, state.asof, lang)
            elif not listed.empty:
                st.info(t("map_hint", lang))
        with st.expander(t("precision_help", lang)):
            st.markdown(PRECISION_HELP[lang])
        if "scroll_list" in state:  # a measure clicked on the map: its row scrolled into view
            st.html(scroll_list_script(*state.pop("scroll_list"), LIST_SELECTOR), unsafe_allow_javascript=True)

if tab_stats.open:
    with tab_stats:
        table = stats_by_action_district(selected, lang)
        # Tall enough for every row: the 合计 row is never hidden below a scroll.
        st.dataframe(table, width="stretch", height=35 * (len(table) + 1) + 3, key="stats_table")
        # Districts in official order, actions 1-10 in the map's colours; a click on a bar
        # filters the map to that district, a click on the selected district's bar clears it.
        # Each handled click starts a new chart (a new key): its selection is empty again, so
        # the next click on any bar, the same one included, is a new event.
        n = state.get("stats_chart_n", 0)
        picked = st.altair_chart(stats_chart(selected, lang, table), on_select="rerun", key=f"stats_chart_{n}")
        points = ((picked or {}).get("selection") or {}).get("district") or []
        code = points[0].get("adcode") if points else None
        if code in set(district_codes()):
            state["pending_district"] = None if [code] == list(filters.districts) else code
            state["stats_chart_n"] = n + 1
            st.rerun()

if tab_stats.open:
    with tab_stats:
        for by in ("action", "district"):
            st.markdown(f"**{t(f'stats_lights_{by}', lang)}**")
            lights_table = stats_by_light(selected, by, lang)
            st.dataframe(lights_table, width="stretch", height=35 * (len(lights_table) + 1) + 3, key=f"lights_{by}")
        progress_panel.changes_section(selected, data_version, state.asof, lang, state)

if tab_table.open:
    with tab_table:
        st.dataframe(register_table(selected, lang), hide_index=True, width="stretch", key="register")

if tab_export.open:
    with tab_export:
        st.caption(t("x_caption", lang))
        c1, c2 = st.columns(2)
        fmt = c1.selectbox(t("x_format", lang), FORMATS, key="x_format", format_func=lambda f: FORMAT_LABELS[f][lang])
        layout = c2.radio(
            t("x_layout", lang),
            list(LAYOUTS),
            key="x_layout",
            horizontal=True,
            format_func=lambda x: {"a4": t("x_layout_a4", lang), "16x9": "16:9"}[x],
        )
        title = c1.text_input(t("x_title", lang), value=default_title(lang), key=f"x_title_{lang}", max_chars=TITLE_MAX)
        approval = c2.text_input(t("x_approval", lang), key="x_approval", max_chars=APPROVAL_MAX)
        crs = c1.selectbox(
            t("x_crs", lang),
            list(EXPORT_CRS),
            key="x_crs",
            format_func=lambda c: EXPORT_CRS[c][1],
        )
        if fmt in ("png", "pdf", "svg"):
            c2.caption(print_basemap_note(state.basemap, lang))
        pack = fmt in ("pptx", "pack-pdf") and has_progress
        choice = (
            export_options.briefing_choice((c1, c2), selected, data_version, state.asof, lang, state) if pack else None
        )
        job = (
            fmt,
            layout,
            title,
            approval,
            crs,
            state.basemap,
            lang,
            filters,
            who is None,
            state.asof,
            state.colouring,
            choice,
            data_version,
        )  # names hidden or not; the date, the colouring, the unit and period, the stored progress
        if st.button(t("x_create", lang), key="x_go", disabled=selected.empty):
            bar = st.progress(0.0, text=t("x_creating", lang))
            try:
                with tempfile.TemporaryDirectory() as tmp:
                    out = export(
                        selected,
                        fmt,
                        f"{tmp}/export{extension(fmt)}",
                        filters,
                        layout,
                        title,
                        crs,
                        state.basemap,
                        approval,
                        lang,
                        progress=lambda d, n, _label: bar.progress(d / n),
                        tdt_key=TDT_KEY,
                        asof=state.asof,
                        briefing=export_options.briefing_of(selected, state.asof, choice) if pack else None,
                        unit=choice.unit if pack else None,
                        colour_by=state.colouring,
                    )
                    state["x_result"] = (job, out.read_bytes())
                bar.progress(1.0, text=t("x_done", lang))
            except FontNotFoundError:
                bar.empty()
                st.error(FontNotFoundError.MESSAGE[lang])
            except OSError as exc:  # a full disk or an unwritable temporary folder: one sentence
                bar.empty()
                st.error(t("x_write_failed", lang) + md_escape(exc.strerror or exc))
            except ValueError as exc:  # an option no page can hold (check_options): one sentence
                bar.empty()
                st.error(md_escape(describe(exc, lang)))
        result = state.get("x_result")
        if result and result[0] == job:
            st.download_button(
                t("x_download", lang),
                result[1],
                file_name=file_name(fmt, lang, state.asof),
                mime=MIME[fmt],
                key="x_download",
                type="primary",
            )

if tab_edit.open:
    with tab_edit:
        with Store(read_only=True) as _store:
            can_enable = ACCESS.oidc or Accounts(_store).has_editor()
        edit.render(
            projects,
            lang,
            state,
            quarantined,
            stored,
            who,
            can_enable,
            TDT_KEY,
            selected=selected,
            data_version=data_version,
            today=TODAY,
        )
