"""Briefing packs (汇报材料) as PDF and PPTX: a cover map, one page per action, statistics.

The PDF's pages are printed maps (:func:`render_map`) with their key tables continued on
pages marked 续. The PPTX deck is native and editable (:mod:`layers.exports.pptx_deck`): maps are
pictures rendered without their key, everything else (titles, notes, the tables of
measures, the statistics chart and table) is PowerPoint text, tables and charts, in the
deck's language and a CJK-capable font; no table runs off a slide.

``progress(done, total, label)`` is called after each page so the app can show a
progress bar. Every page and slide is numbered (第 n 页 / 共 N 页) at the right of its foot,
after 截至 a date when one is given: the PDF's pages are all laid out before they are
numbered and saved, the deck's slides are numbered in a last pass.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
from matplotlib.backends.backend_pdf import PdfPages

from layers._io import atomic_write
from layers.exports import print_table
from layers.exports.print_map import KEY_LIMIT, render_map
from layers.exports.print_page import (
    LAYOUTS,
    base_size,
    continuation_pages,
    default_title,
    new_figure,
    setup_fonts,
    stamp,
    stamp_parts,
)
from layers.geo.actions import load_actions
from layers.selection.filtering import Filters
from layers.selection.stats import stats_by_action_district

Progress = Callable[[int, int, str], None]


def action_filters(filters: Filters, a) -> Filters:
    """The selection's filters narrowed to one action (the filters an action's page shows)."""
    return Filters((int(a),), filters.districts, filters.forms, filters.kinds, filters.q, filters.include_citywide)


def _pages(
    selected: gpd.GeoDataFrame,
    filters: Filters,
    layout: str,
    title: str | None,
    approval_no: str,
    lang: str,
    table: str,
):
    """Yield (label, MapPage) for the cover and for each action in the selection."""
    actions = load_actions()
    yield (
        "cover",
        render_map(
            selected, filters, layout, title or default_title(lang), approval_no=approval_no, lang=lang, continued=True
        ),
    )
    for a in sorted(selected["action"].unique()):
        part = selected[selected["action"] == a]
        f = action_filters(filters, a)
        name = actions.loc[a, "name_zh" if lang == "zh" else "name_en"]
        yield (
            f"action {a}",
            render_map(
                part, f, layout, f"{a}. {name}", approval_no=approval_no, lang=lang, table=table, continued=True
            ),
        )


def _stats_figure(selected, layout, lang):
    """The statistics page of the PDF: measures per action and district as a table."""
    setup_fonts()
    table = stats_by_action_district(selected, lang)
    fig = new_figure(LAYOUTS[layout])
    fig.text(
        0.5,
        0.95,
        "措施数量:按行动和县市区" if lang == "zh" else "Measures by action and district",
        ha="center",
        va="top",
        fontsize=16,
        weight="bold",
    )
    cells = [
        [str(label)] + [str(v) if v else "" for v in row]
        for label, row in zip(table.index, table.to_numpy(), strict=True)
    ]
    # Laid out like a key (print_table): a long action name wraps in its column, whole words
    # to a line, and nothing leaves the page (2. Cultural Creative Transformation … did).
    n = len(table.columns)
    rect = (0.02, 0.1, 0.96, 0.78)
    W, H = fig.get_size_inches() * 72.0
    header = ["行动" if lang == "zh" else "Action", *(str(c) for c in table.columns)]
    tl = print_table.layout(
        cells, header, [0.22] + [0.78 / n] * n, rect[2] * W, rect[3] * H, print_table.Measure(fig), [7.5, 7, 6.5, 6]
    )
    print_table.draw(fig, rect, tl, centred=tuple(range(1, n + 1)))
    fig.text(
        0.02,
        0.03,
        (
            "一项措施涉及多个县市区时在各县市区分别计数;合计为不重复的措施数。"
            if lang == "zh"
            else "A measure touching several districts counts in each; totals count measures once."
        ),
        fontsize=8,
        color="#444",
    )
    return fig, table


def pack_pdf(
    selected,
    path,
    filters=None,
    layout="a4",
    title=None,
    approval_no="",
    lang="zh",
    progress: Progress | None = None,
    asof: dt.date | None = None,
) -> Path:
    """Cover map, one page per action (its map and the table of all its measures), statistics;
    every page numbered, and dated 截至 ``asof`` when given."""
    filters = filters or Filters()
    total = 2 + selected["action"].nunique()
    figures = []
    for done, (label, page) in enumerate(_pages(selected, filters, layout, title, approval_no, lang, "all"), 1):
        heading = page.figure.texts[0].get_text()  # the page's title
        figures += [page.figure, *continuation_pages(page.overflow, layout, heading, lang)]
        if progress:
            progress(done, total, label)
    figures.append(_stats_figure(selected, layout, lang)[0])
    if progress:
        progress(total, total, "statistics")
    for n, fig in enumerate(figures, 1):  # all laid out: the number of pages is known
        stamp(fig, stamp_parts(lang, asof, (n, len(figures))), base_size(layout) - 2)

    def write(p):
        with PdfPages(p) as pdf:
            for fig in figures:
                pdf.savefig(fig)

    return atomic_write(path, write)


def stats_native(selected, lang: str = "zh"):
    """The statistics as the deck shows them: district labels in the official county order
    (then 全市, 市外), the actions of the selection, counts per district and action.

    Returns (categories, [(action, counts per category)], district totals, action totals,
    total); the totals count each measure once.
    """
    table = stats_by_action_district(selected, lang)
    actions = load_actions()
    present = sorted(int(a) for a in selected["action"].unique())
    position = {int(a): i for i, a in enumerate(actions.index)}
    values = table.to_numpy()
    categories = [str(c) for c in table.columns[:-1]]
    per_action = [(a, [int(v) for v in values[position[a], :-1]]) for a in present]
    return (
        categories,
        per_action,
        [int(v) for v in values[-1, :-1]],
        [int(values[position[a], -1]) for a in present],
        int(values[-1, -1]),
    )


def map_png(page) -> tuple[bytes, float]:
    """A rendered map as PNG bytes and its width/height ratio, cropped to the drawing. The
    page's own texts (title, subtitle, notes, footer) are taken off first: a slide carries them
    as text, across its whole width (the page's footer would be cut at a picture's edge)."""
    fig = page.figure
    for t in list(fig.texts):
        t.remove()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight", pad_inches=0.04)
    png = buf.getvalue()
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")  # IHDR
    return png, width / height


def slide_map(part, f: Filters, size: tuple[float, float], lang: str):
    """The map for a slide, without its key table (the slide has a native one). When its
    numbers find no room at this size (render_map then falls back to plain markers, as
    English names are longer), it is drawn once more 1.25 times larger, to be scaled down."""
    page = render_map(part, f, "16x9", "", subtitle="", lang=lang, table="none", size=size)
    drawn = (part.geometry.notna() | (part["form"] == "county")).sum()
    if page.numbered or not drawn or drawn > KEY_LIMIT:
        return page
    larger = (size[0] * 1.25, size[1] * 1.25)
    return render_map(part, f, "16x9", "", subtitle="", lang=lang, table="none", size=larger)


def numbering(page, part) -> tuple[list[str], dict[str, int]]:
    """The map's numbers: by action, then id (imported ids such as IMP-… carry no action)."""
    ids = [i for _, group in page.numbered for i in group]
    action_of = dict(zip(part["id"], part["action"], strict=True))
    return ids, {rid: n + 1 for n, rid in enumerate(sorted(ids, key=lambda r: (action_of[r], r)))}
