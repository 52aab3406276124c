"""The "Import & correct" tab: import lists, correct locations, undo, history."""

from __future__ import annotations

import hashlib
import io

import shapely
import streamlit as st

from layers.changes import changes_key, read_geometry_file, record_from_row, with_location
from layers.coords import SYSTEMS, canonical_system, to_wgs84
from layers.details import source_summary
from layers.importer import CONFLICT_CHOICES, FIELDS, ImportFileError, map_headers, read_table, review_import
from layers.labels import PRECISION, md_escape
from layers.store import ConflictError, Store, UndoError
from layers.validate import InvalidRecordError, check_geometry

SYSTEM_LABELS = {
    "wgs84": {"zh": "WGS-84(GPS、奥维、谷歌地球)", "en": "WGS-84 (GPS, Google Earth)"},
    "gcj02": {"zh": "GCJ-02(高德、腾讯坐标拾取)", "en": "GCJ-02 (AMap, Tencent pickers)"},
    "bd09": {"zh": "BD-09(百度坐标拾取)", "en": "BD-09 (Baidu picker)"},
    "cgcs2000": {"zh": "CGCS2000 经纬度", "en": "CGCS2000 geographic"},
    "epsg:4548": {
        "zh": "CGCS2000 高斯-克吕格 3度带 117°E(EPSG:4548)",
        "en": "CGCS2000 3° Gauss-Krüger 117°E (EPSG:4548)",
    },
    "epsg:4527": {"zh": "同上,带号39前缀(EPSG:4527)", "en": "same, zone prefix 39 (EPSG:4527)"},
}


def _sheets(data: bytes) -> list[str]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True)
        names = wb.sheetnames
        wb.close()
        return names
    except Exception:  # unreadable: read_table reports it properly
        return []


@st.cache_data(max_entries=8, show_spinner=False)
def _read(digest, name, sheet, _data):
    """The file read once per content (by hash) and sheet, not on every rerun."""
    return read_table(_data, name, sheet)


@st.cache_data(max_entries=8, show_spinner=False)
def _review(digest, sheet, crs, overrides, store_key, _df, _stored, _notes):
    """A review is computed once per file (by hash), sheet, system, mapping and stored data,
    not again on every widget interaction."""
    return review_import(_df, crs, dict(overrides), _stored, _notes)


