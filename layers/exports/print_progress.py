"""The printed progress pages of a briefing pack: the 作战图 (battle map) and the 变化情况 page.

:func:`battle_figures` draws a planner's 作战进度图: the heading and subtitle, optionally the
map as a picture on the left, the table of :mod:`layers.exports.battle` (its light cell in
the light's colour, text in white or dark, whichever reads better), a timeline column beside
it aligned row by row (the planned span as a bar, milestones as diamonds, a line at the
as-of date), and a legend under it. :func:`changes_figures` draws what changed in a period:
the period, the counts of each kind of change and the new reports, and the table of
:func:`layers.progress.view.changes_table` (lights coloured). Rows that do not fit continue
on further pages (heading marked 续, header repeated). Both lay tables out with
:mod:`layers.exports.print_table`, so no two words overprint; the foot's right quarter is
left free for the stamp (:func:`layers.exports.print_page.stamp`).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import replace

import matplotlib.image as mpimg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from layers.exports import print_table
from layers.exports.battle import BATTLE_HEADER, BATTLE_WIDTHS, BattleRow, fraction, months, timeline_span
from layers.exports.print_page import CONTINUED, LAYOUTS, MONTHS_EN, OVERFLOW_NOTE, base_size, new_figure, setup_fonts
from layers.labels import LIGHT_SHORT, LIGHT_WORDS
from layers.progress.briefing import Briefing
from layers.progress.lights import Rules
from layers.progress.view import CHANGE_COLUMNS, changes_table

MARGIN = 0.02  # of the page's width, left and right
TOP = 0.025  # of the page's height, above the heading
FOOT = 0.05  # of the page's height: nothing below it but the continuation note (the stamp's line)
GAP = 8.0  # points between the picture and the table, and between blocks
#: The map picture's largest share of the page width, and the timeline's share of the table's part.
PICTURE_SHARE = 0.36
TIMELINE_SHARE = 0.3
MIN_SIZE = 6.0
LIGHT_COLUMN = 3  # the light's column in BATTLE_HEADER
DARK = "#222222"
BAR = "#b9cde6"
OVERDUE = "#d7261e"
TEXTS = {
    "zh": {
        "asof": "截至 {m}月{d}日",
        "span": "计划工期",
        "met": "节点已完成",
        "open": "节点未完成",
        "overdue": "节点逾期",
        "line": "截至日期",
        "period": "时段:{first} 至 {asof}({since} 之后,含 {asof} 当日)",
        "none": "本期无变化。",
    },
    "en": {
        "asof": "As of {d} {mon}",
        "span": "planned span",
        "met": "milestone met",
        "open": "milestone open",
        "overdue": "milestone overdue",
        "line": "as-of date",
        "period": "Period: {first} to {asof} (after {since}, up to and including {asof})",
        "none": "No change in this period.",
    },
}
#: The counts of the changes page: a kind of change (layers.progress.changes.KINDS) or the reports.
COUNT_LABELS = {
    "light": {"zh": "进度灯变化", "en": "lights changed"},
    "milestone_met": {"zh": "节点完成", "en": "milestones met"},
    "milestone_overdue": {"zh": "节点新逾期", "en": "milestones newly overdue"},
    "stale": {"zh": "转为未报告", "en": "gone unreported"},
    "reports": {"zh": "新报告", "en": "new reports"},
}
CHANGE_FRACTIONS = [0.1, 0.07, 0.45, 0.14, 0.12, 0.12]  # date and id as wide as their text


# --- What every page shares ----------------------------------------------------------------


def _luminance(colour: str) -> float:
    def lin(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in to_rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_on(colour: str) -> str:
    """White or dark text on ``colour``, whichever contrasts more (white on red and blue,
    dark on yellow)."""
    bg = _luminance(colour)
    return "white" if 1.05 / (bg + 0.05) >= (bg + 0.05) / (_luminance(DARK) + 0.05) else DARK


def _points(fig) -> tuple[float, float]:
    w, h = fig.get_size_inches() * 72.0
    return float(w), float(h)


def _text(fig, x: float, y: float, s: str, size: float, **kw):
    """A text placed in points from the page's bottom left."""
    W, H = _points(fig)
    return fig.text(x / W, y / H, s, fontsize=size, **kw)


