"""Printed maps coloured by progress (三色管理): every measure in its light's colour, the legend
listing the lights on the page with their counts under 进度(截至 …), nothing overprinted.

The lights are joined without a database: ``with_lights`` over a frame of lights made here,
cycling through the codes for some measures and leaving the rest with no plan.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgb
from pdfwords import outside, overlaps, printed_words
from PIL import Image

from layers import load_actions, load_projects
from layers.exports import print_map
from layers.exports.print_furniture import legend_entries
from layers.exports.print_map import render_map, save
from layers.labels import LIGHT_WORDS
from layers.progress.lights import load_rules
from layers.progress.view import with_lights
from layers.selection.filtering import Filters

ASOF = dt.date(2020, 12, 31)
TITLES = {"zh": "进度(截至 2020年12月31日)", "en": "Progress (as of 31 December 2020)"}
CODES = ["red", "yellow", "blue", "completed", "cancelled", "stale"]


def _lights_frame(ids) -> pd.DataFrame:
    """Lights for ``ids``, cycling through ``CODES``, as ``lights_table`` would give them."""
    ids = list(ids)
    return pd.DataFrame(
        {
            "light": [CODES[i % len(CODES)] for i in range(len(ids))],
            "lag": 0.0,
            "schedule": 50.0,
            "progress": 50.0,
            "report_date": "2020-12-01",
            "overdue": [[] for _ in ids],
        },
        index=pd.Index(ids, name="id"),
    )


@pytest.fixture(scope="module")
def lit():
    """The register with lights: every other measure with a place lit, the rest no plan."""
    projects = load_projects()
    placed = projects[projects.geometry.notna() | (projects["form"] == "county")]
    return with_lights(projects, _lights_frame(placed["id"].iloc[::2]), ASOF)


def _drawn_counts(selected) -> dict[str, int]:
    placed = selected[selected.geometry.notna() | (selected["form"] == "county")]
    counts = placed["light"].value_counts()
    return {code: int(counts[code]) for code in LIGHT_WORDS if code in counts}


@pytest.fixture(scope="module", params=["zh", "en"])
def printed(request, lit, tmp_path_factory):
    lang = request.param
    page = render_map(lit, Filters(), lang=lang, asof=ASOF, colour_by="progress")
    pdf = save(page, tmp_path_factory.mktemp("lights") / f"{lang}.pdf")
    return lang, page, printed_words(pdf)


def _text(words) -> str:
    return " ".join(w[0] for w in words)


def _legend_texts(page) -> list[str]:
    legend = page.figure.axes[0].get_legend()
    return [legend.get_title().get_text(), *(t.get_text() for t in legend.get_texts())]


def test_the_legend_lists_the_lights_on_the_page_with_their_counts(printed, lit):
    lang, page, (_w, _h, words) = printed
    counts = _drawn_counts(lit)
    assert len(counts) >= 5 and counts["no_plan"] > 0  # the fixture lights most codes
    expected = [f"{LIGHT_WORDS[code][lang]} ({n})" for code, n in counts.items()]
    texts = _legend_texts(page)
    assert texts[0] == TITLES[lang]
    assert texts[1 : 1 + len(expected)] == expected  # in LIGHT_WORDS order, nothing else first
    printed_text = _text(words)
    for label in [TITLES[lang], *expected]:
        assert label in printed_text, label


def test_the_legend_names_no_action(printed, lit):
    lang, page, (_w, _h, words) = printed
    actions = load_actions()
    names = actions["name_zh" if lang == "zh" else "name_en"].tolist()
    legend = " ".join(_legend_texts(page))
    assert not any(name in legend for name in names)
    # The rows an action-coloured legend would print are nowhere on the page.
    placed = lit[lit.geometry.notna() | (lit["form"] == "county")]
    _handles, action_rows = legend_entries(placed, actions, lang)
    action_rows = [row for row in action_rows if any(name in row for name in names)]
    assert action_rows and not any(row in _text(words) for row in action_rows)


def test_a_progress_map_prints_without_overlap_and_english_has_no_chinese(printed):
    lang, _page, (width, height, words) = printed
    assert len(words) > 20
    assert overlaps(words) == []
    assert outside(words, width, height) == []
    if lang == "en":
        assert not [w[0] for w in words if re.search(r"[\u3400-\u9fff]", w[0])]


def _distance(a: str, b: str) -> int:
    """The largest difference of two colours in one channel (0-255)."""
    return max(abs(round(x * 255) - round(y * 255)) for x, y in zip(to_rgb(a), to_rgb(b), strict=True))


def _near(png, colour: str, tolerance: int = 12) -> int:
    """How many pixels of ``png`` are within ``tolerance`` of ``colour`` in each channel."""
    rgb = np.asarray(Image.open(png).convert("RGB")).astype(int)
    target = np.array([round(c * 255) for c in to_rgb(colour)])
    return int((np.abs(rgb - target) <= tolerance).all(axis=2).sum())


def test_the_png_is_drawn_in_the_lights_colours_not_the_actions(lit, tmp_path):
    rules = load_rules()
    teal = load_actions().loc[3, "colour"]  # action 3's colour, unlike every light's
    assert all(_distance(teal, rules.colour(code)) > 60 for code in LIGHT_WORDS)
    progress = save(render_map(lit, asof=ASOF, colour_by="progress"), tmp_path / "p.png", "png", dpi=60)
    for code in ("red", "yellow"):
        assert _near(progress, rules.colour(code)) > 100, code
    assert _near(progress, teal) == 0
    # The same page coloured by action shows the action's colour and no yellow light.
    by_action = save(render_map(lit, asof=ASOF), tmp_path / "a.png", "png", dpi=60)
    assert _near(by_action, teal) > 100
    assert _near(by_action, rules.colour("yellow")) == 0


def test_without_lights_every_measure_has_no_plan(tmp_path):
    projects = load_projects()
    page = render_map(projects, colour_by="progress")
    placed = projects[projects.geometry.notna() | (projects["form"] == "county")]
    texts = _legend_texts(page)
    assert texts[:2] == ["进度", f"{LIGHT_WORDS['no_plan']['zh']} ({len(placed)})"]
    assert not any(LIGHT_WORDS["red"]["zh"] in t for t in texts)


def test_a_city_wide_map_keeps_the_legend_of_its_light(tmp_path):
    """Nothing to place: the city is tinted in the light's colour, and the legend says which."""
    projects = load_projects()
    part = projects[projects["action"] == 8]
    lit = with_lights(part, _lights_frame(part["id"]).assign(light="red"), ASOF)
    page = render_map(lit, Filters((8,)), table="all", asof=ASOF, colour_by="progress")
    assert _legend_texts(page)[:2] == [TITLES["zh"], f"{LIGHT_WORDS['red']['zh']} ({len(part)})"]
    (city,) = [t for t in page.figure.axes[0].texts if t.get_text() == "全市"]
    assert to_rgb(city.get_color()) == to_rgb(load_rules().colour("red"))
    _w, _h, words = printed_words(save(page, tmp_path / "city.pdf"))
    assert overlaps(words) == []


def test_a_page_redrawn_as_a_summary_stays_coloured_by_progress(lit, monkeypatch):
    """When a number finds no place the page is drawn again as counts: still by progress."""
    real_labels, calls = print_map.labels, []

    def once_crowded(s, texts, fixed):
        calls.append(s.summary)
        return None if not s.summary else real_labels(s, texts, fixed)

    monkeypatch.setattr(print_map, "labels", once_crowded)
    page = render_map(lit, asof=ASOF, colour_by="progress")
    assert calls == [False, True]
    assert _legend_texts(page)[0] == TITLES["zh"]


def test_an_unknown_colour_by_is_refused(lit):
    with pytest.raises(ValueError, match="colour_by 'light'.*action, progress"):
        render_map(lit, colour_by="light")
