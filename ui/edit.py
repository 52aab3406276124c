"""The "Import & correct" tab: import lists, correct locations, undo, history."""

from __future__ import annotations

import datetime as dt
import hashlib

import shapely
import streamlit as st
from streamlit_folium import st_folium

from layers._errors import describe, in_lang
from layers.edits.changes import changes_key, record_from_row, with_location
from layers.edits.geofile import read_geometry_file
from layers.edits.history import history_csv, readable_history
from layers.edits.importer import (
    FIELDS,
    MAX_BYTES,
    ImportFileError,
    map_headers,
    read_table,
    review_import,
    sheet_names,
)
from layers.edits.privacy import mask_history
from layers.edits.store import ConflictError, Store, StoreWriteError, UndoError, writing
from layers.edits.validate import InvalidRecordError, check_geometry
from layers.geo.coords import SYSTEMS, canonical_system, to_wgs84
from layers.labels import CHANGE_WORDS, GEOMETRY_WORDS, PRECISION, SYSTEM_LABELS, md_escape, t
from layers.selection.details import source_summary
from layers.selection.numbering import precision_km
from layers.webmap.small_maps import SMALL_MAP_HEIGHT_PX, pick_map, picked_group, review_map
from ui import draw_edit, progress_edit
from ui.messages import conflict_choice, said, saved

MAX_MB = MAX_BYTES // 2**20


@st.cache_data(max_entries=8, show_spinner=False)
def _sheets(digest, name, _data) -> list[str]:
    """The workbook's sheets, once per content (by hash). ``sheet_names`` runs the command
    line's bounds (``check_file_bounds``) before openpyxl opens the file; a file out of
    bounds or unreadable raises ImportFileError."""
    return sheet_names(_data, name)


@st.cache_data(max_entries=8, show_spinner=False)
def _read(digest, name, sheet, _data):
    """The file read once per content (by hash) and sheet, not on every rerun."""
    return read_table(_data, name, sheet)


@st.cache_data(max_entries=8, show_spinner=False)
def _review(digest, sheet, crs, overrides, store_key, _df, _stored, _notes):
    """A review is computed once per file (by hash), sheet, system, mapping and stored data,
    not again on every widget interaction."""
    return review_import(_df, crs, dict(overrides), _stored, _notes)


def _small_map(m, centre, zoom, key: str, feature_group=None):
    """A small map of the edit tab; only its clicked point and the zoom it was clicked at
    come back (panning never reruns)."""
    return st_folium(
        m,
        center=centre,
        zoom=zoom,
        height=SMALL_MAP_HEIGHT_PX,
        use_container_width=True,
        key=key,
        returned_objects=["last_clicked", "zoom"] if feature_group is not None else [],
        feature_group_to_add=feature_group,
    )


def _import(lang, who, state, known_ids, basemap, tdt_key):
    st.subheader(t("imp_heading", lang))
    said(state, "import")
    st.caption(t("imp_caption", lang))
    up = st.file_uploader(t("imp_file", lang), type=["csv", "xlsx"], key="imp_file")
    c1, c2 = st.columns(2)
    crs = c1.selectbox(t("imp_crs", lang), SYSTEMS, key="imp_crs", format_func=lambda s: SYSTEM_LABELS[s][lang])
    if up is None:
        return
    data = up.getvalue()
    digest = hashlib.sha256(data).hexdigest()  # the caches below know the file by it
    sheet = None
    try:
        if up.name.lower().endswith(".xlsx"):
            sheets = _sheets(digest, up.name, data)
            if len(sheets) > 1:
                sheet = c2.selectbox(t("imp_sheet", lang), sheets, key="imp_sheet")
        df, notes = _read(digest, up.name, sheet, data)
    except ImportFileError as exc:
        st.error(md_escape(describe(exc, lang)))
        return
    _, unknown = map_headers(df.columns)
    overrides = {}
    if unknown:
        st.info(t("imp_unknown", lang))
        cols = st.columns(min(4, len(unknown)))
        for i, h in enumerate(unknown):
            overrides[h] = cols[i % len(cols)].selectbox(h, ["", *FIELDS], key=f"imp_map_{h}")
    with Store(read_only=True) as store:
        stored = store.records()
    report = _review(
        digest,
        sheet,
        crs,
        tuple(sorted(overrides.items())),
        changes_key(stored),
        df,
        stored,
        notes,
    )
    st.write(report.counts_text(lang))
    for n in report.notes:
        st.caption(n)
    st.dataframe(report.table(lang), hide_index=True, width="stretch", key="imp_preview")
    points = report.located_points()
    if points:
        st.caption(t("imp_map_caption", lang))
        _small_map(*review_map(points, basemap, lang, tdt_key), key=f"imp_map_{digest[:10]}_{lang}")
    if report.has_errors:
        st.error(t("imp_errors", lang))
        return
    choice = None
    if report.conflicts:
        choice = conflict_choice(len(report.conflicts), lang, "imp_conflict")
        if choice is None:
            return
    records = report.to_save(choice)
    if not records:
        st.info(t("imp_nothing", lang))
        return
    if st.button(t("imp_save", lang, n=len(records)), key="imp_save", type="primary"):
        try:
            with Store() as store:
                batch = store.save(records, who, "import", expected=report.expected_versions())
        # The review checks the same rules (a safety net); a full disk or a read-only store: one sentence.
        except (InvalidRecordError, ConflictError, StoreWriteError) as exc:
            st.error(md_escape(describe(exc, lang)))
            return
        saved(state, "import", lang, batch, known_ids)
        st.rerun()