def _rect(fig, x: float, y: float, w: float, h: float, **kw) -> None:
    W, H = _points(fig)
    fig.add_artist(Rectangle((x / W, y / H), w / W, h / H, transform=fig.transFigure, **kw))


def _line(fig, xs, ys, **kw) -> None:
    W, H = _points(fig)
    fig.add_artist(Line2D([x / W for x in xs], [y / H for y in ys], transform=fig.transFigure, **kw))


def _head(fig, heading: str, subtitle: str, base: float, measure) -> float:
    """The heading (bold) and the subtitle under it, both centred and wrapped to the page;
    returns where the body starts (points from the bottom)."""
    W, H = _points(fig)
    width = W * (1 - 2 * MARGIN)
    y = H * (1 - TOP)
    for size, text, bold in ((base + 5, heading, True), (base, subtitle, False)):
        if not text:
            continue
        for line in print_table.wrap(text, width * 0.97, size, measure, bold):
            _text(fig, W / 2, y, line, size, ha="center", va="top", weight="bold" if bold else "normal")
            y -= size * print_table.LINE
        y -= size * 0.3
    return y - GAP / 2


def _legend(fig, items, size: float, measure) -> float:
    """A legend flowing over lines from the left of the page's foot (above the stamp's line):
    ``items`` are (draw(x, y_mid, size), word). Returns its top (points from the bottom)."""
    W, H = _points(fig)
    left, right = MARGIN * W, (1 - MARGIN) * W
    step = size * print_table.LINE
    lines: list[list[tuple[float, object, str]]] = [[]]
    x = left
    for draw, word in items:
        need = size * 1.4 + measure(word, size) / 0.97 + size * 1.5
        if x + need > right and lines[-1]:
            lines.append([])
            x = left
        lines[-1].append((x, draw, word))
        x += need
    bottom = FOOT * H
    for k, line in enumerate(reversed(lines)):
        y = bottom + k * step
        for x0, draw, word in line:
            draw(x0, y + size * 0.45, size)
            _text(fig, x0 + size * 1.4, y, word, size, va="bottom", color=DARK)
    return bottom + len(lines) * step


def _swatch(fig, colour: str, edge: str = "none"):
    return lambda x, y, s: _rect(fig, x, y - s * 0.4, s * 0.9, s * 0.8, facecolor=colour, edgecolor=edge, lw=0.4)


def _marker(fig, face: str, edge: str, marker: str = "D"):
    def draw(x, y, s):
        W, H = _points(fig)
        fig.add_artist(
            Line2D(
                [(x + s * 0.45) / W],
                [y / H],
                transform=fig.transFigure,
                marker=marker,
                markersize=s * 0.6,
                markerfacecolor=face,
                markeredgecolor=edge,
                markeredgewidth=0.9,
                linestyle="none",
            )
        )

    return draw


def _sizes(base: float) -> list[float]:
    return [base - 1 - 0.5 * i for i in range(int((base - 1 - MIN_SIZE) / 0.5) + 1)]


def _coloured_cells(fig, tl, left: float, top: float, cells: dict[tuple[int, int], str | None], measure) -> None:
    """Cells drawn on a box of a colour as wide as their text (``cells``: (row, column) →
    colour, None for plain text), their text in white or dark (the table was drawn with these
    cells blank)."""
    size, pad, step = tl.size, print_table.PAD, tl.size * print_table.LINE
    spans = print_table.row_spans(tl)
    xs = [left + sum(tl.col_widths[:k]) for k in range(len(tl.col_widths))]
    for (r, k), colour in cells.items():
        lines = tl.columns[0][r][0][k]
        y = top - spans[r + 1][0]
        if colour:
            w = min(tl.col_widths[k] - 2, max(measure(s, size) for s in lines) / 0.97 + 2 * pad)
            h = pad + len(lines) * step
            _rect(fig, xs[k] + 1, y - h - 0.5, w, h, facecolor=colour, edgecolor="none", zorder=1.5)
        for j, line in enumerate(lines):
            _text(fig, xs[k] + pad + 0.5, y - pad - j * step, line, size, va="top", color=text_on(colour or "white"))


def _blank(tl, columns: tuple[int, ...]):
    """The layout with the cells of ``columns`` empty (drawn by :func:`_coloured_cells`)."""
    rows = [([[] if k in columns else c for k, c in enumerate(cells)], h) for cells, h in tl.columns[0]]
    return replace(tl, columns=[rows, *tl.columns[1:]])


