"""Briefing packs (汇报材料) as PDF and PPTX: a cover map, one page per action, statistics.

``progress(done, total, label)`` is called after each page so the app can show a
progress bar.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import matplotlib.pyplot as plt
from matplotlib.backends.backend_pdf import PdfPages

from layers._io import atomic_write
from layers.actions import load_actions
from layers.boundaries import county_names
from layers.export_map import close, default_title, describe_filters, render_map, table_rows
from layers.filtering import Filters
from layers.fonts import find_cjk_font
from layers.stats import stats_by_action_district

Progress = Callable[[int, int, str], None]


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
    yield ("cover", render_map(selected, filters, layout, title or default_title(lang), approval_no=approval_no, lang=lang))
    for a in sorted(selected["action"].unique()):
        part = selected[selected["action"] == a]
        f = Filters((int(a),), filters.districts, filters.forms, filters.kinds, filters.q, filters.include_citywide)
        name = actions.loc[a, "name_zh" if lang == "zh" else "name_en"]
        yield (
            f"action {a}",
            render_map(part, f, layout, f"{a}. {name}", approval_no=approval_no, lang=lang, table=table),
        )


def _stats_figure(selected, layout, lang):
    from layers.export_map import LAYOUTS, _setup_fonts

    _setup_fonts()
    table = stats_by_action_district(selected, lang)
    fig = plt.figure(figsize=LAYOUTS[layout])
    fig.text(
        0.5,
        0.95,
        "措施数量:按行动和县市区" if lang == "zh" else "Measures by action and district",
        ha="center",
        va="top",
        fontsize=16,
        weight="bold",
    )
    ax = fig.add_axes([0.02, 0.08, 0.96, 0.8])
    ax.set_axis_off()
    cells = [
        [label] + [str(v) if v else "" for v in row] for label, row in zip(table.index, table.to_numpy(), strict=True)
    ]
    n = len(table.columns)
    t = ax.table(
        cellText=cells,
        colLabels=["行动" if lang == "zh" else "Action", *table.columns],
        loc="upper center",
        cellLoc="center",
        colWidths=[0.22] + [0.78 / n] * n,
    )
    t.auto_set_font_size(False)
    t.set_fontsize(7.5)
    t.scale(1, 1.4)
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
    selected, path, filters=None, layout="a4", title=None, approval_no="", lang="zh", progress: Progress | None = None
) -> Path:
    """Cover map, one page per action (its map and the table of all its measures), statistics."""
    filters = filters or Filters()
    total = 2 + selected["action"].nunique()

    def write(p):
        with PdfPages(p) as pdf:
            done = 0
            for label, page in _pages(selected, filters, layout, title, approval_no, lang, table="all"):
                pdf.savefig(page.figure)
                close(page)
                done += 1
                if progress:
                    progress(done, total, label)
            fig, _ = _stats_figure(selected, layout, lang)
            pdf.savefig(fig)
            plt.close(fig)
            if progress:
                progress(total, total, "statistics")

    return atomic_write(path, write)


def pack_pptx(
    selected, path, filters=None, title=None, approval_no="", lang="zh", progress: Progress | None = None
) -> Path:
    """A 16:9 deck: cover map, one slide per action (map picture and an editable table), statistics."""
    from pptx import Presentation
    from pptx.util import Emu, Inches, Pt

    filters = filters or Filters()
    find_cjk_font()
    actions = load_actions()
    names = county_names(lang)
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    blank = prs.slide_layouts[6]
    total = 2 + selected["action"].nunique()
    done = 0

    def picture(slide, page, left, top, width):
        buf = io.BytesIO()
        page.figure.savefig(buf, format="png", dpi=150)
        close(page)
        buf.seek(0)
        slide.shapes.add_picture(buf, left, top, width=width)

    def text(slide, s, left, top, width, height, size, bold=False):
        box = slide.shapes.add_textbox(left, top, width, height)
        p = box.text_frame.paragraphs[0]
        p.text = s
        p.font.size = Pt(size)
        p.font.bold = bold
        return box

    # Cover
    slide = prs.slides.add_slide(blank)
    cover = render_map(selected, filters, "16x9", title or default_title(lang), approval_no=approval_no, lang=lang)
    picture(slide, cover, 0, 0, prs.slide_width)
    done += 1
    if progress:
        progress(done, total, "cover")

    for a in sorted(selected["action"].unique()):
        part = selected[selected["action"] == a]
        f = Filters((int(a),), filters.districts, filters.forms, filters.kinds, filters.q, filters.include_citywide)
        name = actions.loc[a, "name_zh" if lang == "zh" else "name_en"]
        slide = prs.slides.add_slide(blank)
        text(
            slide,
            f"{actions.loc[a, 'symbol']} {a}. {name}",
            Inches(0.4),
            Inches(0.2),
            Inches(12.5),
            Inches(0.6),
            24,
            bold=True,
        )
        text(slide, describe_filters(f, len(part), lang), Inches(0.4), Inches(0.75), Inches(12.5), Inches(0.4), 12)
        page = render_map(
            part, f, "16x9", "", subtitle="", approval_no=approval_no, lang=lang, table="none", size=(7.2, 6.0)
        )
        numbered_ids = [i for _, ids in page.numbered for i in ids]
        # Number by action, then id (imported ids such as IMP-… carry no action in their text).
        action_of = dict(zip(part["id"], part["action"], strict=True))
        number = {rid: n + 1 for n, rid in enumerate(sorted(numbered_ids, key=lambda r: (action_of[r], r)))}
        picture(slide, page, Inches(0.2), Inches(1.2), Inches(7.2))
        drawn = part[part["id"].isin(numbered_ids)]
        rows = table_rows(drawn, number, names, actions, lang, part)
        header = ["序号", "措施", "县市区", "行动"] if lang == "zh" else ["No.", "Measure", "District", "Action"]
        shape = slide.shapes.add_table(
            len(rows) + 1,
            4,
            Inches(7.6),
            Inches(1.25),
            Inches(5.5),
            Emu(min(int(Inches(5.9)), int(Inches(0.3)) * (len(rows) + 1))),
        )
        tbl = shape.table
        for c, w in enumerate((0.6, 3.0, 1.3, 0.6)):
            tbl.columns[c].width = Inches(w)
        size = 11 if len(rows) <= 12 else 8
        for r, row in enumerate([header, *rows]):
            for c, value in enumerate(row):
                cell = tbl.cell(r, c)
                cell.text = value
                for para in cell.text_frame.paragraphs:
                    para.font.size = Pt(size)
        done += 1
        if progress:
            progress(done, total, f"action {a}")

    slide = prs.slides.add_slide(blank)
    fig, _ = _stats_figure(selected, "16x9", lang)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150)
    plt.close(fig)
    buf.seek(0)
    slide.shapes.add_picture(buf, 0, 0, width=prs.slide_width)
    if progress:
        progress(total, total, "statistics")
    return atomic_write(path, lambda p: prs.save(p))
