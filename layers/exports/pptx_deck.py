"""A native, editable PowerPoint deck for briefing packs (python-pptx).

Everything but the maps is native: titles and notes are text boxes, the key tables and the
statistics are pptx tables, the statistics chart is a pptx chart. Sizes are in inches
(floats) until a shape is added; a table is laid out from an estimate of how its cells wrap,
so it never runs off the slide: it shrinks its font to a floor, then continues on the next
slide. Every run is in the deck's language and a CJK-capable font.
"""

from __future__ import annotations

import io
import re
import unicodedata

SLIDE_W, SLIDE_H = 13.333, 7.5  # 16:9, inches
_M = 0.3  # page margin
GAP = 0.2  # between a map and its table
_LINE = 1.25  # line height as a multiple of the font size (CJK fonts run tall)
_SLACK = 0.98  # share of a line's width the estimate fills (Latin widths are generous already)
_CELL_MX, _CELL_MY = 0.05, 0.03  # table cell margins
#: Font sizes tried, largest first, until a table fits its box; a table that does not fit at the
#: smallest continues on further slides at ``_CONT_SIZE``.
_LIST_SIZES = (11, 10, 9)
STATS_SIZES = (12, 11, 10)
_CONT_SIZE = 10
#: The district column of a key table wraps beyond this width (a line may list 7 counties).
_DISTRICT_CAP = 1.5
#: The stamp at the bottom right of every slide (as of when, the slide's number): its width,
#: inches, its font size and lines. Every slide keeps this corner free (:meth:`Deck.slide`).
STAMP_W, _STAMP_SIZE, _STAMP_LINES = 2.1, 9, 2

#: Texts of the deck in each language (an English deck has no Chinese in its own texts).
DECK_TEXTS = {
    "zh": {
        "key": ["序号", "措施", "县市区", "行动", "精度(±km)"],
        "continued": "(续)",
        "stats": "措施数量:按县市区和行动",
        "district": "县市区",
        "total": "合计",
        "count_note": "一项措施涉及多个县市区时在各县市区分别计数;末行“合计”为各行动不重复的措施数。",
        "rest": "另有 {n} 项全市性、市外或无单一地点的措施,未在图上标注,列于各行动页。",
        "unplaced": "序号为“–”的措施为全市性、市外或无单一地点的措施,未在图上标注。",
        "unnumbered": "图上措施较多({n} 项),不逐项编号;各项措施见各行动页的表格。",
        "asof": "截至 {m}月{d}日",
        "legend_bar": "计划工期",
        "legend_met": "节点已完成",
        "legend_open": "节点未完成",
        "legend_overdue": "节点逾期",
        "period": "统计期:{since} 之后至 {asof}(含)",
        "counts": "进度灯变化 {light} 项 · 节点完成 {met} 项 · 新增逾期节点 {overdue} 项 · 转为未报告 {stale} 项 · 新报告 {reports} 份",
        "no_change": "本期无变化",
    },
    "en": {
        "key": ["No.", "Measure", "District", "Action", "±km"],
        "continued": " (continued)",
        "stats": "Measures by district and action",
        "district": "District",
        "total": "Total",
        "count_note": "A measure touching several districts counts in each; the bottom Total row counts each measure once.",
        "rest": "{n} more measures are city-wide, outside Jining or have no single place; "
        "they are not on the map and are listed on the action slides.",
        "unplaced": "Measures numbered “–” are city-wide, outside Jining or have no single place; they are not on the map.",
        "unnumbered": "{n} measures are on the map: too many to number one by one; the action slides' tables list them.",
        "asof": "As of {d} {mon}",
        "legend_bar": "planned span",
        "legend_met": "milestone met",
        "legend_open": "milestone open",
        "legend_overdue": "milestone overdue",
        "period": "Period: after {since}, up to and including {asof}",
        "counts": "Lights changed: {light} · Milestones met: {met} · Newly overdue: {overdue} · "
        "Gone unreported: {stale} · New reports: {reports}",
        "no_change": "No change in this period",
    },
}

_TOKENS = re.compile(r"[^\s\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]+\s*|\s+|.")


#: Latin widths a little above those of the CJK fonts' Latin glyphs (WenQuanYi, Microsoft YaHei).
_LATIN_EMS = {
    **dict.fromkeys(" .,:;'!|()[]ijlrtf", 0.36),
    **dict.fromkeys("mwMW@%", 0.88),
    **dict.fromkeys("0123456789", 0.62),
}


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WFA"  # CJK, full-width forms, “ ” – … in a CJK font