def _fractions(cells, header, fractions, width: float, size: float, measure, nowrap) -> list[float]:
    """Column shares in which the ``nowrap`` columns are as wide as their longest cell at
    ``size`` and no header word breaks; the other columns share the rest by ``fractions``, a
    column short of its header word taking from those with room to spare."""

    def room(texts, bold=False):
        return max((measure(t, size, bold) for t in texts), default=0) / 0.97 + 2 * print_table.PAD + 2

    need = [room(str(h).split(), True) for h in header]
    for k in nowrap:
        need[k] = max(need[k], room([str(r[k]) for r in cells]))
    rest = [k for k in range(len(header)) if k not in nowrap]
    free = width - sum(need[k] for k in nowrap)
    scale = free / sum(fractions[k] for k in rest)
    widths = [need[k] if k in nowrap else fractions[k] * scale for k in range(len(header))]
    short = sum(max(0.0, need[k] - widths[k]) for k in rest)
    spare = {k: widths[k] - need[k] for k in rest if widths[k] > need[k]}
    if short and spare:
        take = min(1.0, short / sum(spare.values()))
        widths = [widths[k] - spare[k] * take if k in spare else max(need[k], widths[k]) for k in range(len(widths))]
    return [w / sum(widths) for w in widths]


def _table(cells, header, fractions, width: float, height: float, measure, base: float, nowrap, lines: int = 1):
    """A table laid out ``width`` x ``height`` points at the largest size that holds its rows
    (else the smallest, with rows left over), in one column; its header at least ``lines``
    lines tall (the timeline's header band has three)."""
    sizes = _sizes(base)
    fractions = _fractions(cells, header, fractions, width, sizes[0], measure, nowrap)
    need = lambda size: lines * size * print_table.LINE + 2 * print_table.PAD  # noqa: E731
    reserve = need(sizes[0]) if lines > 1 else 0.0
    tl = print_table.layout(cells, header, fractions, width, height - reserve, measure, sizes, 1, nowrap)
    tl.header_h = max(tl.header_h, need(tl.size))
    return tl


def _continue_note(fig, n: int, lang: str, size: float) -> None:
    W, _H = _points(fig)
    _text(fig, MARGIN * W, 0.012 * _points(fig)[1], OVERFLOW_NOTE["next"][lang].format(n=n), size, color="#444")


# --- The 作战图 -----------------------------------------------------------------------------


def _labels(candidates, x0: float, x1: float, size: float, measure) -> list[tuple[float, str]] | None:
    """(left edge, text) of ``candidates`` ((day's x, text) in order) that fit before ``x1``;
    None when two would come closer than half a character."""
    out, end = [], float("-inf")
    for x, label in candidates:
        x += 1.5
        width = measure(label, size) / 0.97
        if x + width > x1 - 1:
            break
        if x < end + size * 0.5:
            return None
        out.append((x, label))
        end = x + width
    return out


def month_labels(first, last, x0: float, x1: float, size: float, measure, lang: str) -> list[tuple[float, str]]:
    """The month labels of a timeline from ``x0`` to ``x1`` points: (left edge, text) of every
    k-th month (3月, or Mar), k the smallest of 1, 2, 3, 4, 6, 12 at which no two labels come
    closer than half a character; a label that would run past ``x1`` is left out."""
    for k in (1, 2, 3, 4, 6, 12):
        shown = [d for d in months(first, last) if (d.month - 1) % k == 0]
        words = [f"{d.month}月" if lang == "zh" else MONTHS_EN[d.month - 1][:3] for d in shown]
        xs = [x0 + (x1 - x0) * fraction(d, first, last) for d in shown]
        out = _labels(zip(xs, words, strict=True), x0, x1, size, measure)
        if out is not None:
            return out
    return []


def year_labels(first, last, x0: float, x1: float, size: float, measure, lang: str) -> list[tuple[float, str]]:
    """The years of a timeline, each at its first month shown (2020年, or 2020); a year whose
    label would touch the one before or run past ``x1`` is left out."""
    out, end = [], float("-inf")
    for year in range(first.year, last.year + 1):
        day = max(first, dt.date(year, 1, 1))
        label = f"{year}年" if lang == "zh" else str(year)
        x = x0 + (x1 - x0) * fraction(day, first, last) + 1.5
        width = measure(label, size) / 0.97
        if x + width > x1 - 1:
            break
        if x >= end + size * 0.5:
            out.append((x, label))
            end = x + width
    return out


