"""The deck's 作战图 (battle map) and 变化情况 (changes) slides, native and editable (python-pptx).

A 作战图 slide is an optional map picture, then a native table of the measures (the rows of
:mod:`layers.exports.battle`, the 灯 cell filled with its light's colour) and, to its right, a
Gantt made of shapes aligned with the table's rows: the planned span as a bar, milestones as
diamonds (filled when met by the as-of date, open when not, outlined red when overdue), a
line at the as-of date, month labels thinned so they never overlap, and a legend under them.
The table's rows have fixed heights from the deck's estimate of how cells wrap (cells are cut
to two lines), and the Gantt's rows are drawn at the same heights; rows that do not fit
continue on further slides, each with its header and the Gantt's month header.

A 变化情况 slide says what changed in a briefing's period ``(since, asof]``: the counts of each
kind of change, the new reports, and the changes as a native table (continued when long).

Every Gantt shape is named for what it is ("gantt bar A01-01", "gantt milestone A01-01 2",
"gantt asof", "gantt frame"), so it can be found again in the saved deck.
"""

from __future__ import annotations

import datetime as dt

from layers.exports.battle import BATTLE_HEADER, BATTLE_WIDTHS, BattleRow, fraction, months, timeline_span
from layers.exports.pptx_deck import GAP, Deck, natural_widths, row_heights, shorten_cell, text_height, text_width
from layers.labels import LIGHT_WORDS
from layers.progress.briefing import Briefing
from layers.progress.changes import KINDS
from layers.progress.lights import Rules
from layers.progress.view import CHANGE_COLUMNS, changes_table

#: Font sizes of the 作战图 table, largest first: the largest at which every row fits on the
#: first slide, else the smallest, continued on further slides.
_SIZES = (10, 9)
_MAX_LINES = 2  # a row's cells are cut to this many lines
_NARROW = (0, 3, 4, 7)  # number, light, progress, ±km: as wide as their content
_MAP_SHARE = 0.35  # at most this share of the body's width for the map
_GANTT_SHARE = 0.34  # of the width beside the map, for the Gantt
_GANTT_GAP = 0.1  # between the table and the Gantt
_LABEL_H = 0.22  # the as-of label under the Gantt
_LEGEND_SIZE, _LEGEND_LINE = 8, 0.22
_BAR, _INK, _RED, _GRID = "9FB6CD", "333333", "D7261E", "D0D0D0"
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _emu(inches: float) -> int:
    from pptx.util import Inches

    return int(Inches(inches))


