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
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import geopandas as gpd
from matplotlib.backends.backend_pdf import PdfPages

from layers._errors import Msg
from layers._io import atomic_write
from layers.exports import print_table
from layers.exports.battle import battle_rows
from layers.exports.print_map import KEY_LIMIT, render_map
from layers.exports.print_page import (
    LAYOUTS,
    base_size,
    continuation_pages,
    default_title,
    describe_filters,
    new_figure,
    setup_fonts,
    stamp,
    stamp_parts,
)
from layers.exports.print_progress import battle_figures, changes_figures
from layers.geo.actions import load_actions
from layers.geo.boundaries import county_names
from layers.progress.briefing import Briefing
from layers.selection.filtering import Filters
from layers.selection.numbering import table_rows
from layers.selection.stats import stats_by_action_district

Progress = Callable[[int, int, str], None]


#: The pack's own words.
PACK_TEXTS = {
    "zh": {
        "unit": "责任单位:{unit}",
        "changes": "变化情况",
        "mapless": "无单一地点的措施(行动 {actions})",
        "sep": "、",
    },
    "en": {
        "unit": "Responsible unit: {unit}",
        "changes": "Changes since the last briefing",
        "mapless": "Measures with no single place (actions {actions})",
        "sep": ", ",
    },
}
#: Inches of the map drawn beside an action's 作战图 table (then cropped and scaled).
BATTLE_MAP_SIZE = {"a4": (4.6, 5.4), "16x9": (4.8, 4.6)}


@dataclass(frozen=True)
class Contents:
    """What a pack holds: its measures and briefing (narrowed to a unit), and which parts."""

    selected: gpd.GeoDataFrame
    filters: Filters
    briefing: Briefing | None
    unit: str | None
    actions: list[int]
    cover: bool
    stats: bool
    units: list[str]

    def subtitle(self, lang: str) -> str | None:
        """The cover's subtitle: the unit's name and what the selection shows (None: the default)."""
        if self.unit is None:
            return None
        return (
            PACK_TEXTS[lang]["unit"].format(unit=self.unit)
            + "  "
            + describe_filters(self.filters, len(self.selected), lang)
        )


def contents(selected, filters: Filters, briefing: Briefing | None = None, unit: str | None = None) -> Contents:
    """Decide what a pack holds. A cover only where it adds something: more than one action
    (one action's cover would repeat its page) or a unit's pack (its name); statistics only
    for more than one action; pages per 责任单位 when the briefing names units and the pack is
    not a unit's. ``unit``: a 责任单位 the briefing names, with measures in the selection; else
    a ValueError that names the units there are."""
    if unit is not None:
        known = briefing.units() if briefing is not None else []
        ids = set(briefing.ids_of_unit(unit)) if unit in known else set()
        part = selected[selected["id"].isin(ids)]
        if part.empty:
            listed = "、".join(known[:20]) or "—"
            raise ValueError(
                Msg(
                    f"no measure of the selection has the responsible unit {unit[:40]!r}; the plans name: {listed}",
                    f"所选措施中没有责任单位为“{unit[:40]}”的;计划中的责任单位有:{listed}",
                )
            )
        selected, briefing = part, briefing.only(part["id"])
    actions = sorted(int(a) for a in selected["action"].unique())
    units = [] if briefing is None or unit is not None else briefing.only(selected["id"]).units()
    return Contents(
        selected, filters, briefing, unit, actions, len(actions) > 1 or unit is not None, len(actions) > 1, units
    )


def action_filters(filters: Filters, a) -> Filters:
    """The selection's filters narrowed to one action (the filters an action's page shows)."""
    return Filters((int(a),), filters.districts, filters.forms, filters.kinds, filters.q, filters.include_citywide)


