"""A self-contained interactive HTML map: Leaflet, its CSS and images inlined.

The file opens in any browser with no internet and no server. Only tiles of a web
basemap, if one is chosen, need the network.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import geopandas as gpd

from layers._io import atomic_write
from layers.exports.print_page import NOTES, default_title, describe_filters
from layers.selection.filtering import Filters
from layers.webmap.mapping import build_map
from layers.webmap.offline import LEAFLET_CSS_URL, LEAFLET_JS_URL, leaflet_source_dir


def _inline_css() -> str:
    src = leaflet_source_dir()
    css = (src / "leaflet.css").read_text(encoding="utf-8")

    def data_uri(match):
        name = match.group(1)
        data = base64.b64encode((src / "images" / name).read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return re.sub(r"url\(images/([\w.-]+\.png)\)", data_uri, css)


def render_html(
    selected: gpd.GeoDataFrame,
    filters: Filters | None = None,
    basemap: str = "none",
    lang: str = "zh",
    title: str | None = None,
    tdt_key: str | None = None,
    colour_by: str = "action",
) -> str:
    """The map as one HTML document with every script and style inline; ``colour_by``
    "progress" colours it by the measures' lights, with their legend."""
    filters = filters or Filters()
    m = build_map(selected, filters, basemap, lang, tdt_key, colour_by)
    page = m.get_root().render()
    js = (leaflet_source_dir() / "leaflet.js").read_text(encoding="utf-8")
    page = re.sub(rf'<script src="{re.escape(LEAFLET_JS_URL)}"></script>', lambda _m: f"<script>{js}</script>", page)
    page = re.sub(
        rf'<link rel="stylesheet" href="{re.escape(LEAFLET_CSS_URL)}"\s*/>',
        lambda _m: f"<style>{_inline_css()}</style>",
        page,
    )
    if LEAFLET_JS_URL in page or LEAFLET_CSS_URL in page:
        raise RuntimeError("could not inline Leaflet: folium's page layout changed")
    heading = html.escape(title or default_title(lang))
    sub = html.escape(describe_filters(filters, len(selected), lang))
    banner = (
        f'<div style="position:absolute;z-index:10000;top:8px;left:60px;right:60px;text-align:center;'
        f'font:bold 18px sans-serif;text-shadow:0 0 4px #fff">{heading}'
        f'<div style="font:13px sans-serif">{sub}</div>'
        f'<div style="font:11px sans-serif;color:#555">{html.escape(NOTES.get(lang, NOTES["zh"]))}</div></div>'
    )
    page = page.replace("<body>", f"<body>{banner}{_side_panel(selected, lang)}", 1)
    # After folium's own scripts, which come after </body>: the map must exist first.
    page = page.replace("</html>", _details_script(selected, lang, m.get_name(), basemap) + "</html>", 1)
    page = page.replace("<head>", f"<head><title>{heading}</title>", 1)
    return page


def _side_panel(selected, lang: str) -> str:
    """A panel at the right: the details of the clicked measure (filled by script), the
    numbered list of the measures on the map, then the measures with no single place,
    grouped as in the app. Every text is HTML-escaped; a click on a row shows its details."""
    from layers.labels import FORM, t
    from layers.selection.numbering import NO_NUMBER, list_table

    text = {"hint": t("html_hint", lang), "list": t("list_heading", lang), "nowhere": t("nowhere", lang)}
    listed = list_table(selected, lang)
    forms = dict(zip(selected["id"], selected["form"], strict=True))

    def item(mid, row):
        number = "" if row.iloc[0] == NO_NUMBER else f"<b>{html.escape(row.iloc[0])}</b> "
        return (
            f'<li data-id="{html.escape(str(mid))}" style="cursor:pointer;margin:2px 0">{number}'
            f"{html.escape(str(row.iloc[1]))} <small style='color:#666'>{html.escape(str(row.iloc[2]))}</small></li>"
        )

    placed = [(mid, row) for mid, row in listed.iterrows() if row.iloc[0] != NO_NUMBER]
    parts = [
        f"<h4 style='margin:10px 0 4px'>{html.escape(text['list'])} ({len(placed)})</h4>"
        f"<ol style='list-style:none;padding-left:0'>{''.join(item(m, r) for m, r in placed)}</ol>"
    ]
    rest = [(mid, row) for mid, row in listed.iterrows() if row.iloc[0] == NO_NUMBER]
    parts.append(f"<h4 style='margin:10px 0 4px'>{html.escape(text['nowhere'])} ({len(rest)})</h4>")
    for form in ("city", "outside"):
        group = [(m, r) for m, r in rest if forms[m] == form]
        if group:
            parts.append(
                f"<details{' open' if form != 'city' else ''}><summary>{html.escape(FORM[form][lang])} "
                f"({len(group)})</summary><ul style='padding-left:16px'>{''.join(item(m, r) for m, r in group)}</ul>"
                "</details>"
            )
    return (
        '<div id="jn-panel" style="position:absolute;z-index:10001;top:90px;right:10px;bottom:30px;width:300px;'
        "overflow:auto;background:rgba(255,255,255,.95);border:1px solid #bbb;border-radius:4px;padding:8px;"
        'font:13px sans-serif">'
        f'<div id="jn-details"><div style="color:#555">{html.escape(text["hint"])}</div></div>'
        + "".join(parts)
        + "</div>"
    )


def _details_script(selected, lang: str, map_name: str, basemap: str = "none") -> str:
    """The details of every measure and the view that shows it, as JSON; a click on the map
    or on a row of the list shows the details in the panel (as text, never as HTML), and a
    click on a row also moves the map to the measure (``js/html_panel.js``, inlined)."""
    from layers.labels import t
    from layers.selection.details import SOURCE_NOTES, measure_details
    from layers.webmap.map_scripts import js_call, script_json
    from layers.webmap.mapping import focus_views

    details = {str(rec["id"]): measure_details(rec, lang) for _, rec in selected.iterrows()}
    views = focus_views(selected, basemap)
    # The cited notes are English: folded under their label in the Chinese view, as in the app.
    text = {"heading": t("details", lang), "folded": SOURCE_NOTES["zh"] if lang == "zh" else None}
    return (
        f'<script type="application/json" id="jn-details-data">{script_json(details)}</script>'
        f'<script type="application/json" id="jn-views-data">{script_json(views)}</script>'
        f"<script>{js_call('html_panel', map_name, script_json(text))}</script>"
    )


def to_html(
    selected, path, filters=None, basemap="none", lang="zh", title=None, tdt_key=None, colour_by="action"
) -> Path:
    page = render_html(selected, filters, basemap, lang, title, tdt_key, colour_by)
    return atomic_write(path, lambda p: p.write_text(page, encoding="utf-8"))