def _ink(colour: str) -> str:
    """Black or white, whichever reads better on ``colour`` (#rrggbb)."""
    r, g, b = (int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return "000000" if 0.299 * r + 0.587 * g + 0.114 * b > 0.6 else "FFFFFF"


def _met(met: dt.date | None, asof: dt.date) -> bool:
    return met is not None and met <= asof


def _widths(header: list[str], cells: list[list[str]], width: float, size: float) -> list[float]:
    """Column widths filling ``width``: the narrow columns as wide as their cells (their header
    may wrap to two lines), the others sharing the rest as :data:`BATTLE_WIDTHS` do."""
    natural = natural_widths(["" for _ in header], cells or [["" for _ in header]], size)
    heads = natural_widths(header, [], size)
    # (+0.02: a cell exactly as wide as its text is estimated to wrap by rounding)
    narrow = {c: max(natural[c], heads[c] / 2 + 0.06) + 0.02 for c in _NARROW}
    rest = max(width - sum(narrow.values()), 0.3 * width)
    share = sum(w for c, w in enumerate(BATTLE_WIDTHS) if c not in narrow)
    return [narrow[c] if c in narrow else rest * BATTLE_WIDTHS[c] / share for c in range(len(header))]


def _month_label(m: dt.date, lang: str, with_year: bool) -> str:
    if lang == "zh":
        return f"{m.year}年{m.month}月" if with_year else f"{m.month}月"
    return f"{_MONTHS_EN[m.month - 1]} {m.year}" if with_year else _MONTHS_EN[m.month - 1]


def _asof_text(deck: Deck, asof: dt.date) -> str:
    return deck.texts["asof"].format(m=asof.month, d=asof.day, mon=_MONTHS_EN[asof.month - 1])


def _line(slide, x1: float, y1: float, x2: float, y2: float, colour: str, pt: float, name: str, dash=None):
    """A straight connector between two points (inches)."""
    from pptx.dml.color import RGBColor
    from pptx.enum.shapes import MSO_CONNECTOR
    from pptx.util import Pt

    line = slide.shapes.add_connector(MSO_CONNECTOR.STRAIGHT, _emu(x1), _emu(y1), _emu(x2), _emu(y2))
    line.name = name
    line.line.color.rgb = RGBColor.from_string(colour)
    line.line.width = Pt(pt)
    if dash is not None:
        line.line.dash_style = dash
    return line


def _shape(slide, kind, box, name: str, fill: str | None, outline: str | None, pt: float = 0.75):
    """An autoshape in ``box`` (inches), filled with ``fill`` (None: no fill) and outlined with
    ``outline`` (None: no line)."""
    from pptx.dml.color import RGBColor
    from pptx.util import Pt

    left, top, width, height = box
    shape = slide.shapes.add_shape(kind, _emu(left), _emu(top), _emu(width), _emu(height))
    shape.name = name
    if fill is None:
        shape.fill.background()
    else:
        shape.fill.solid()
        shape.fill.fore_color.rgb = RGBColor.from_string(fill)
    if outline is None:
        shape.line.fill.background()
    else:
        shape.line.color.rgb = RGBColor.from_string(outline)
        shape.line.width = Pt(pt)
    shape.shadow.inherit = False
    return shape


def _header_label(deck: Deck, slide, text: str, box, size: float, name: str) -> None:
    from pptx.enum.text import MSO_ANCHOR

    shape = deck.text_box(slide, [(text, size, False, _INK)], box, name)
    shape.text_frame.vertical_anchor = MSO_ANCHOR.MIDDLE


def _month_header(deck: Deck, slide, span, x: float, w: float, top: float, head_h: float, bottom: float, size):
    """Month labels in the header band, every k-th month (k divides 12, so labels fall on the
    same months every year) with k the smallest at which no label overlaps the next, and a
    light grid line at each; the years above them when the band has room for two lines, else
    in the first label and January's where they fit."""
    first, last = span
    ms = months(first, last)
    xs = [x + fraction(m, first, last) * w for m in ms] + [x + w]
    narrowest = min(b - a for a, b in zip(xs, xs[1:], strict=False))
    longest = max(text_width(_month_label(m, deck.lang, False), size) for m in ms) + 0.06
    step = next((k for k in (1, 2, 3, 4, 6, 12) if k * narrowest >= longest), 12)
    shown = [i for i, m in enumerate(ms) if (m.month - 1) % step == 0] or [0]
    line = size * 1.25 / 72
    two = head_h >= 2 * line + 0.04
    if two:  # the years on a line of their own
        starts = [i for i, m in enumerate(ms) if i == 0 or m.month == 1] + [len(ms)]
        for a, b in zip(starts, starts[1:], strict=False):
            label = f"{ms[a].year}年" if deck.lang == "zh" else str(ms[a].year)
            if xs[b] - xs[a] >= text_width(label, size) + 0.04:
                _header_label(deck, slide, label, (xs[a], top, xs[b] - xs[a], head_h / 2), size, f"gantt year {a}")
    row_top, row_h = (top + head_h / 2, head_h / 2) if two else (top, head_h)
    for n, i in enumerate(shown):
        right = xs[shown[n + 1]] if n + 1 < len(shown) else x + w
        label = _month_label(ms[i], deck.lang, not two and (n == 0 or ms[i].month == 1))
        if right - xs[i] < text_width(label, size) + 0.04:
            label = _month_label(ms[i], deck.lang, False)
        if right - xs[i] < text_width(label, size) + 0.04:
            continue  # the last label has no room before the Gantt's right edge
        _header_label(deck, slide, label, (xs[i], row_top, right - xs[i], row_h), size, f"gantt month {i}")
        if i:
            _line(slide, xs[i], row_top, xs[i], bottom, _GRID, 0.5, f"gantt grid {i}")


def _gantt(deck: Deck, slide, table, rows: list[BattleRow], span, asof: dt.date, x: float, w: float, size: float):
    """The Gantt beside ``table`` (its shape): one band per table row at the row's height."""
    from pptx.enum.dml import MSO_LINE_DASH_STYLE
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.util import Emu

    first, last = span
    tops, y = [], table.top
    for row in table.table.rows:
        tops.append(Emu(y).inches)
        y += row.height
    top, bottom = tops[0], Emu(y).inches
    tops.append(bottom)
    _shape(slide, MSO_SHAPE.RECTANGLE, (x, top, w, bottom - top), "gantt frame", None, _GRID, 0.5)
    _month_header(deck, slide, span, x, w, top, tops[1] - top, bottom, min(size, 9))
    for r, row in enumerate(rows, 1):
        band_top, band = tops[r], tops[r + 1] - tops[r]
        mid = band_top + band / 2
        if row.start and row.end:
            x1 = x + fraction(row.start, first, last) * w
            x2 = x + fraction(row.end + dt.timedelta(days=1), first, last) * w
            bar_h = min(0.16, 0.45 * band)
            box = (x1, mid - bar_h / 2, max(x2 - x1, 0.02), bar_h)
            _shape(slide, MSO_SHAPE.RECTANGLE, box, f"gantt bar {row.id}", _BAR, None)
        d = min(0.15, 0.7 * band)
        for k, (_name, due, met) in enumerate(row.milestones, 1):
            cx = min(max(x + fraction(due, first, last) * w, x + d / 2), x + w - d / 2)
            done = _met(met, asof)
            overdue = due < asof and not done
            box = (cx - d / 2, mid - d / 2, d, d)
            name = f"gantt milestone {row.id} {k}"
            _shape(slide, MSO_SHAPE.DIAMOND, box, name, _INK if done else None, _RED if overdue else _INK, 1.25)
    ax = x + fraction(asof, first, last) * w
    _line(slide, ax, top, ax, bottom, _RED, 1.25, "gantt asof", MSO_LINE_DASH_STYLE.DASH)
    label = _asof_text(deck, asof)
    lw = min(text_width(label, 9) + 0.1, w)
    lx = min(max(ax - lw / 2, x), x + w - lw)
    deck.text_box(slide, [(label, 9, True, _RED)], (lx, bottom + 0.03, lw, _LABEL_H - 0.03), "gantt asof label")


def _legend_items(deck: Deck, rows: list[BattleRow], rules: Rules) -> list[tuple[str, str]]:
    """(symbol, text) of the legend: the lights of ``rows``, then the Gantt's symbols."""
    lights = {r.light for r in rows}
    items = [(f"light {code}", LIGHT_WORDS[code][deck.lang]) for code in LIGHT_WORDS if code in lights]
    texts = deck.texts
    return items + [(s, texts[f"legend_{s}"]) for s in ("bar", "met", "open", "overdue")]


def _legend_layout(items, left: float, width: float) -> list[tuple[float, int]]:
    """Each item's x and line (0, 1, …), flowing left to right and wrapping at ``width``."""
    out, x, line = [], left, 0
    for symbol, text in items:
        w = (0.3 if symbol == "bar" else 0.14) + 0.06 + text_width(text, _LEGEND_SIZE) + 0.2
        if x > left and x + w > left + width:
            x, line = left, line + 1
        out.append((x, line))
        x += w
    return out


def _legend(deck: Deck, slide, items, place, top: float, rules: Rules) -> None:
    """The legend's symbols (native shapes) and words at ``place`` (from :func:`_legend_layout`)."""
    from pptx.enum.shapes import MSO_SHAPE

    for (symbol, text), (x, line) in zip(items, place, strict=True):
        y = top + line * _LEGEND_LINE
        mid = y + _LEGEND_LINE / 2
        name = f"legend {symbol}"
        if symbol.startswith("light "):
            colour = rules.colour(symbol.split(" ", 1)[1]).lstrip("#")
            _shape(slide, MSO_SHAPE.RECTANGLE, (x, mid - 0.07, 0.14, 0.14), name, colour, "777777", 0.5)
        elif symbol == "bar":
            _shape(slide, MSO_SHAPE.RECTANGLE, (x, mid - 0.05, 0.3, 0.1), name, _BAR, None)
        else:
            fill, outline = {"met": (_INK, _INK), "open": (None, _INK), "overdue": (None, _RED)}[symbol]
            _shape(slide, MSO_SHAPE.DIAMOND, (x, mid - 0.07, 0.14, 0.14), name, fill, outline, 1.25)
        tx = x + (0.3 if symbol == "bar" else 0.14) + 0.06
        tw = text_width(text, _LEGEND_SIZE) + 0.05
        deck.text_box(slide, [(text, _LEGEND_SIZE, False, "444444")], (tx, y + 0.03, tw, _LEGEND_LINE - 0.03), name)


def _fit_rows(header, rows: list[BattleRow], widths, size: float, height: float):
    """The cells (cut to two lines), heights (header first) of the rows that fit ``height``
    (at least one row)."""
    cells, heights = [], row_heights([header], widths, size)
    for row in rows:
        cut = [shorten_cell(str(v), size, w, _MAX_LINES) for v, w in zip(row.cells, widths, strict=True)]
        h = row_heights([cut], widths, size)[0]
        if cells and sum(heights) + h > height:
            break
        cells.append(cut)
        heights.append(h)
    return cells, heights


def _light_cells(table, rows: list[BattleRow], rules: Rules) -> None:
    """Fill each row's 灯 cell with its light's colour, its text in black or white."""
    from pptx.dml.color import RGBColor

    for r, row in enumerate(rows, 1):
        colour = rules.colour(row.light)
        cell = table.table.cell(r, BATTLE_HEADER["en"].index("Light"))
        cell.fill.solid()
        cell.fill.fore_color.rgb = RGBColor.from_string(colour.lstrip("#"))
        for run in cell.text_frame.paragraphs[0].runs:
            run.font.color.rgb = RGBColor.from_string(_ink(colour))


def battle_slides(
    deck: Deck,
    rows: list[BattleRow],
    heading: str,
    subtitle: str,
    notes: list[tuple[str, float]],
    asof: dt.date,
    rules: Rules,
    picture: tuple[bytes, float] | None = None,
) -> None:
    """作战图 slides: the map ``picture`` (png bytes, width/height) on the left of the first,
    the native table of ``rows`` and its Gantt as of ``asof``, the legend at the bottom;
    rows that do not fit continue on slides titled ``heading`` (续)."""
    header = BATTLE_HEADER["zh" if deck.lang == "zh" else "en"]
    span = timeline_span(rows, asof)
    rest, first = list(rows), True
    while first or rest:
        title = heading if first else heading + deck.texts["continued"]
        slide, (left, top, width, height) = deck.slide(title, *((subtitle, notes) if first else ()))
        if first and picture:
            map_w = min(_MAP_SHARE * width, height * picture[1])
            deck.map_picture(slide, picture[0], (left, top, map_w, height))
            left, width = left + map_w + GAP, width - map_w - GAP
        items = _legend_items(deck, rows, rules)
        place = _legend_layout(items, left, width)
        legend_h = (max(line for _, line in place) + 1) * _LEGEND_LINE
        room = height - legend_h - _LABEL_H - 0.05
        gantt_w = max(2.2, _GANTT_SHARE * width)
        table_w = width - gantt_w - _GANTT_GAP
        for size in _SIZES if first else _SIZES[-1:]:
            widths = _widths(header, [r.cells for r in rest], table_w, size)
            cells, heights = _fit_rows(header, rest, widths, size, room)
            if len(cells) == len(rest):
                break
        chunk, rest, first = rest[: len(cells)], rest[len(cells) :], False
        table = deck.fixed_table(slide, header, cells, left, top, widths, size, heights)
        table.name = "battle table"
        _light_cells(table, chunk, rules)
        _gantt(deck, slide, table, chunk, span, asof, left + table_w + _GANTT_GAP, gantt_w, size)
        _legend(deck, slide, items, place, top + height - legend_h, rules)


def changes_slides(
    deck: Deck, b: Briefing, titles: dict[str, str], heading: str, subtitle: str, notes: list[tuple[str, float]]
) -> None:
    """变化情况: the period ``(b.since, b.asof]``, the counts of each kind of change and the new
    reports, and the changes as a native table (continued on slides titled ``heading`` (续));
    "本期无变化" when nothing changed. A briefing without a period raises ValueError."""
    if b.since is None:
        raise ValueError("the changes slide needs a briefing with a period (since)")
    lang = "zh" if deck.lang == "zh" else "en"
    texts = deck.texts
    slide, (left, top, width, height) = deck.slide(heading, subtitle, notes)
    count = {k: sum(c["kind"] == k for c in b.changes) for k in KINDS}
    lines = [
        texts["period"].format(since=b.since.isoformat(), asof=b.asof.isoformat()),
        texts["counts"].format(
            light=count["light"],
            met=count["milestone_met"],
            overdue=count["milestone_overdue"],
            stale=count["stale"],
            reports=b.reports["total"],
        ),
    ]
    if not b.changes:
        lines.append(texts["no_change"])
    h = sum(text_height(t, 12, width) for t in lines) + 0.05
    deck.text_box(slide, [(t, 12, i > 0, None) for i, t in enumerate(lines)], (left, top, width, h), "Counts")
    if not b.changes:
        return
    frame = changes_table(b.changes, titles, lang)
    header = [*CHANGE_COLUMNS[lang][:4], " → ".join(CHANGE_COLUMNS[lang][4:])]
    if lang == "en":
        header = [c[:1].upper() + c[1:] for c in header]
    rows = [[*r[:4], f"{r[4]} → {r[5]}"] for r in frame.astype(str).to_numpy().tolist()]
    box = (left, top + h + 0.1, width, height - h - 0.1)
    deck.table(slide, header, rows, box, (11, 10, 9), heading, flexible=2, centred=(0,))