def _stats_figure(selected, layout, lang):
    """The statistics page of the PDF: measures per action and district as a table."""
    setup_fonts()
    table = stats_by_action_district(selected, lang)
    present = [int(a) for a in load_actions().index if a in set(selected["action"])]
    table = table.iloc[[*(list(load_actions().index).index(a) for a in present), len(table) - 1]]  # + totals
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
    briefing: Briefing | None = None,
    unit: str | None = None,
    colour_by: str = "action",
) -> Path:
    """The briefing pack as a PDF: a cover map (more than one action, or a unit's pack), the
    changes since the last briefing (a briefing with ``since``), a page per action, pages per
    责任单位 (a briefing with units, not a unit's pack) and statistics (more than one action).

    Without a ``briefing`` an action's page is its map and key. With one, it is its 作战图:
    the map (when the action has one) beside the table of its measures with their lights,
    progress, next milestone and problems, and a timeline by month. ``unit``: only the
    measures of that 责任单位, its name on the cover. Every page numbered, and dated 截至
    ``asof`` when given (a briefing's own date otherwise)."""
    c = contents(selected, filters or Filters(), briefing, unit)
    asof = asof or (briefing.asof if briefing else None)
    steps = _pdf_steps(c, _Page(layout, lang, approval_no, colour_by), title)
    figures = []
    for done, (label, make) in enumerate(steps, 1):
        figures += make()
        if progress:
            progress(done, len(steps), label)
    for n, fig in enumerate(figures, 1):  # all laid out: the number of pages is known
        stamp(fig, stamp_parts(lang, asof, (n, len(figures))), base_size(layout) - 2)

    def write(p):
        with PdfPages(p) as pdf:
            for fig in figures:
                pdf.savefig(fig)

    return atomic_write(path, write)


@dataclass(frozen=True)
class _Page:
    """What every page of a PDF pack shares."""

    layout: str
    lang: str
    approval_no: str
    colour_by: str

    def map_pages(self, part, f: Filters, heading: str, subtitle: str | None = None, table: str = "drawn") -> list:
        """A map page and the pages its key continues on (marked 续)."""
        page = render_map(
            part,
            f,
            self.layout,
            heading,
            subtitle=subtitle,
            approval_no=self.approval_no,
            lang=self.lang,
            table=table,
            continued=True,
            colour_by=self.colour_by,
        )
        return [page.figure, *continuation_pages(page.overflow, self.layout, heading, self.lang)]

    def table_pages(self, part, heading: str) -> list:
        """The measures with no single place as a table across the page (no tinted city map
        on a half-empty page), by action, continued on pages marked 续."""
        rows = table_rows(part.iloc[:0], {}, county_names(self.lang), load_actions(), self.lang, part)
        return continuation_pages(rows, self.layout, heading, self.lang, first_continues=False)

    def battle_pages(self, part, f: Filters, b: Briefing, heading: str) -> list:
        """An action's 作战图 pages: its map (if it has one) beside its measures' table and timeline."""
        rows, picture = action_battle(part, f, b, BATTLE_MAP_SIZE[self.layout], self.lang, self.colour_by)
        sub = describe_filters(f, len(part), self.lang)
        return battle_figures(rows, heading, sub, self.layout, self.lang, b.asof, b.rules, picture)

    def unit_pages(self, part, b: Briefing, unit: str, filters: Filters) -> list:
        """A 责任单位's 作战图 pages: its measures by action (numbered 1..n), no map."""
        rows, heading = unit_battle(part, b, unit, self.lang)
        sub = describe_filters(filters, len(part), self.lang)
        return battle_figures(rows, heading, sub, self.layout, self.lang, b.asof, b.rules)


def action_battle(part, f: Filters, b: Briefing, size, lang: str, colour_by: str):
    """An action's 作战图 content, for a page or a slide: its rows, numbered as on its map, and
    the map as a picture ((png, ratio); None when the action has nothing to draw)."""
    picture, number = None, {}
    if drawn_mask(part).any():
        page = slide_map(part, f, size, lang, colour_by=colour_by)
        number = numbering(page, part)[1]
        picture = map_png(page)
    return battle_rows(b.only(part["id"]), part, number, lang), picture