def _picked_on_map(projects, mid, lang, state, basemap, tdt_key):
    """The point picked on the pick map for ``mid`` (WGS-84), its precision (m) from the zoom it
    was clicked at and the basemap, and how it was picked; (None, None, "") before a click. A
    click on this map picks a point and does nothing else: it never filters."""
    picked = state.get("map_pick")
    lon, lat, at = picked[1:] if picked and picked[0] == mid else (None, None, None)
    note = st.empty()  # above the map, in one place whether a point is picked or not
    m, centre, zoom = pick_map(projects, mid, basemap, lang, tdt_key)
    out = _small_map(m, centre, zoom, key=f"pick_map_{mid}_{basemap}", feature_group=picked_group(lon, lat, basemap))
    click = (out or {}).get("last_clicked")
    if click:
        x, y = click["lng"], click["lat"]
        if basemap == "gaode":  # the map was showing GCJ-02
            x, y = to_wgs84(x, y, "gcj02")
        if (x, y) != (lon, lat):
            state["map_pick"] = (mid, x, y, (out or {}).get("zoom") or zoom)
            st.rerun()  # the picked point is drawn on the map and named below it
    if lon is None:
        note.info(t("fix_click_first", lang))
        return None, None, ""
    point = shapely.Point(lon, lat)
    precision_m = draw_edit.precision_of(at, point, basemap)
    km = precision_km(precision_m)
    note.success(
        f"{t('fix_clicked', lang)}: {lon:.6f}, {lat:.6f} (WGS-84), " + t("pick_precision", lang, km=km, zoom=f"{at:g}")
    )
    return point, precision_m, draw_edit.how("map", at, basemap)


def _pasted(lang):
    """A point from pasted coordinates in a chosen system (WGS-84), or None."""
    c1, c2 = st.columns(2)
    text = c1.text_input(t("fix_lonlat", lang), key="fix_text", placeholder="116.5870, 35.4152")
    system = c2.selectbox(t("fix_system", lang), SYSTEMS, key="fix_crs", format_func=lambda s: SYSTEM_LABELS[s][lang])
    if not text.strip():
        return None
    try:
        x, y = (float(v) for v in text.replace(",", ",").replace(" ", ",").split(",") if v.strip())
        lon, lat = to_wgs84(x, y, canonical_system(system))
    except ValueError:
        st.error(t("fix_two_numbers", lang))
        return None
    st.write(f"WGS-84: {lon:.6f}, {lat:.6f}")
    return shapely.Point(lon, lat)


def _uploaded_shape(lang):
    """A line or area from an uploaded GeoJSON or KML file, or None."""
    up = st.file_uploader("GeoJSON / KML", type=["geojson", "json", "kml"], key="fix_file")
    if up is None:
        return None
    try:
        geom = read_geometry_file(up.getvalue(), up.name)
    except ValueError as exc:
        st.error(t("fix_unreadable", lang) + md_escape(describe(exc, lang)[:300]))
        return None
    st.write(t("geometry_read", lang, kind=GEOMETRY_WORDS.get(geom.geom_type, {}).get(lang, geom.geom_type)))
    return geom