def _timeline_header(fig, x0, x1, top, tl, span, asof, lang, measure) -> None:
    """The timeline's header band: the as-of date on its first line, the years on its second,
    the months on its third, a tick at every month's start (longer at a year's)."""
    size, first, last = tl.size, *span
    _rect(fig, x0, top - tl.header_h, x1 - x0, tl.header_h, facecolor="#eeeeee", edgecolor="#888", lw=0.3)
    step = size * print_table.LINE
    line2, line3 = top - print_table.PAD - step, top - print_table.PAD - 2 * step
    bottom = top - tl.header_h
    ticks = {round(x0 + (x1 - x0) * fraction(d, first, last), 2): bottom + 1.5 for d in months(first, last)}
    for y, labels in ((line3, month_labels), (line2, year_labels)):
        for x, label in labels(first, last, x0, x1, size, measure, lang):
            _text(fig, x, y, label, size, va="top", color=DARK)
            ticks[round(x - 1.5, 2)] = y  # a labelled tick runs up beside its label
    for x, upper in ticks.items():
        _line(fig, [x, x], [bottom, upper], color="#999", lw=0.3)
    words = TEXTS[lang]["asof"].format(m=asof.month, d=asof.day, mon=MONTHS_EN[asof.month - 1][:3])
    width = measure(words, size) / 0.97
    x = x0 + (x1 - x0) * fraction(asof, first, last)
    x = min(max(x - width / 2, x0 + 1.5), x1 - width - 1.5)
    _text(fig, x, top - print_table.PAD, words, size, va="top", color=OVERDUE)


def _timeline_rows(fig, rows: list[BattleRow], x0, x1, top, tl, span, asof) -> None:
    """Per row its planned span as a light bar and its milestones as diamonds (filled: met by
    the as-of date; hollow: open; red edge: overdue), then the as-of line across all rows."""
    first, last = span
    W, H = _points(fig)
    spans = print_table.row_spans(tl)[1:]

    def x(day):
        return x0 + (x1 - x0) * fraction(day, first, last)

    for row, (t, h) in zip(rows, spans, strict=False):
        _rect(fig, x0, top - t - h, x1 - x0, h, facecolor="white", edgecolor="#888", lw=0.3)
        for day in months(first, last)[1:]:
            _line(fig, [x(day)] * 2, [top - t - h, top - t], color="#e4e4e4", lw=0.3)
        mid, bar = top - t - h / 2, min(h * 0.5, tl.size)
        if row.start and row.end:
            end = x(row.end + dt.timedelta(days=1))
            _rect(fig, x(row.start), mid - bar / 2, max(end - x(row.start), 0.5), bar, facecolor=BAR, edgecolor="none")
        for _name, due, met in row.milestones:
            done = met is not None and met <= asof
            late = not done and due < asof
            face = DARK if done else "white"
            edge = OVERDUE if late else DARK
            fig.add_artist(
                Line2D(
                    [x(due) / W],
                    [mid / H],
                    transform=fig.transFigure,
                    marker="D",
                    markersize=min(bar, 6.5),
                    markerfacecolor=face,
                    markeredgecolor=edge,
                    markeredgewidth=1.1 if late else 0.7,
                    ls="none",
                )
            )
    bottom = top - (spans[-1][0] + spans[-1][1] if spans else tl.header_h)
    _line(fig, [x(asof)] * 2, [bottom, top - tl.header_h], color=OVERDUE, lw=0.8, zorder=2.5)


def _battle_legend(fig, lang: str, rules: Rules):
    words = TEXTS[lang]
    items = [(_swatch(fig, rules.colour(code)), LIGHT_WORDS[code][lang]) for code in LIGHT_WORDS]
    items += [
        (_swatch(fig, BAR), words["span"]),
        (_marker(fig, DARK, DARK), words["met"]),
        (_marker(fig, "white", DARK), words["open"]),
        (_marker(fig, "white", OVERDUE), words["overdue"]),
        (_marker(fig, OVERDUE, OVERDUE, "|"), words["line"]),
    ]
    return items


