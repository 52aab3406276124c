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
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd

from layers._io import atomic_write
from layers.exports.fonts import find_cjk_font
from layers.exports.pack import (
    PACK_TEXTS,
    Contents,
    Progress,
    action_battle,
    action_filters,
    contents,
    drawn_mask,
    map_png,
    numbering,
    slide_map,
    stats_native,
    unit_battle,
)
from layers.exports.pptx_deck import GAP, STATS_SIZES, Deck, action_short_name, natural_widths
from layers.exports.pptx_progress import battle_slides, changes_slides
from layers.exports.print_page import APPROVAL, NOTES, default_title, describe_filters, footer_line, stamp_parts
from layers.geo.actions import load_actions
from layers.geo.boundaries import county_names
from layers.progress.briefing import Briefing
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
    colour_by: str = "action"


def pack_pptx(
    selected,
    path,
    filters=None,
    title=None,
    approval_no="",
    lang="zh",
    progress: Progress | None = None,
    asof: dt.date | None = None,
    briefing: Briefing | None = None,
    unit: str | None = None,
    colour_by: str = "action",
) -> Path:
    """A 16:9 deck, editable, holding what :func:`layers.exports.pack.contents` decides: a
    cover (map picture beside the table of its numbered measures), the changes since the
    last briefing, a slide per action (without a briefing: its map and the table of all its
    measures; with one: its 作战图, the map beside a native table with lights and a native
    timeline), slides per 责任单位, and the statistics as a native chart and table. Tables
    too long for a slide continue on the next. Every slide is numbered, and dated 截至
    ``asof`` (or the briefing's date) when given."""
    c = contents(selected, filters or Filters(), briefing, unit)
    asof = asof or (briefing.asof if briefing else None)
    footer = footer_line(lang) + ("。" if lang == "zh" else ". ") + NOTES[lang]
    if approval_no:
        footer += "  " + APPROVAL[lang].format(no=approval_no)
    p = _Pack(Deck(lang, find_cjk_font()), lang, load_actions(), county_names(lang), footer, colour_by)
    steps = _deck_steps(p, c, title)
    for done, (label, make) in enumerate(steps, 1):
        make()
        if progress:
            progress(done, len(steps), label)
    p.deck.number_slides(lambda n, count: stamp_parts(lang, asof, (n, count)))
    return atomic_write(path, lambda out: p.deck.prs.save(out))


def _deck_steps(p: _Pack, c: Contents, title: str | None) -> list[tuple[str, Callable]]:
    """The deck's slides in order, as (label, function adding them)."""
    b, sel, lang = c.briefing, c.selected, p.lang
    steps = []
    if c.cover:
        heading = title or default_title(lang)
        steps.append(("cover", partial(_map_slide, p, sel, c.filters, heading, (7.6, 6.6), True, c.subtitle(lang))))
    if b is not None and b.since is not None:
        titles = dict(zip(sel["id"], sel[f"title_{lang}"], strict=True))
        sub = c.subtitle(lang) or describe_filters(c.filters, len(sel), lang)
        notes = [(p.footer, 9)]
        steps.append(("changes", partial(changes_slides, p.deck, b, titles, PACK_TEXTS[lang]["changes"], sub, notes)))
    for a in c.actions:
        name = p.actions.loc[a, "name_zh" if lang == "zh" else "name_en"]
        heading = f"{p.actions.loc[a, 'symbol']} {a}. {name}" if lang == "zh" else f"{a}. {name}"
        part, f = sel[sel["action"] == a], action_filters(c.filters, a)
        if b is None:
            make = partial(_map_slide, p, part, f, heading, (7.2, 6.0), False)
        else:
            make = partial(_battle_slide, p, part, f, b, heading)
        steps.append((f"action {a}", make))
    for u in c.units:
        steps.append((f"unit {u}", partial(_unit_slide, p, sel[sel["id"].isin(b.ids_of_unit(u))], b, u, c.filters)))
    if c.stats:
        steps.append(("statistics", partial(_stats_slide, p, sel, c.filters)))
    return steps


def _battle_slide(p: _Pack, part, f: Filters, b: Briefing, heading: str) -> None:
    """An action's 作战图 slides: its map picture (if it has one), the native table and timeline."""
    rows, picture = action_battle(part, f, b, (4.4, 5.6), p.lang, p.colour_by)
    sub = describe_filters(f, len(part), p.lang)
    battle_slides(p.deck, rows, heading, sub, [(p.footer, 9)], b.asof, b.rules, picture)


def _unit_slide(p: _Pack, part, b: Briefing, unit: str, filters: Filters) -> None:
    """A 责任单位's 作战图 slides: its measures by action (numbered 1..n), no map."""
    rows, heading = unit_battle(part, b, unit, p.lang)
    sub = describe_filters(filters, len(part), p.lang)
    battle_slides(p.deck, rows, heading, sub, [(p.footer, 9)], b.asof, b.rules)


def _map_slide(
    p: _Pack, part, f: Filters, heading: str, size: tuple[float, float], cover: bool, subtitle: str | None = None
) -> None:
    """A slide of a map picture (at most ``size[0]`` inches wide) beside the native table of
    its numbered measures (an action's slide lists its unplaced measures too, numbered "–"),
    with notes on what is not numbered and the footer."""
    page = slide_map(part, f, size, p.lang, colour_by=p.colour_by)
    ids, number = numbering(page, part)
    sub = subtitle or describe_filters(f, len(part), p.lang)
    slide, body = p.deck.slide(heading, sub, _notes(p, part, ids, cover))
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
    drawn = int(drawn_mask(part).sum())
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