def _correct(projects, lang, who, state, basemap, tdt_key):
    st.subheader(t("fix_heading", lang))
    said(state, "correct")
    titles = dict(zip(projects["id"], projects[f"title_{lang}"], strict=True))
    mid = st.selectbox(
        t("fix_measure", lang), list(projects["id"]), key="fix_id", format_func=lambda i: f"{i} {titles[i]}"
    )
    rec = projects[projects["id"] == mid].iloc[0]
    with Store(read_only=True) as store:
        loaded = state.setdefault("fix_versions", {}).setdefault(mid, store.version(mid))
    precision = PRECISION.get(rec["precision"], {}).get(lang, rec["precision"])
    st.caption(md_escape(f"{precision} · {source_summary(rec['geometry_source'], lang)}"))
    method = st.radio(
        t("fix_method", lang),
        ["map", "draw", "paste", "file"],
        key="fix_method",
        horizontal=True,
        format_func=lambda m: t(f"method_{m}", lang),
    )
    if method == "map":
        geom, precision_m, how = _picked_on_map(projects, mid, lang, state, basemap, tdt_key)
    elif method == "draw":
        geom, precision_m, how = draw_edit.drawn_on_map(projects, mid, lang, basemap, tdt_key)
    elif method == "paste":
        geom, precision_m, how = _pasted(lang), 1.0, "paste"
    else:
        geom, precision_m, how = _uploaded_shape(lang), 10.0, "file"
    if geom is not None:
        # The rules the store applies, checked before the button: NaN, (0, 0) or a world-sized area never get that far.
        geom, reason = check_geometry(geom)
        if reason:
            st.error(t("fix_unusable", lang) + md_escape(in_lang(reason, lang)))
    if geom is not None and st.button(t("fix_save", lang), key="fix_save", type="primary"):
        try:
            new = with_location(record_from_row(rec), geom, who, how, precision_m)
        except ValueError as exc:  # outside Jining (and not marked 市外): one sentence, nothing saved
            st.error(md_escape(describe(exc, lang)))
            return
        try:
            with Store() as store:
                batch = store.save([new], who, "set_location", expected={mid: loaded})
                state["fix_versions"][mid] = store.version(mid)
        except ConflictError as exc:
            st.error(md_escape(describe(exc, lang)))
            state["fix_versions"].pop(mid, None)
            return
        except (InvalidRecordError, StoreWriteError) as exc:  # a full disk, a read-only store: one sentence
            st.error(md_escape(describe(exc, lang)))
            return
        state.pop("map_pick", None)
        saved(state, "correct", lang, batch, projects["id"])
        st.rerun()


def _history(lang, who, anonymous=False):
    """The history, and (for an editor: ``who``) the undo of their own last change. For a
    visitor who is not signed in (``anonymous``) no account names (``layers.edits.privacy``)."""
    st.subheader(t("hist_heading", lang), anchor="history")  # the saves' messages link here
    c1, c2 = st.columns(2)
    if who and c1.button(t("undo", lang), key="undo"):
        try:
            with Store() as store:
                batch = store.undo_last(who)
        except (UndoError, StoreWriteError) as exc:
            st.error(md_escape(describe(exc, lang)))
            return
        if batch:
            st.success(t("undone", lang, batch=batch))
            st.rerun()
        st.info(t("nothing_to_undo", lang))
    with Store(read_only=True) as store:
        hist = store.history()  # read once, for the table and the download
    hist = readable_history(mask_history(hist, lang) if anonymous else hist)
    c2.download_button(
        t("hist_download", lang),
        history_csv(hist),
        file_name="jining_changes_history.csv",
        mime="text/csv",
        key="history_download",
    )
    if len(hist):
        st.dataframe(
            hist[["at", "who", "what", "measure_id"]]
            .iloc[::-1]
            .assign(what=lambda h: [CHANGE_WORDS.get(w, {}).get(lang, w) for w in h["what"]])
            .rename(columns=t("hist_columns", lang)),
            hide_index=True,
            width="stretch",
            key="history_table",
        )


def _quarantine(quarantined, stored, lang):
    st.subheader(t("q_heading", lang))
    st.caption(t("q_caption", lang))
    title = lambda mid: str((stored.get(mid) or {}).get("title_zh") or "")[:60]  # noqa: E731
    st.markdown(
        "\n".join(
            f"- {md_escape(mid)} {md_escape(title(mid))} — {md_escape(reason[:300])}"
            for mid, reason in quarantined.items()
        )
    )
    st.caption(t("q_cli", lang))