def _battle_page(fig, base, rows, heading, lang, asof, rules, span, picture) -> int:
    """One 作战图 page of the first of ``rows`` that fit; how many it holds."""
    W, H = _points(fig)
    measure = print_table.Measure(fig)
    top = _head(fig, heading[0], heading[1], base, measure)
    bottom = _legend(fig, _battle_legend(fig, lang, rules), base - 1.5, measure) + GAP
    left, right = MARGIN * W, (1 - MARGIN) * W
    if picture:
        png, ratio = picture
        pic_w = min(PICTURE_SHARE * W, (top - bottom) * ratio)
        ax = fig.add_axes((left / W, (top - pic_w / ratio) / H, pic_w / W, pic_w / ratio / H))
        ax.imshow(mpimg.imread(io.BytesIO(png)))
        ax.set_axis_off()
        left += pic_w + GAP
    table_w = (right - left) * (1 - TIMELINE_SHARE)
    cells = [r.cells for r in rows]
    tl = _table(cells, BATTLE_HEADER[lang], BATTLE_WIDTHS, table_w, top - bottom, measure, base, (0, 3, 7), 3)
    if rows and not tl.rows_drawn:
        raise ValueError("a 作战图 row is taller than a whole page")
    print_table.draw(fig, (left / W, bottom / H, table_w / W, (top - bottom) / H), _blank(tl, (LIGHT_COLUMN,)))
    shown = rows[: tl.rows_drawn]
    lights = {(r, LIGHT_COLUMN): rules.colour(row.light) for r, row in enumerate(shown)}
    _coloured_cells(fig, tl, left, top, lights, measure)
    _timeline_header(fig, left + table_w, right, top, tl, span, asof, lang, measure)
    _timeline_rows(fig, shown, left + table_w, right, top, tl, span, asof)
    return tl.rows_drawn


def battle_figures(
    rows: list[BattleRow],
    heading: str,
    subtitle: str,
    layout: str,
    lang: str,
    asof: dt.date,
    rules: Rules,
    picture: tuple[bytes, float] | None = None,
) -> list[Figure]:
    """The 作战图 pages of ``rows`` (:func:`layers.exports.battle.battle_rows`): the first with
    the map ``picture`` (PNG bytes, width/height) on its left when given, the rows that do
    not fit on pages that continue it across the whole width (heading marked 续), every page
    with the table's header, the timeline's header and the legend. Not numbered (the caller
    stamps the pages)."""
    span = timeline_span(rows, asof)
    figures, left = [], list(rows)
    while True:
        fig = _page(layout)
        title = heading if not figures else CONTINUED[lang].format(title=heading)
        pic = None if figures else picture
        done = _battle_page(fig, base_size(layout), left, (title, subtitle), lang, asof, rules, span, pic)
        figures.append(fig)
        left = left[done:]
        if not left:
            return figures
        _continue_note(fig, len(left), lang, base_size(layout) - 2)


def _page(layout: str) -> Figure:
    setup_fonts()
    return new_figure(LAYOUTS[layout])


# --- 变化情况 -------------------------------------------------------------------------------


def _day_text(day: dt.date, lang: str) -> str:
    return day.isoformat() if lang == "zh" else f"{day.day} {MONTHS_EN[day.month - 1][:3]} {day.year}"


def period_line(since: dt.date, asof: dt.date, lang: str) -> str:
    """The period ``(since, asof]`` in words: its first and last day, and what that means."""
    first = since + dt.timedelta(days=1)
    return TEXTS[lang]["period"].format(
        first=_day_text(first, lang), asof=_day_text(asof, lang), since=_day_text(since, lang)
    )


def change_counts(b: Briefing) -> dict[str, int]:
    """How many changes of each kind the briefing's period has, and its new reports."""
    counts = {kind: sum(c["kind"] == kind for c in b.changes) for kind in COUNT_LABELS if kind != "reports"}
    return {**counts, "reports": int(b.reports["total"])}


