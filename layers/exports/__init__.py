"""One entry point for every export, used by the command line and the app.

``export(selected, fmt, out, ...)`` writes the selection in one format and returns
the path. Formats: maps (png, pdf, svg, html), data (geojson, gpkg, kml, csv,
xlsx, shp as a zip) and briefing packs (pptx, pack-pdf).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from layers._errors import Msg
from layers.exports.data_formats import EXPORT_CRS, WRITERS
from layers.selection.filtering import Filters

MAP_FORMATS = ("png", "pdf", "svg")
DATA_FORMATS = tuple(WRITERS)
FORMATS = (*MAP_FORMATS, "html", *DATA_FORMATS, "pptx", "pack-pdf")
EXTENSIONS = {"shp": ".zip", "pack-pdf": ".pdf", "gpkg": ".gpkg"}
MIME = {
    "png": "image/png",
    "pdf": "application/pdf",
    "svg": "image/svg+xml",
    "html": "text/html",
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "kml": "application/vnd.google-earth.kml+xml",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "shp": "application/zip",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pack-pdf": "application/pdf",
}


FORMAT_LABELS = {
    "png": {"zh": "地图 PNG(300 dpi)", "en": "Map PNG (300 dpi)"},
    "pdf": {"zh": "地图 PDF(矢量)", "en": "Map PDF (vector)"},
    "svg": {"zh": "地图 SVG", "en": "Map SVG"},
    "html": {"zh": "交互式网页 HTML(离线可用)", "en": "Interactive HTML (works offline)"},
    "geojson": {"zh": "GeoJSON", "en": "GeoJSON"},
    "gpkg": {"zh": "GeoPackage", "en": "GeoPackage"},
    "kml": {"zh": "KML(奥维、Google Earth)", "en": "KML (Google Earth, Ovital)"},
    "csv": {"zh": "CSV(Excel 可直接打开)", "en": "CSV (opens in Excel)"},
    "xlsx": {"zh": "Excel XLSX", "en": "Excel XLSX"},
    "shp": {"zh": "Shapefile(zip)", "en": "Shapefile (zip)"},
    "pptx": {"zh": "汇报材料 PPTX", "en": "Briefing deck PPTX"},
    "pack-pdf": {"zh": "汇报材料 PDF", "en": "Briefing pack PDF"},
}


#: Basemaps an export may name (the app offers Tianditu only with a key).
BASEMAP_IDS = ("none", "osm", "positron", "tianditu", "gaode")
#: Longest title and approval number a page prints: a title wraps to one line on A4, and a
#: 100,000-character one took 94 s to lay out before it was refused here.
TITLE_MAX = 100
APPROVAL_MAX = 40


def check_options(title: str | None, approval_no: str, basemap: str) -> None:
    """Refuse export options that no page can hold, as one sentence (:class:`ValueError`)."""
    if basemap not in BASEMAP_IDS:
        raise ValueError(
            Msg(
                f"unknown basemap {str(basemap)[:40]!r}; use one of {', '.join(BASEMAP_IDS)}",
                f"未知底图“{str(basemap)[:40]}”;请用 {'、'.join(BASEMAP_IDS)}",
            )
        )
    for value, limit, en, zh in (
        (title, TITLE_MAX, "title", "标题"),
        (approval_no, APPROVAL_MAX, "approval number", "审图号"),
    ):
        if value and len(value) > limit:
            raise ValueError(
                Msg(
                    f"the {en} has {len(value):,} characters; the limit is {limit}: shorten it",
                    f"{zh}有 {len(value):,} 个字,上限 {limit}:请缩短",
                )
            )


def extension(fmt: str) -> str:
    return EXTENSIONS.get(fmt, f".{fmt}")


#: What a download is, in its file name: a map, a briefing pack (汇报材料), data, a web map.
FILE_KINDS = {
    "map": {"zh": "地图", "en": "map"},
    "pack": {"zh": "汇报材料", "en": "briefing"},
    "html": {"zh": "网页地图", "en": "web_map"},
    "data": {"zh": "数据", "en": "data"},
}


def file_name(fmt: str, lang: str = "zh", asof=None) -> str:
    """A download's name that says what it is and as of when, e.g.
    ``济宁十大行动_汇报材料_2020-09-30.pdf``; ASCII in the English view
    (``jining_ten_actions_briefing_2020-09-30.pdf``)."""
    kind = (
        "map" if fmt in MAP_FORMATS else "pack" if fmt in ("pptx", "pack-pdf") else "html" if fmt == "html" else "data"
    )
    stem = "济宁十大行动" if lang == "zh" else "jining_ten_actions"
    date = f"_{asof.isoformat()}" if asof else ""
    return f"{stem}_{FILE_KINDS[kind][lang]}{date}{extension(fmt)}"


def export(
    selected,
    fmt: str,
    out,
    filters: Filters | None = None,
    layout: str = "a4",
    title: str | None = None,
    crs: str = "wgs84",
    basemap: str = "none",
    approval_no: str = "",
    lang: str = "zh",
    progress=None,
    tdt_key: str | None = None,
    asof: dt.date | None = None,
    briefing=None,
    unit: str | None = None,
    colour_by: str = "action",
) -> Path:
    """Write ``selected`` as ``fmt`` to ``out``; raise ValueError for an unknown format or option.
    ``asof``: every printed page and slide says 截至 that date (As of …); None says nothing.
    ``colour_by``: "action", or "progress" (printed and HTML maps in the lights' colours, with their
    legend). Packs only: ``briefing`` (:class:`layers.progress.briefing.Briefing`) turns the
    action pages into 作战图 pages and, with its ``since``, adds the changes; ``unit`` makes
    the pack of one 责任单位."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if crs not in EXPORT_CRS:
        raise ValueError(f"unknown --crs {crs!r}; use one of {', '.join(EXPORT_CRS)}")
    check_options(title, approval_no, basemap)
    filters = filters or Filters()
    out = Path(out)
    if fmt in MAP_FORMATS:
        from layers.exports.print_map import render_map, save

        page = render_map(
            selected,
            filters,
            layout,
            title,
            approval_no=approval_no,
            lang=lang,
            basemap=basemap,
            tdt_key=tdt_key,
            asof=asof,
            colour_by=colour_by,
        )
        return save(page, out, fmt)
    if fmt == "html":
        from layers.exports.html_page import to_html

        return to_html(selected, out, filters, basemap, lang, title, tdt_key, colour_by)
    if fmt in DATA_FORMATS:
        return WRITERS[fmt](selected, out, crs)
    if fmt == "pptx":
        from layers.exports.pack_deck import pack_pptx

        return pack_pptx(selected, out, filters, title, approval_no, lang, progress, asof, briefing, unit, colour_by)
    from layers.exports.pack import pack_pdf

    return pack_pdf(selected, out, filters, layout, title, approval_no, lang, progress, asof, briefing, unit, colour_by)