def _uploader_in(lang: str) -> None:
    """Streamlit's file uploader says "Upload" and "5MB per file" whatever the language, and
    has no parameter for it: in Chinese, style sheets swap those words for ours (hidden with
    display:none, so they are not in the page's text either)."""
    if lang == "en":
        return
    dz = '[data-testid="stFileUploaderDropzone"]'
    button, limit = t("upload_browse", lang), t("upload_limit", lang, mb=MAX_MB)
    st.html(
        "<style>"
        f"{dz} button [data-testid=stMarkdownContainer] p{{display:none}}"
        f'{dz} button [data-testid=stMarkdownContainer]::after{{content:"{button}"}}'
        f"{dz} [data-testid=stFileUploaderDropzoneInstructions] span{{display:none}}"
        f'{dz} [data-testid=stFileUploaderDropzoneInstructions] div::after{{content:"{limit}";font-size:.875rem;'
        "color:rgba(49,51,63,.6)}"
        "</style>"
    )


def _accounts(lang: str, me) -> None:
    """An admin's view of the accounts: list, add, change the role, remove."""
    from layers.edits.auth import ROLE_WORDS, ROLES, Accounts, AuthError

    st.subheader(t("acc_heading", lang))
    with Store(read_only=True) as store:
        table = Accounts(store).list()
    if len(table):
        shown = table.assign(role=[ROLE_WORDS[r][lang] for r in table["role"]])
        st.dataframe(shown.rename(columns=t("acc_columns", lang)), hide_index=True, width="stretch", key="acc_table")
    c1, c2 = st.columns(2)
    with c1.form("acc_add", clear_on_submit=True):
        st.markdown(f"**{t('acc_add', lang)}**")
        name = st.text_input(t("login_name", lang), key="acc_name", max_chars=64)
        role = st.selectbox(t("acc_role", lang), ROLES, key="acc_new_role", format_func=lambda r: ROLE_WORDS[r][lang])
        pw = st.text_input(t("login_password", lang), type="password", key="acc_pw", max_chars=256)
        pw2 = st.text_input(t("acc_password_again", lang), type="password", key="acc_pw2", max_chars=256)
        if st.form_submit_button(t("acc_add", lang), key="acc_add_submit"):
            try:
                if pw != pw2:
                    raise AuthError(t("acc_passwords_differ", lang))
                with writing(), Store() as store:
                    Accounts(store).add(name, pw, role)
                st.rerun()  # the list above shows the new account
            except (AuthError, StoreWriteError) as exc:
                st.error(md_escape(describe(exc, lang)))
    others = [n for n in table["name"] if n != me.name]
    if others:
        with c2.form("acc_remove"):
            st.markdown(f"**{t('acc_remove', lang)}**")
            name = st.selectbox(t("login_name", lang), others, key="acc_remove_name")
            if st.form_submit_button(t("acc_remove", lang), key="acc_remove_submit"):
                try:
                    with writing(), Store() as store:
                        Accounts(store).remove(name)
                    st.rerun()
                except (AuthError, StoreWriteError) as exc:  # the last admin; a full disk or a read-only store
                    st.error(md_escape(describe(exc, lang)))


def render(
    projects,
    lang,
    state,
    quarantined=None,
    stored=None,
    who=None,
    can_enable=False,
    tdt_key=None,
    *,
    selected=None,
    data_version: str = "",
    today=None,
):
    """The tab. ``who`` is the signed-in identity (None: nobody); only an editor or an
    admin may import, correct and undo, and every change is recorded under their name.
    ``can_enable``: an editor account or an identity provider exists. The small maps use
    the basemap chosen in the sidebar (``state.basemap``; ``tdt_key`` for Tianditu)."""
    basemap = state.get("basemap", "none")
    _uploader_in(lang)
    if quarantined:
        _quarantine(quarantined, stored or {}, lang)
        st.divider()
    if who is None or not who.can_edit:
        # Read-only: the history can be read and downloaded; nothing can be changed.
        key = "edit_viewer" if who else "edit_sign_in" if can_enable else "edit_off"
        st.info(t(key, lang))
        _history(lang, None, anonymous=who is None)
        return
    st.caption(t("editing_as", lang, name=md_escape(who.name)))
    # Each section in a container of its own: the elements a section adds (a review, its
    # map) never move the next section's, so its map is not re-created by the page's browser
    # side (a map whose place in the page moved was left blank).
    with st.container(key="import_section"):
        _import(lang, who.name, state, projects["id"], basemap, tdt_key)
    st.divider()
    with st.container(key="correct_section"):
        _correct(projects, lang, who.name, state, basemap, tdt_key)
    st.divider()
    with st.container(key="progress_section"):
        progress_edit.render(
            projects,
            projects if selected is None else selected,
            lang,
            who.name,
            state,
            data_version,
            today or dt.date.today(),
        )
    st.divider()
    _history(lang, who.name)
    if who.is_admin:
        st.divider()
        _accounts(lang, who)