def unit_battle(part, b: Briefing, unit: str, lang: str):
    """A 责任单位's 作战图 rows (its measures by action, numbered 1..n: its pages have no map)
    and heading."""
    part = part.sort_values(["action", "id"])
    rows = battle_rows(b, part, {i: n for n, i in enumerate(part["id"], 1)}, lang)
    return rows, PACK_TEXTS[lang]["unit"].format(unit=unit)


def drawn_mask(part):
    """Which measures of ``part`` a map draws (a place, or a county tint), as render_map does."""
    return part.geometry.notna() | (part["form"] == "county")


def _pdf_steps(c: Contents, pg: _Page, title: str | None) -> list[tuple[str, Callable]]:
    """The pack's pages in order, as (label, function making that part's figures)."""
    actions, b, sel, lang = load_actions(), c.briefing, c.selected, pg.lang
    steps = []
    if c.cover:
        steps.append(("cover", partial(pg.map_pages, sel, c.filters, title or default_title(lang), c.subtitle(lang))))
    if b is not None and b.since is not None:
        titles = dict(zip(sel["id"], sel[f"title_{lang}"], strict=True))
        sub = c.subtitle(lang) or describe_filters(c.filters, len(sel), lang)
        steps.append(
            ("changes", partial(changes_figures, b, titles, PACK_TEXTS[lang]["changes"], sub, pg.layout, lang))
        )
    mapless = [a for a in c.actions if not drawn_mask(sel[sel["action"] == a]).any()] if b is None else []
    for a in c.actions:
        part, f = sel[sel["action"] == a], action_filters(c.filters, a)
        name = f"{a}. {actions.loc[a, 'name_zh' if lang == 'zh' else 'name_en']}"
        if a in mapless[1:]:
            continue  # on the first one's pages
        if a in mapless:  # without progress: the actions with nothing to draw share their table's pages
            rest = sel[sel["action"].isin(mapless)]
            heading = PACK_TEXTS[lang]["mapless"].format(actions=PACK_TEXTS[lang]["sep"].join(map(str, mapless)))
            steps.append(("no map", partial(pg.table_pages, rest, heading)))
            continue
        make = (
            partial(pg.map_pages, part, f, name, None, "all")
            if b is None
            else partial(pg.battle_pages, part, f, b, name)
        )
        steps.append((f"action {a}", make))
    for u in c.units:
        steps.append((f"unit {u}", partial(pg.unit_pages, sel[sel["id"].isin(b.ids_of_unit(u))], b, u, c.filters)))
    if c.stats:
        steps.append(("statistics", lambda: [_stats_figure(sel, pg.layout, lang)[0]]))
    return steps


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


def slide_map(part, f: Filters, size: tuple[float, float], lang: str, colour_by: str = "action"):
    """The map for a slide, without its key table (the slide has a native one). When its
    numbers find no room at this size (render_map then falls back to plain markers, as
    English names are longer), it is drawn once more 1.25 times larger, to be scaled down."""
    page = render_map(part, f, "16x9", "", subtitle="", lang=lang, table="none", size=size, colour_by=colour_by)
    drawn = drawn_mask(part).sum()
    if page.numbered or not drawn or drawn > KEY_LIMIT:
        return page
    larger = (size[0] * 1.25, size[1] * 1.25)
    return render_map(part, f, "16x9", "", subtitle="", lang=lang, table="none", size=larger, colour_by=colour_by)


def numbering(page, part) -> tuple[list[str], dict[str, int]]:
    """The map's numbers: by action, then id (imported ids such as IMP-… carry no action)."""
    ids = [i for _, group in page.numbered for i in group]
    action_of = dict(zip(part["id"], part["action"], strict=True))
    return ids, {rid: n + 1 for n, rid in enumerate(sorted(ids, key=lambda r: (action_of[r], r)))}