def _counts(fig, b: Briefing, lang: str, top: float, base: float, measure) -> float:
    """The counts as a row of boxes across the page (label on the left, number on the right);
    returns the boxes' bottom."""
    W, _H = _points(fig)
    counts = change_counts(b)
    n = len(counts)
    box_w = (W * (1 - 2 * MARGIN) - GAP * (n - 1)) / n
    size, big = base, base + 3
    labels = {}
    for kind, value in counts.items():
        room = box_w - measure(str(value), big, True) / 0.97 - 4 * size
        labels[kind] = print_table.wrap(COUNT_LABELS[kind][lang], room * 0.97, size, measure)
    h = max(max(len(v) for v in labels.values()) * size * print_table.LINE, big * 1.3) + 2 * size
    for i, (kind, value) in enumerate(counts.items()):
        x = MARGIN * W + i * (box_w + GAP)
        _rect(fig, x, top - h, box_w, h, facecolor="#f4f4f4", edgecolor="#888", lw=0.3)
        y = top - h / 2 + len(labels[kind]) * size * print_table.LINE / 2
        for j, line in enumerate(labels[kind]):
            _text(fig, x + size, y - j * size * print_table.LINE, line, size, va="top", color=DARK)
        _text(fig, x + box_w - size, top - h / 2, str(value), big, ha="right", va="center", weight="bold")
    return top - h


def _change_colours(changes: list[dict], rules: Rules) -> dict[tuple[int, int], str]:
    """The from/to cells of the light changes (kinds light and stale): (row, column) → colour."""
    out = {}
    for r, c in enumerate(changes):
        if c["kind"] in ("light", "stale"):
            for k, code in ((4, c["from"]), (5, c["to"])):
                if code in LIGHT_SHORT:
                    out[(r, k)] = rules.colour(code)
    return out


def _changes_page(fig, base, b, rows, changes, heading, lang, first: bool) -> int:
    """One 变化情况 page: heading, period, (on the first page) the counts, then the first of
    ``rows`` that fit; how many it holds."""
    W, H = _points(fig)
    measure = print_table.Measure(fig)
    top = _head(fig, heading[0], heading[1], base, measure)
    for line in print_table.wrap(period_line(b.since, b.asof, lang), W * (1 - 2 * MARGIN) * 0.97, base, measure):
        _text(fig, MARGIN * W, top, line, base, va="top", color=DARK)
        top -= base * print_table.LINE
    top -= GAP
    if first:
        top = _counts(fig, b, lang, top, base, measure) - 1.5 * GAP
    if not rows:
        _text(fig, MARGIN * W, top, TEXTS[lang]["none"], base + 1, va="top", color=DARK)
        return 0
    left, width, bottom = MARGIN * W, W * (1 - 2 * MARGIN), FOOT * H
    tl = _table(rows, CHANGE_COLUMNS[lang], CHANGE_FRACTIONS, width, top - bottom, measure, base, (0, 1))
    if not tl.rows_drawn:
        raise ValueError("a row of changes is taller than a whole page")
    print_table.draw(fig, (left / W, bottom / H, width / W, (top - bottom) / H), _blank(tl, (4, 5)))
    colours = _change_colours(changes[: tl.rows_drawn], b.rules)
    plain = {(r, k): None for r in range(tl.rows_drawn) for k in (4, 5)}
    _coloured_cells(fig, tl, left, top, {**plain, **colours}, measure)
    return tl.rows_drawn


def changes_figures(
    b: Briefing, titles: dict[str, str], heading: str, subtitle: str, layout: str, lang: str
) -> list[Figure]:
    """The 变化情况 pages of a briefing with a period (``b.since``; None raises ValueError):
    the period (after ``since``, up to and including ``asof``), the counts of each kind of
    change and of new reports, and the changes as a table (``titles``: id → the measure's
    title in ``lang``), light changes in the lights' colours; "no change" when there is none.
    Long tables continue on further pages. Not numbered (the caller stamps the pages)."""
    if b.since is None:
        raise ValueError("the changes page needs a briefing with a period (since)")
    table = changes_table(b.changes, titles, lang)
    rows = [[str(v) for v in row] for row in table.itertuples(index=False)]
    changes = list(b.changes)
    figures: list[Figure] = []
    while True:
        fig = _page(layout)
        title = heading if not figures else CONTINUED[lang].format(title=heading)
        done = _changes_page(fig, base_size(layout), b, rows, changes, (title, subtitle), lang, not figures)
        figures.append(fig)
        rows, changes = rows[done:], changes[done:]
        if not rows:
            return figures
        _continue_note(fig, len(rows), lang, base_size(layout) - 2)