def _import(lang, who):
    zh = lang == "zh"
    st.subheader("导入项目清单" if zh else "Import a list of measures")
    st.caption(
        "支持 CSV、XLSX(≤5 MB)。按表头识别列:项目名称、所属行动、县区、地点、经度、纬度……;保存前先预览。"
        if zh
        else "CSV or XLSX (≤ 5 MB). Columns are recognised by header; review before saving."
    )
    up = st.file_uploader("清单文件" if zh else "List file", type=["csv", "xlsx"], key="imp_file")
    c1, c2 = st.columns(2)
    crs = c1.selectbox(
        "坐标系" if zh else "Coordinate system", SYSTEMS, key="imp_crs", format_func=lambda s: SYSTEM_LABELS[s][lang]
    )
    if up is None:
        return
    data = up.getvalue()
    sheet = None
    if up.name.lower().endswith(".xlsx"):
        sheets = _sheets(data)
        if len(sheets) > 1:
            sheet = c2.selectbox("工作表" if zh else "Sheet", sheets, key="imp_sheet")
    try:
        df, notes = _read(hashlib.sha256(data).hexdigest(), up.name, sheet, data)
    except ImportFileError as exc:
        st.error(md_escape(exc))
        return
    _, unknown = map_headers(df.columns)
    overrides = {}
    if unknown:
        st.info("以下列未识别,可指定对应字段(留空则忽略):" if zh else "Unrecognised columns; map them or leave empty:")
        cols = st.columns(min(4, len(unknown)))
        for i, h in enumerate(unknown):
            overrides[h] = cols[i % len(cols)].selectbox(h, ["", *FIELDS], key=f"imp_map_{h}")
    with Store() as store:
        stored = store.records()
    report = _review(
        hashlib.sha256(data).hexdigest(),
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
    if report.has_errors:
        st.error(
            "有错误行:请按提示修改文件后重新导入,本次不会保存任何内容。已保存的行重新导入时不会重复。"
            if zh
            else "Some rows have errors: fix the file and import it again; nothing is saved now. Rows already saved "
            "are matched, not duplicated."
        )
        return
    choice = None
    if report.conflicts:
        st.warning(
            f"{len(report.conflicts)} 行会覆盖此后已保存的修改(状态 conflict)。请选择如何处理:"
            if zh
            else f"{len(report.conflicts)} rows would replace changes saved since (status conflict). Choose:"
        )
        choice = st.radio(
            "冲突行" if zh else "Conflicting rows",
            CONFLICT_CHOICES,
            index=None,
            key="imp_conflict",
            horizontal=True,
            format_func=lambda c: {
                "keep": "保留已保存的版本" if zh else "keep the saved version",
                "replace": "用文件中的行替换" if zh else "replace it with the file's row",
                "skip": "跳过这些行" if zh else "skip these rows",
            }[c],
        )
        if choice is None:
            return
    records = report.to_save(choice)
    if not records:
        st.info("没有新的或有变化的行。" if zh else "No new or changed rows.")
        return
    if st.button(("确认保存 %d 行" if zh else "Save %d rows") % len(records), key="imp_save", type="primary"):
        try:
            with Store() as store:
                store.save(records, who, "import", expected=report.expected_versions())
        except (InvalidRecordError, ConflictError) as exc:  # the review checks the same rules: a safety net
            st.error(md_escape(exc))
            return
        st.success("已保存。" if zh else "Saved.")
        st.rerun()


def _correct(projects, lang, who, state):
    zh = lang == "zh"
    st.subheader("更正位置" if zh else "Correct a location")
    titles = dict(zip(projects["id"], projects["title_zh" if zh else "title_en"], strict=True))
    mid = st.selectbox(
        "措施" if zh else "Measure", list(projects["id"]), key="fix_id", format_func=lambda i: f"{i} {titles[i]}"
    )
    rec = projects[projects["id"] == mid].iloc[0]
    with Store() as store:
        loaded = state.setdefault("fix_versions", {}).setdefault(mid, store.version(mid))
    precision = PRECISION.get(rec["precision"], {}).get(lang, rec["precision"])
    st.caption(md_escape(f"{precision} · {source_summary(rec['geometry_source'], lang)}"))
    method = st.radio(
        "方式" if zh else "Method",
        ["map", "paste", "file"],
        key="fix_method",
        horizontal=True,
        format_func=lambda m: {
            "map": "在地图上点选" if zh else "click the map",
            "paste": "粘贴坐标" if zh else "paste coordinates",
            "file": "上传线/面 GeoJSON、KML" if zh else "upload a GeoJSON/KML line or area",
        }[m],
    )
    geom, how, precision_m = None, method, 10.0
    if method == "map":
        click = state.get("map_click")
        if click:
            lon, lat, basemap = click
            if basemap == "gaode":  # the map was showing GCJ-02 then
                lon, lat = to_wgs84(lon, lat, "gcj02")
            geom = shapely.Point(lon, lat)
            st.write(f"{'地图点击位置' if zh else 'Clicked'}: {lon:.6f}, {lat:.6f} (WGS-84)")
        else:
            st.info("先在“地图”页点击位置。" if zh else "Click the location on the Map tab first.")
    elif method == "paste":
        c1, c2 = st.columns(2)
        text = c1.text_input("经度, 纬度" if zh else "lon, lat", key="fix_text", placeholder="116.5870, 35.4152")
        system = c2.selectbox(
            "坐标系" if zh else "System", SYSTEMS, key="fix_crs", format_func=lambda s: SYSTEM_LABELS[s][lang]
        )
        if text.strip():
            try:
                x, y = (float(v) for v in text.replace(",", ",").replace(" ", ",").split(",") if v.strip())
                lon, lat = to_wgs84(x, y, canonical_system(system))
                geom = shapely.Point(lon, lat)
                precision_m = 1.0
                st.write(f"WGS-84: {lon:.6f}, {lat:.6f}")
            except ValueError:
                st.error("请输入两个数字:经度, 纬度" if zh else "Give two numbers: lon, lat")
    else:
        up = st.file_uploader("GeoJSON / KML", type=["geojson", "json", "kml"], key="fix_file")
        if up is not None:
            try:
                geom = read_geometry_file(up.getvalue(), up.name)
                st.write(f"{geom.geom_type}")
            except ValueError as exc:
                st.error(("无法读取该文件:" if zh else "Cannot read this file: ") + md_escape(str(exc)[:200]))
    if geom is not None:
        # The rules the store applies, checked before the button: NaN, (0, 0) or a world-sized area never get that far.
        geom, reason = check_geometry(geom)
        if reason:
            st.error(("无法使用该位置:" if zh else "This location cannot be used: ") + md_escape(reason))
    if geom is not None and st.button("保存位置" if zh else "Save location", key="fix_save", type="primary"):
        new = with_location(record_from_row(rec), geom, who, how, precision_m)
        try:
            with Store() as store:
                store.save([new], who, "set_location", expected={mid: loaded})
                state["fix_versions"][mid] = store.version(mid)
            st.success("已保存。" if zh else "Saved.")
            st.rerun()
        except ConflictError as exc:
            st.error(md_escape(exc))
            state["fix_versions"].pop(mid, None)
        except InvalidRecordError as exc:
            st.error(md_escape(exc))


def _history(lang, who):
    zh = lang == "zh"
    st.subheader("撤销与修改记录" if zh else "Undo and history")
    c1, c2 = st.columns(2)
    if c1.button("撤销我最近一次修改" if zh else "Undo my last change", key="undo"):
        try:
            with Store() as store:
                batch = store.undo_last(who)
        except UndoError as exc:
            st.error(md_escape(exc))
            return
        if batch:
            st.success(("已撤销 " if zh else "Undone: ") + batch)
            st.rerun()
        st.info(
            "没有可撤销的修改:只能撤销以上姓名保存的修改。"
            if zh
            else "Nothing to undo: only changes saved under the name above can be undone here."
        )
    with Store() as store:
        hist = store.history()
        hist_csv = store.history_csv()
    c2.download_button(
        "下载修改记录 CSV" if zh else "Download history (CSV)",
        hist_csv,
        file_name="jining_changes_history.csv",
        mime="text/csv",
        key="history_download",
    )
    if len(hist):
        st.dataframe(
            hist[["at", "who", "what", "measure_id"]].iloc[::-1], hide_index=True, width="stretch", key="history_table"
        )


def _quarantine(quarantined, stored, lang):
    zh = lang == "zh"
    st.subheader("有问题的已存记录" if zh else "Saved records with problems")
    st.caption(
        "这些记录未显示在地图和导出中。撤销保存它们的那次修改,或重新导入改正后的行。"
        if zh
        else "They are left out of the map and the exports. Undo the change that saved them, or import a fixed row."
    )
    title = lambda mid: str((stored.get(mid) or {}).get("title_zh") or "")[:60]  # noqa: E731
    st.markdown(
        "\n".join(
            f"- {md_escape(mid)} {md_escape(title(mid))} — {md_escape(reason[:300])}"
            for mid, reason in quarantined.items()
        )
    )
    st.caption(
        "命令行可列出并撤销任一次修改:python -m layers changes list / undo 批次号"
        if zh
        else "The command line lists and undoes any change: python -m layers changes list / undo BATCH"
    )


def render(projects, lang, state, quarantined=None, stored=None):
    zh = lang == "zh"
    if quarantined:
        _quarantine(quarantined, stored or {}, lang)
        st.divider()
    # The name outlives the tab: Streamlit forgets a widget's value while its tab is closed.
    who = st.text_input(
        "您的姓名/科室(记入修改记录)" if zh else "Your name / office (kept in the history)",
        key="who",
        value=state.get("_who", ""),
    )
    state["_who"] = who
    _import(lang, who)
    st.divider()
    _correct(projects, lang, who, state)
    st.divider()
    _history(lang, who)
