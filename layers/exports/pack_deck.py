"""The briefing deck (汇报材料 PPTX): a 16:9 deck, native and editable
(:mod:`layers.exports.pptx_deck`): maps are pictures rendered without their key
(:func:`layers.exports.pack.slide_map`), everything else (titles, notes, the tables of
measures, the statistics chart and table) is PowerPoint text, tables and charts, in the
deck's language and a CJK-capable font; no table runs off a slide. Slides are numbered in a
last pass (``Deck.number_slides``).
"""

from __future__ import annotations

import datetime as dt
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from layers._io import atomic_write
from layers.exports.fonts import find_cjk_font
from layers.exports.pack import Progress, action_filters, map_png, numbering, slide_map, stats_native
from layers.exports.pptx_deck import GAP, STATS_SIZES, Deck, action_short_name, natural_widths
from layers.exports.print_page import APPROVAL, NOTES, default_title, describe_filters, footer_line, stamp_parts
from layers.geo.actions import load_actions
from layers.geo.boundaries import county_names
from layers.selection.filtering import Filters
from layers.selection.numbering import action_short, drawn_measures, table_rows, unplaced_measures


def _shorten_title(title: str, lang: str) -> str:
    """A measure's title for a slide's table: up to 24 characters in Chinese, 48 in English."""
    if lang == "zh":
        return title if len(title) <= 24 else title[:23] + "…"
    return textwrap.shorten(title, 48, placeholder="…")


@dataclass
class _Pack:
    """What every slide of a deck shares: the deck, its language, the actions, the county
    names and the footer (dates, sources, the schematic note and the approval number)."""

    deck: Deck
    lang: str
    actions: pd.DataFrame
    names: dict
    footer: str


def pack_pptx(
    selected,
    path,
    filters=None,
    title=None,
    approval_no="",
    lang="zh",
    progress: Progress | None = None,
    asof: dt.date | None = None,
) -> Path:
    """A 16:9 deck, editable: a cover (map picture beside the table of its numbered measures),
    one slide per action (map picture and the table of all its measures), and the statistics
    as a native chart and table. Tables too long for a slide continue on the next. Every
    slide is numbered, and dated 截至 ``asof`` when given."""
    filters = filters or Filters()
    footer = footer_line(lang) + ("。" if lang == "zh" else ". ") + NOTES[lang]
    if approval_no:
        footer += "  " + APPROVAL[lang].format(no=approval_no)
    p = _Pack(Deck(lang, find_cjk_font()), lang, load_actions(), county_names(lang), footer)
    total = 2 + selected["action"].nunique()
    # Cover: the map of the whole selection beside the table of its numbered measures.
    _map_slide(p, selected, filters, title or default_title(lang), (7.6, 6.6), cover=True)
    if progress:
        progress(1, total, "cover")
    for done, a in enumerate(sorted(selected["action"].unique()), 2):
        name = p.actions.loc[a, "name_zh" if lang == "zh" else "name_en"]
        heading = f"{p.actions.loc[a, 'symbol']} {a}. {name}" if lang == "zh" else f"{a}. {name}"
        part = selected[selected["action"] == a]
        _map_slide(p, part, action_filters(filters, a), heading, (7.2, 6.0), cover=False)
        if progress:
            progress(done, total, f"action {a}")
    _stats_slide(p, selected, filters)
    if progress:
        progress(total, total, "statistics")
    p.deck.number_slides(lambda n, count: stamp_parts(lang, asof, (n, count)))
    return atomic_write(path, lambda out: p.deck.prs.save(out))


def _map_slide(p: _Pack, part, f: Filters, heading: str, size: tuple[float, float], cover: bool) -> None:
    """A slide of a map picture (at most ``size[0]`` inches wide) beside the native table of
    its numbered measures (an action's slide lists its unplaced measures too, numbered "–"),
    with notes on what is not numbered and the footer."""
    page = slide_map(part, f, size, p.lang)
    ids, number = numbering(page, part)
    slide, body = p.deck.slide(heading, describe_filters(f, len(part), p.lang), _notes(p, part, ids, cover))
    rows = _key_rows(p, part[part["id"].isin(ids)], number, None if cover else part)
    png, ratio = map_png(page)
    left, top, width, height = body
    if not rows:
        p.deck.map_picture(slide, png, body)
        return
    map_w = min(size[0], height * ratio)
    p.deck.map_picture(slide, png, (left, top, map_w, height))
    p.deck.key_table(slide, rows, (left + map_w + GAP, top, width - map_w - GAP, height), heading)


def _key_rows(p: _Pack, drawn, number, part=None) -> list[list[str]]:
    """table_rows (number, title, districts), with titles cut to what a slide's table
    holds and the action by number and short name, as on the printed maps."""
    rows = table_rows(drawn, number, p.names, p.actions, p.lang, part)
    order = drawn_measures(drawn)
    if part is not None:
        order = pd.concat([order, unplaced_measures(part[~part["id"].isin(drawn["id"])])])
    if [r[0] for r in rows] == [str(number.get(i, "–")) for i in order["id"]]:  # the same order
        titles = order["title_zh" if p.lang == "zh" else "title_en"]
        for row, full, a in zip(rows, titles, order["action"], strict=True):
            row[1], row[3] = _shorten_title(str(full), p.lang), action_short(p.actions, int(a), p.lang)
    return rows


def _notes(p: _Pack, part, ids, cover: bool) -> list[tuple[str, float]]:
    """Notes under a map: measures not on it; a map too full to be numbered; the footer."""
    texts = p.deck.texts
    drawn = int((part.geometry.notna() | (part["form"] == "county")).sum())  # as render_map draws
    out = [(texts["unnumbered"].format(n=drawn), 10)] if drawn and not ids else []
    if drawn < len(part) and (cover or ids or not drawn):  # (a map too full to number has no "–" rows)
        out.append((texts["rest"].format(n=len(part) - drawn) if cover else texts["unplaced"], 10))
    return [*out, (p.footer, 9)]


def _stats_slide(p: _Pack, selected, filters: Filters) -> None:
    """Statistics: a stacked bar chart and the same numbers as a table (districts × actions),
    the table as wide as its content at the largest size (at most 55 % of the width)."""
    deck, texts, actions, lang = p.deck, p.deck.texts, p.actions, p.lang
    categories, per_action, district_totals, action_totals, grand = stats_native(selected, lang)
    slide, body = deck.slide(
        texts["stats"], describe_filters(filters, len(selected), lang), [(texts["count_note"], 10)]
    )
    header = [texts["district"], *(action_short_name(actions, a, lang) for a, _ in per_action), texts["total"]]
    rows = [
        [label, *(str(v[i]) if v[i] else "" for _, v in per_action), str(district_totals[i])]
        for i, label in enumerate(categories)
    ]
    rows.append([texts["total"], *(str(v) for v in action_totals), str(grand)])
    left, top, width, height = body
    table_w = min(sum(natural_widths(header, rows, STATS_SIZES[0])), 0.55 * width)
    chart_w = width - table_w - GAP
    series = [(action_short_name(actions, a, lang), actions.loc[a, "colour"], v) for a, v in per_action]
    deck.stats_chart(slide, categories, series, (left, top, chart_w, height))
    deck.table(
        slide,
        header,
        rows,
        (left + chart_w + GAP, top, table_w, height),
        STATS_SIZES,
        texts["stats"],
        centred=tuple(range(1, len(header))),
        totals=True,
    )