def _ems(text: str, before: str = "") -> float:
    """A generous width of ``text`` in ems, with the quarter-em gap PowerPoint and LibreOffice
    put between CJK and Latin characters (文2 shows as 文 2)."""
    total, prev = 0.0, before
    for ch in text:
        total += _LATIN_EMS.get(ch, 1.0 if _wide(ch) else 0.72 if ch.isupper() else 0.58)
        if prev and not prev.isspace() and not ch.isspace() and _wide(prev) != _wide(ch):
            total += 0.25
        prev = ch
    return total


def _width(text: str, size: float) -> float:
    """Inches ``text`` takes on one line at ``size`` points (generous)."""
    return _ems(str(text)) * size / 72


def _lines(text: str, size: float, width_pt: float) -> int:
    """How many lines ``text`` wraps to at ``size`` points in ``width_pt``: Latin words wrap
    whole, CJK characters one by one; an estimate on the safe side."""
    width_pt = max(width_pt * _SLACK, size)  # at least one character a line
    total = 0
    for para in str(text).split("\n"):
        n, cur, prev = 1, 0.0, ""
        for tok in _TOKENS.findall(para):
            w, prev = _ems(tok, prev) * size, tok[-1]
            if cur and cur + w > width_pt:
                n, cur = n + 1, 0.0
            while w > width_pt:  # a word longer than the line breaks inside
                n, w = n + 1, w - width_pt
            cur += w
        total += n
    return total


def _text_height(text: str, size: float, width_in: float) -> float:
    """Inches of height ``text`` takes at ``size`` points in a box ``width_in`` wide."""
    return _lines(text, size, width_in * 72) * size * _LINE / 72


def _fit(text: str, width_in: float, height_in: float, sizes) -> tuple[str, float]:
    """The largest of ``sizes`` at which ``text`` fits the box; at the smallest, the text is
    shortened with "…" until it fits."""
    for size in sizes:
        if _text_height(text, size, width_in) <= height_in:
            return text, size
    size = sizes[-1]
    while len(text) > 1 and _text_height(text, size, width_in) > height_in:
        text = text[: max(1, len(text) - 4)].rstrip() + "…" if not text.endswith("…") else text[:-2] + "…"
    return text, size


def natural_widths(header, rows, size: float) -> list[float]:
    """Each column's width for its longest cell on one line at ``size``, inches."""
    return [max(_width(r[c], size) for r in [header, *rows]) / _SLACK + 2 * _CELL_MX for c in range(len(header))]


def _column_widths(header, rows, width: float, size: float, flexible: int | None, caps=None) -> list[float]:
    """Column widths filling ``width``, each column as wide as its longest cell on one line
    at ``size`` if they all fit. Otherwise a column with a cap (``caps``, inches) wraps beyond
    it, and the ``flexible`` column (long titles) takes what is left, wrapping if it must; the
    others shrink in proportion only when they alone are too wide."""
    full = natural_widths(header, rows, size)
    if flexible is None:
        return [width * n / sum(full) for n in full]
    if sum(full) <= width:
        return [n + (width - sum(full) if c == flexible else 0) for c, n in enumerate(full)]
    widths = [min(n, cap or n) for n, cap in zip(full, caps or [None] * len(full), strict=True)]
    spare = width - sum(widths)
    if spare >= 0:  # the titles fit on one line: the capped columns get back what they can
        for c, n in enumerate(full):
            give = min(n - widths[c], spare)
            widths[c], spare = widths[c] + give, spare - give
        return widths
    fixed = sum(widths) - widths[flexible]
    flex = max(width - fixed, min(widths[flexible], 0.4 * width))
    scale = (width - flex) / fixed if fixed else 1.0
    return [flex if c == flexible else n * scale for c, n in enumerate(widths)]


def _row_height(row, widths_in, size: float) -> float:
    """Inches of height of a table row whose cells wrap as estimated."""
    lines = max(_lines(v, size, (w - 2 * _CELL_MX) * 72) for v, w in zip(row, widths_in, strict=True))
    return (lines * size * _LINE + 2) / 72 + 2 * _CELL_MY


def row_heights(rows, widths_in, size: float) -> list[float]:
    """Each row's height in inches as :meth:`Deck.table` lays it out (cells wrapped as estimated)."""
    return [_row_height(r, widths_in, size) for r in rows]


