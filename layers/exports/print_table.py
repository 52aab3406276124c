"""Key tables for printed maps: cells that wrap, rows that never overprint, long tables
that continue in a second column or on a further page.

matplotlib's ``Axes.table`` neither wraps text nor knows when it runs out of room (a
long key overprinted the note under it, and districts were cut with "…"), so the
table is laid out here: every cell is wrapped to its column's width, measured with the
page's own font, and rows are packed into columns of a fixed height. Whatever does not
fit is returned to the caller, which continues it on a further page or says how many
rows are left.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

#: Space between the text lines of a cell, as a multiple of the font size. pdftotext
#: reports word boxes of about 1.2 x the size for the CJK fonts we use: lines this far
#: apart never touch in the printed PDF.
LINE = 1.32
PAD = 1.5  # points of space above, below and left of a cell's text
GAP = 10.0  # points between two columns of one table


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _tokens(text: str) -> list[str]:
    """Pieces a line may break between: each CJK character (after its closing punctuation),
    and each Latin word with the space or comma that follows it."""
    return re.findall(r"[^\s\u3000-\u9fff\uff00-\uffef]+[\s,]*|[\u3000-\u9fff\uff00-\uffef][、,。;:)”]*|\s+", text)


class Measure:
    """Widths of strings in points, with the page's font (cached: a key repeats words)."""

    def __init__(self, fig):
        self.renderer = fig.canvas.get_renderer()
        self.scale = 72.0 / fig.dpi
        self.cache: dict[tuple[str, float, bool], float] = {}

    def __call__(self, s: str, size: float, bold: bool = False) -> float:
        key = (s, size, bold)
        if key not in self.cache:
            prop = FontProperties(size=size, weight="bold" if bold else "normal")
            w, _h, _d = self.renderer.get_text_width_height_descent(s, prop, ismath=False)
            self.cache[key] = w * self.scale
        return self.cache[key]


def wrap(text: str, width_pt: float, size: float, measure, bold: bool = False) -> list[str]:
    """``text`` broken into lines no wider than ``width_pt``; a word wider than a whole line
    is broken between its characters. Nothing is dropped or shortened."""
    lines: list[str] = []
    line = ""
    for tok in _tokens(str(text)):
        trial = line + tok
        if measure(trial.rstrip(), size, bold) <= width_pt:
            line = trial
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = tok.lstrip()
        while measure(line.rstrip(), size, bold) > width_pt and len(line) > 1:
            # One piece is wider than the column: split it character by character.
            cut = len(line) - 1
            while cut > 1 and measure(line[:cut], size, bold) > width_pt:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


@dataclass
class TableLayout:
    size: float
    ncols: int
    col_widths: list[float]  # points, per table column (one copy of the table)
    header: list[list[str]]  # wrapped header cells
    header_h: float
    columns: list[list[tuple[list[list[str]], float]]]  # per page column: rows of (wrapped cells, height)
    overflow: int = 0  # rows that did not fit
    rows_drawn: int = 0
    extra: dict = field(default_factory=dict)


def layout(
    rows: list[list[str]],
    header: list[str],
    fractions: list[float],
    width_pt: float,
    height_pt: float,
    measure,
    sizes: list[float],
    max_cols: int = 1,
    nowrap: tuple[int, ...] = (),
) -> TableLayout:
    """The largest font size in ``sizes`` (then the fewest columns, up to ``max_cols``) at
    which every row fits in ``width_pt`` x ``height_pt``. When none does, the smallest size
    and the most columns, with ``overflow`` rows left over. The ``nowrap`` columns (an
    action's name: 改革 must not break into 改/革) are as wide as their longest cell."""
    best = None
    for size in sizes:
        for ncols in range(1, max_cols + 1):
            out = _pack(rows, header, fractions, width_pt, height_pt, measure, size, ncols, nowrap)
            if out.overflow == 0:
                return out
            best = out
    return best