def shorten_cell(text: str, size: float, width_in: float, max_lines: int) -> str:
    """``text`` cut with "…" until it wraps to at most ``max_lines`` lines in a table cell
    ``width_in`` wide at ``size`` points (as estimated for :func:`row_heights`)."""
    inner = (width_in - 2 * _CELL_MX) * 72
    while len(text) > 1 and _lines(text, size, inner) > max_lines:
        text = text[:-2] + "…" if text.endswith("…") else text[:-1].rstrip() + "…"
    return text


text_width = _width  # inches a text takes on one line (generous)
text_height = _text_height  # inches a text takes in a box of a given width


#: Short English names of the actions, for the statistics' headers and legend (the full
#: names run to 60 characters: "Cultural Creative Transformation and Innovative Development").
SHORT_EN = {
    1: "Critical battles",
    2: "Culture",
    3: "Metro integration",
    4: "Rural revival",
    5: "Investment, talent",
    6: "Industry clusters",
    7: "Party building",
    8: "Key reforms",
    9: "Process redesign",
    10: "Dev. zones",
}


def action_short_name(actions, a: int, lang: str) -> str:
    """An action's number and short name, e.g. 3 都市区融合 or 3 Metro integration: the headers
    of the statistics table and the chart's series (a one-character code, 城3, said nothing)."""
    if lang == "zh":
        return f"{a} {actions.loc[a, 'name_zh'].removesuffix('攻坚行动')}"
    return f"{a} {SHORT_EN.get(int(a)) or actions.loc[a, 'name_en'].removesuffix(' Action')}"


class Deck:
    """A 16:9 presentation with slides of a title, a subtitle, a body and a footer, in one
    language and one CJK-capable font (set as both the Latin and the East Asian typeface)."""

    def __init__(self, lang: str, family: str):
        from pptx import Presentation
        from pptx.util import Inches

        self.lang = lang
        self.texts = DECK_TEXTS["zh" if lang == "zh" else "en"]
        self.family = family
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = Inches(SLIDE_W), Inches(SLIDE_H)
        self.blank = self.prs.slide_layouts[6]

    # Text -----------------------------------------------------------------------------------

    def font(self, font, size: float | None = None, bold: bool | None = None, colour: str | None = None) -> None:
        """Set the deck's font on a run (or a chart's default text): Latin and East Asian
        typeface, language, size, weight and colour."""
        from pptx.dml.color import RGBColor
        from pptx.enum.lang import MSO_LANGUAGE_ID
        from pptx.oxml.ns import qn
        from pptx.oxml.xmlchemy import OxmlElement
        from pptx.util import Pt

        font.name = self.family
        rpr = font._rPr
        ea = rpr.find(qn("a:ea"))
        if ea is None:
            ea = OxmlElement("a:ea")
            rpr.find(qn("a:latin")).addnext(ea)  # the schema's order: latin, ea, cs
        ea.set("typeface", self.family)
        ea.set("charset", "-122")  # GB2312: lets PowerPoint substitute a Chinese font if this one is missing
        font.language_id = MSO_LANGUAGE_ID.SIMPLIFIED_CHINESE if self.lang == "zh" else MSO_LANGUAGE_ID.ENGLISH_US
        if size is not None:
            font.size = Pt(size)
        if bold is not None:
            font.bold = bold
        if colour is not None:
            font.color.rgb = RGBColor.from_string(colour)

    def _paragraph(self, para, text: str, size: float, bold=False, colour=None, align=None) -> None:
        from pptx.text.text import Font

        if text:
            run = para.add_run()
            run.text = text
            self.font(run.font, size, bold, colour)
        # The paragraph's end mark too: an empty cell keeps the size (not the default 18 pt), and
        # text typed later gets the deck's font.
        self.font(Font(para._p.get_or_add_endParaRPr()), size, bold)
        if align is not None:
            para.alignment = align

    def text_box(self, slide, paragraphs, box, name: str):
        """A text box of ``(text, size, bold, colour)`` paragraphs, with no inner margins."""
        from pptx.enum.text import MSO_AUTO_SIZE
        from pptx.util import Inches

        left, top, width, height = box
        shape = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
        shape.name = name
        tf = shape.text_frame
        tf.word_wrap = True
        tf.auto_size = MSO_AUTO_SIZE.NONE
        tf.margin_left = tf.margin_right = tf.margin_top = tf.margin_bottom = 0
        for i, (text, size, bold, colour) in enumerate(paragraphs):
            self._paragraph(tf.paragraphs[0] if i == 0 else tf.add_paragraph(), text, size, bold, colour)
        return shape

    def slide(self, title: str, subtitle: str | None = None, footer=()):
        """A new slide with its title, subtitle and footer paragraphs ``(text, size)``; returns
        the slide and the box (left, top, width, height) left for the body."""
        slide = self.prs.slides.add_slide(self.blank)
        width = SLIDE_W - 2 * _M
        title, size = _fit(title, width, 0.6, (24, 22, 20, 18, 16, 14))
        self.text_box(slide, [(title, size, True, None)], (_M, 0.15, width, 0.6), "Title")
        top = 0.85
        if subtitle:
            subtitle, size = _fit(subtitle, width, 0.36, (12, 11, 10))
            self.text_box(slide, [(subtitle, size, False, "333333")], (_M, 0.78, width, 0.36), "Subtitle")
            top = 1.2
        bottom = SLIDE_H - 0.12
        room = _STAMP_LINES * _STAMP_SIZE * _LINE / 72  # the stamp's corner (:meth:`number_slides`)
        if footer:
            width_f = width - STAMP_W - GAP  # beside the stamp
            height = sum(_text_height(t, s, width_f) for t, s in footer)
            paragraphs = [(t, s, False, "444444") for t, s in footer]
            self.text_box(slide, paragraphs, (_M, bottom - height, width_f, height), "Footer")
            room = max(room, height)
        bottom -= room + 0.08
        return slide, (_M, top, width, bottom - top)

    def number_slides(self, lines_of) -> None:
        """The stamp on every slide, once all are made: ``lines_of(n, total)`` gives its lines
        (截至 a date, 第 n 页 / 共 N 页), right-aligned in the corner every slide kept free."""
        from pptx.enum.text import MSO_ANCHOR, PP_ALIGN

        slides = list(self.prs.slides)
        for n, slide in enumerate(slides, 1):
            lines = lines_of(n, len(slides))[-_STAMP_LINES:]
            if not lines:
                continue
            height = _STAMP_LINES * _STAMP_SIZE * _LINE / 72
            box = (SLIDE_W - _M - STAMP_W, SLIDE_H - 0.12 - height, STAMP_W, height)
            shape = self.text_box(slide, [(t, _STAMP_SIZE, False, "444444") for t in lines], box, "Page")
            for para in shape.text_frame.paragraphs:
                para.alignment = PP_ALIGN.RIGHT
            shape.text_frame.vertical_anchor = MSO_ANCHOR.BOTTOM

    # Pictures and tables --------------------------------------------------------------------

    def map_picture(self, slide, png, box):
        """A map picture fitted into ``box``, centred across it."""
        from pptx.util import Inches

        left, top, width, height = box
        pic = slide.shapes.add_picture(io.BytesIO(png), Inches(left), Inches(top))
        scale = min(Inches(width) / pic.width, Inches(height) / pic.height)
        pic.width, pic.height = int(pic.width * scale), int(pic.height * scale)
        pic.left = Inches(left) + (Inches(width) - pic.width) // 2
        pic.name = "Map"
        return pic

    def _write_table(self, slide, header, rows, left, top, widths, size, heights, style):
        from pptx.enum.text import PP_ALIGN
        from pptx.util import Inches, Pt

        shape = slide.shapes.add_table(
            len(rows) + 1, len(header), Inches(left), Inches(top), Inches(sum(widths)), Inches(sum(heights))
        )
        tbl = shape.table
        tbl.horz_banding = True
        for c, w in enumerate(widths):
            tbl.columns[c].width = Inches(w)
        for r, h in enumerate(heights):
            tbl.rows[r].height = Inches(h)
        shape.height = sum(row.height for row in tbl.rows)  # exactly its rows, nothing beyond
        centred = style.get("centred", ())
        bold_last_row = style.get("totals", False) and rows and rows[-1] is style.get("last")
        for r, row in enumerate([header, *rows]):
            for c, value in enumerate(row):
                cell = tbl.cell(r, c)
                cell.margin_left = cell.margin_right = Inches(_CELL_MX)
                cell.margin_top = cell.margin_bottom = Inches(_CELL_MY)
                para = cell.text_frame.paragraphs[0]
                bold = r == 0 or (r == len(rows) and bold_last_row) or (style.get("totals") and c == len(row) - 1)
                self._paragraph(para, str(value), size, bold, None, PP_ALIGN.CENTER if c in centred else None)
                para.font.size = Pt(size)  # an empty cell keeps the size too
        return shape

    def fixed_table(self, slide, header, rows, left, top, widths, size, heights):
        """A table at ``(left, top)`` with the given column widths and row heights (inches),
        header included: for shapes that must line up with its rows."""
        return self._write_table(slide, header, rows, left, top, widths, size, heights, {})

    def table(self, slide, header, rows, box, sizes, continued_title: str, flexible=None, caps=None, **style):
        """Write ``rows`` under ``header`` into ``box`` at the largest of ``sizes`` that fits;
        if none does, fill the box at ``_CONT_SIZE`` and continue on new slides (two tables
        side by side, the header repeated) titled ``continued_title`` + "(续)". Column widths
        follow the content (see ``_column_widths``). Returns the table shapes written."""
        left, top, width, height = box
        style["last"] = rows[-1] if rows else None
        for size in sizes:
            widths = _column_widths(header, rows, width, size, flexible, caps)
            heights = [_row_height(r, widths, size) for r in [header, *rows]]
            if sum(heights) <= height:
                return [self._write_table(slide, header, rows, left, top, widths, size, heights, style)]

        def boxes():
            yield slide, box
            half = (SLIDE_W - 2 * _M - GAP) / 2
            while True:
                cont, (_, t, _, h) = self.slide(continued_title + self.texts["continued"])
                yield cont, (_M, t, half, h)
                yield cont, (_M + half + GAP, t, half, h)

        shapes, rest = [], list(rows)
        for where, (left, top, width, height) in boxes():
            widths = _column_widths(header, rows, width, _CONT_SIZE, flexible, caps)
            heights = [_row_height(header, widths, _CONT_SIZE)]
            chunk = []
            for row in rest:
                h = _row_height(row, widths, _CONT_SIZE)
                if chunk and sum(heights) + h > height:
                    break
                chunk.append(row)
                heights.append(h)
            shapes.append(self._write_table(where, header, chunk, left, top, widths, _CONT_SIZE, heights, style))
            rest = rest[len(chunk) :]
            if not rest:
                return shapes

    def key_table(self, slide, rows, box, continued_title):
        """The numbered key of a map: 序号/措施/县市区/行动/精度(±km) (or No./Measure/District/Action/±km)."""
        return self.table(
            slide,
            self.texts["key"],
            rows,
            box,
            _LIST_SIZES,
            continued_title,
            flexible=1,
            caps=(None, None, _DISTRICT_CAP, None, None),
            centred=(0, 3, 4),
        )

    # Statistics -----------------------------------------------------------------------------

    def stats_chart(self, slide, categories, series, box):
        """A stacked horizontal bar chart: one bar per district (first on top), one segment per
        action in its colour. ``series`` is [(name, colour, values)]."""
        from pptx.chart.data import CategoryChartData
        from pptx.dml.color import RGBColor
        from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
        from pptx.util import Inches

        data = CategoryChartData(number_format="0")
        data.categories = categories
        for name, _colour, values in series:
            data.add_series(name, values)
        left, top, width, height = box
        frame = slide.shapes.add_chart(
            XL_CHART_TYPE.BAR_STACKED, Inches(left), Inches(top), Inches(width), Inches(height), data
        )
        frame.name = "Chart"
        chart = frame.chart
        self.font(chart.font, 11)
        chart.has_legend = True
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        self.font(chart.legend.font, 10)
        cat = chart.category_axis
        cat.reverse_order = True  # the first district on top, as in the table
        self.font(cat.tick_labels.font, 11)
        val = chart.value_axis
        # ... and the value axis stays at the bottom: it crosses the categories at the last one.
        val._element.crosses.set("val", "max")
        val.has_major_gridlines = True
        longest = max((sum(v) for v in zip(*(s[2] for s in series), strict=True)), default=0)
        val.major_unit = next(u for u in (1, 2, 5, 10, 20, 50, 100, 200, 500, 10**9) if u * 8 >= longest)
        val.tick_labels.number_format = "0"
        val.tick_labels.number_format_is_linked = False
        self.font(val.tick_labels.font, 10)
        plot = chart.plots[0]
        plot.gap_width = 50
        plot.overlap = 100
        for s, (_name, colour, _values) in zip(plot.series, series, strict=True):
            s.format.fill.solid()
            s.format.fill.fore_color.rgb = RGBColor.from_string(colour.lstrip("#"))
        return frame