def _column_widths(rows, header, fractions, table_w, measure, size, nowrap) -> list[float]:
    """Widths of the columns, points: by ``fractions``, except that a header word is never
    broken ("Acti/on") and a ``nowrap`` column is as wide as its longest cell (both at the
    cost of the widest column, which keeps at least a quarter of the table)."""
    widths = [table_w * f for f in fractions]

    def room(texts, bold=False):
        return max((measure(t, size, bold) for t in texts), default=0) / 0.97 + 2 * PAD + 1

    for k, head in enumerate(header):
        need = room(str(head).split(), True)
        if k in nowrap:
            need = max(need, room([str(r[k]) for r in rows]))
        widest = max(range(len(widths)), key=lambda j: widths[j])
        if widest == k or (widths[k] >= need and k not in nowrap):
            continue
        give = need - widths[k]  # < 0: a nowrap column's spare width goes to the widest
        if give > 0:
            give = min(give, max(0.0, widths[widest] - table_w / 4))
        widths[widest] -= give
        widths[k] += give
    return widths


def _pack(rows, header, fractions, width_pt, height_pt, measure, size, ncols, nowrap=()) -> TableLayout:
    table_w = (width_pt - GAP * (ncols - 1)) / ncols
    widths = _column_widths(rows, header, fractions, table_w, measure, size, nowrap)

    def cells(row, bold=False):
        # 3 % spare: the screen renderer measures hinted glyphs, a PDF prints exact ones.
        wrapped = [wrap(v, (w - 2 * PAD) * 0.97, size, measure, bold) for v, w in zip(row, widths, strict=True)]
        return wrapped, max(len(c) for c in wrapped) * size * LINE + 2 * PAD

    head, head_h = cells(header, bold=True)
    columns: list[list] = [[] for _ in range(ncols)]
    col, used, i = 0, head_h, 0
    while i < len(rows):
        wrapped, h = cells(rows[i])
        if used + h > height_pt:
            col += 1
            used = head_h
            if col == ncols:
                break
            continue
        columns[col].append((wrapped, h))
        used += h
        i += 1
    return TableLayout(size, ncols, widths, head, head_h, columns, overflow=len(rows) - i, rows_drawn=i)


def draw(fig, rect, tl: TableLayout, colours: list[str | None] | None = None, centred: tuple[int, ...] = ()):
    """Draw a laid-out table in ``rect`` (figure fractions: left, bottom, width, height), from
    its top edge down. ``colours`` optionally tints each row's first cell (the action's colour);
    the ``centred`` columns (counts) are centred in their cells."""
    W, H = fig.get_size_inches() * 72.0
    left, bottom, width, height = rect
    top = (bottom + height) * H
    size = tl.size
    table_w = sum(tl.col_widths)
    n = 0
    for c, rows in enumerate(tl.columns):
        if not rows and c:
            continue
        x0 = left * W + c * (table_w + GAP)
        y = top
        for r, (cells, h) in enumerate([(tl.header, tl.header_h), *rows]):
            header = r == 0
            fig.add_artist(
                Rectangle(
                    (x0 / W, (y - h) / H),
                    table_w / W,
                    h / H,
                    transform=fig.transFigure,
                    facecolor="#eeeeee" if header else "white",
                    edgecolor="#888",
                    lw=0.3,
                )
            )
            x = x0
            for k, (lines, w) in enumerate(zip(cells, tl.col_widths, strict=True)):
                if k:
                    fig.add_artist(
                        Line2D([x / W, x / W], [(y - h) / H, y / H], transform=fig.transFigure, color="#888", lw=0.3)
                    )
                for j, line in enumerate(lines):
                    fig.text(
                        (x + w / 2 if k in centred else x + PAD) / W,
                        (y - PAD - j * size * LINE) / H,
                        line,
                        fontsize=size,
                        va="top",
                        ha="center" if k in centred else "left",
                        weight="bold" if header else "normal",
                        color=(colours[n - 1] if (colours and not header and k == 0) else "#222"),
                    )
                x += w
            if not header:
                n += 1
            y -= h
    return fig


def row_spans(tl: TableLayout, column: int = 0) -> list[tuple[float, float]]:
    """Where the rows of one page column of a laid-out table are drawn: (top, height) in
    points below the table's top edge, the header first (as :func:`draw` places them)."""
    out, y = [(0.0, tl.header_h)], tl.header_h
    for _cells, h in tl.columns[column]:
        out.append((y, h))
        y += h
    return out
