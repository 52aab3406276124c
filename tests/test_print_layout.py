"""Printed maps never overprint: every word pdftotext finds on the page has a box of its
own, and every box lies on the page. Rendered for A4 and 16:9, Chinese and English, the
real register (all actions, then each action) and a synthetic register of 1,000 measures.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd
import pytest
from pdfwords import outside, overlaps, printed_words

from layers import load_projects
from layers.exports.print_map import KEY_LIMIT, render_map, save
from layers.exports.print_page import OVERFLOW_NOTE
from layers.geo.boundaries import county_names
from layers.selection.filtering import Filters, filter_projects

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from synthetic import synthetic_projects  # noqa: E402

LAYOUTS = ["a4", "16x9"]
LANGS = ["zh", "en"]


@pytest.fixture(scope="module")
def real():
    return load_projects()


@pytest.fixture(scope="module")
def synthetic():
    return synthetic_projects(1000)


def _printed(tmp_path, selected, filters, layout, lang):
    page = render_map(selected, filters, layout, lang=lang)
    pdf = save(page, tmp_path / f"{layout}-{lang}.pdf")
    return page, printed_words(pdf)


def _assert_clean(words_page, what):
    width, height, words = words_page
    assert len(words) > 20, what
    assert overlaps(words) == [], what
    assert outside(words, width, height) == [], what


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("lang", LANGS)
def test_the_whole_register_prints_without_overlap(tmp_path, real, layout, lang):
    page, printed = _printed(tmp_path, real, Filters(), layout, lang)
    _assert_clean(printed, (layout, lang))
    # Every placed measure is numbered on the map and keyed in full: nothing cut with "…".
    words = [w[0] for w in printed[2]]
    assert not any("…" in w for w in words)
    assert page.overflow == []


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("action", range(1, 11))
def test_each_actions_map_prints_without_overlap(tmp_path, real, layout, lang, action):
    part = real[real["action"] == action]
    _page, printed = _printed(tmp_path, part, Filters(actions=(action,)), layout, lang)
    _assert_clean(printed, (layout, lang, action))


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("lang", LANGS)
def test_a_thousand_measures_print_without_overlap_as_counts(tmp_path, synthetic, layout, lang):
    page, printed = _printed(tmp_path, synthetic, Filters(), layout, lang)
    _assert_clean(printed, (layout, lang))
    # Too many to number: no numbers on the map, and the key counts the measures per action.
    assert page.numbered == []
    text = " ".join(w[0] for w in printed[2])
    drawn = int((synthetic.geometry.notna() | (synthetic["form"] == "county")).sum())
    assert drawn > KEY_LIMIT and str(drawn) in text and str(len(synthetic)) in text


def test_a_long_key_continues_instead_of_overprinting(tmp_path):
    """A pack page lists every measure of its selection, placed or not: with 80 of them the
    key has more rows than the page holds. The rest is returned (the pack continues it) and
    the page says how many are left, on a line of its own."""
    many = synthetic_projects(2000)
    placed = many[many.geometry.notna()].head(5)
    citywide = many[many["form"] == "city"].head(75)
    sel = pd.concat([placed, citywide])
    page = render_map(sel, Filters(), "a4", lang="zh", table="all")
    pdf = save(page, tmp_path / "long.pdf")
    printed = printed_words(pdf)
    _assert_clean(printed, "long key")
    assert page.overflow, "80 rows should not fit one A4 column"
    text = "".join(w[0] for w in printed[2])
    assert OVERFLOW_NOTE["zh"].format(n=len(page.overflow)).replace(" ", "") in text
    # The placed ones come first, numbered; every row not shown is in the overflow.
    shown = [w[0] for w in printed[2] if w[0].isdigit() and 1 <= int(w[0]) <= 5]
    assert sorted(set(shown)) == [str(n) for n in range(1, 6)]
    assert all(r[0] == "–" for r in page.overflow)
    assert len(page.overflow) < len(sel)


def test_a_crowded_map_counts_instead_of_overprinting(tmp_path):
    """80 measures scattered at random: where a number finds no free place, the page does
    not print it over something else; it shows the counts per action instead."""
    many = synthetic_projects(400)
    placed = many[many.geometry.notna()].head(KEY_LIMIT)
    page, printed = _printed(tmp_path, placed, Filters(), "a4", "zh")
    _assert_clean(printed, "crowded")
    if page.numbered:  # every number found a place: each measure is numbered once
        assert sorted(i for _, ids in page.numbered for i in ids) == sorted(placed["id"])
    else:
        text = "".join(w[0] for w in printed[2])
        assert "合计" in text and str(len(placed)) in text


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("district", sorted(county_names("zh")))
def test_each_districts_zoomed_map_prints_without_overlap_and_has_a_locator(tmp_path, real, layout, lang, district):
    """A zoomed view: town names where there is room, numbers for what is in view, the
    locator in its emptiest corner, and no text hidden under the key (clipped text stays in
    a PDF's text layer)."""
    f = Filters(districts=(district,))
    page, printed = _printed(tmp_path, filter_projects(real, f), f, layout, lang)
    _assert_clean(printed, (layout, lang, district))
    assert len(page.figure.axes) >= 2  # the map and its locator


def test_a_pack_continues_a_long_key_on_the_next_pages(tmp_path):
    """An action with 160 measures, most with no single place: its page keys what fits and
    says the rest continues; the next pages carry on, header repeated, until every measure
    is listed exactly once. No page overprints."""
    import subprocess

    from layers.exports.pack import pack_pdf

    many = synthetic_projects(4000)
    many["action"] = 8
    sel = pd.concat([many[many.geometry.notna()].head(5), many[many["form"] == "city"].head(155)])
    pdf = pack_pdf(sel, tmp_path / "pack.pdf", Filters((8,)), "a4", lang="zh")
    pages = int(
        re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout)[1]
    )
    # One action: no cover and no statistics (they would repeat its page); the action's page
    # and at least one continuation page.
    assert pages >= 2
    text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True).stdout.replace("\n", "")
    assert "措施数量" not in text
    for title in sel["title_zh"]:  # 合成项目12号 is not inside 合成项目112号: each once per listing
        assert text.count(title) == 1, title  # on the action's page or its continuation, once
    assert "续见下页" in text and "(续)" in text
    for page in range(1, pages + 1):
        one = tmp_path / f"p{page}.pdf"
        subprocess.run(["pdfseparate", "-f", str(page), "-l", str(page), pdf, one], check=True)
        width, height, words = printed_words(one)
        assert overlaps(words) == [] and outside(words, width, height) == [], page


def _page_words(pdf, page, tmp_path):
    """The words of one page of a PDF, with its size (pdfseparate, then pdftotext)."""
    import subprocess

    one = tmp_path / f"page{page}.pdf"
    subprocess.run(["pdfseparate", "-f", str(page), "-l", str(page), pdf, one], check=True)
    return printed_words(one)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("lang", LANGS)
def test_every_pack_page_says_as_of_and_its_number_without_overprinting(tmp_path, real, layout, lang):
    """Every page of a pack (maps, continued keys, statistics) ends with 截至 the date and
    第 n 页 / 共 N 页 (As of …, Page n of N) at the right of its foot, overlapping nothing."""
    import datetime as dt
    import subprocess

    from layers.exports.pack import pack_pdf

    f = Filters(actions=(2, 4))
    pdf = pack_pdf(filter_projects(real, f), tmp_path / "pack.pdf", f, layout, lang=lang, asof=dt.date(2020, 9, 30))
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout
    total = int(re.search(r"Pages:\s+(\d+)", info)[1])
    assert total >= 4  # cover, two actions, statistics
    asof = "截至2020年9月30日" if lang == "zh" else "As of 30 September 2020"
    for n in range(1, total + 1):
        width, height, words = _page_words(pdf, n, tmp_path)
        stamp = [w for w in words if w[2] > 0.95 * height and w[1] > 0.5 * width]  # the foot's right
        others = [w for w in words if w not in stamp]
        assert [(s[0], o[0]) for s in stamp for o in others if overlaps([s, o])] == [], (layout, lang, n)
        assert overlaps(stamp) == [] and outside(stamp, width, height) == [], (layout, lang, n)
        # The English statistics table's longest action name (2. Cultural Creative
        # Transformation …) wraps in its column, within the page.
        assert overlaps(words) == [] and outside(words, width, height) == [], (layout, lang, n)
        if lang == "zh":
            text = "".join(w[0] for w in words)
            assert asof in text and f"第{n}页/共{total}页" in text, n
        else:
            text = " ".join(w[0] for w in words)
            assert asof in text and f"Page {n} of {total}" in text, n
        # The stamp sits at the page's foot, on its right, and holds both texts.
        said = "".join(w[0] for w in stamp) if lang == "zh" else " ".join(w[0] for w in stamp)
        assert asof in said and (f"第{n}页" if lang == "zh" else f"Page {n} of") in said, n


def _action_pages(tmp_path, real, lang):
    """The words of the two action pages (map and key) of a pack of actions 2 and 10."""
    from layers.exports.pack import pack_pdf

    f = Filters(actions=(2, 10))
    pdf = pack_pdf(filter_projects(real, f), tmp_path / "pack.pdf", f, "a4", lang=lang)
    return [[w[0] for w in _page_words(pdf, n, tmp_path)[2]] for n in (2, 3)]


def test_a_packs_action_column_never_breaks_an_action_name(tmp_path, real):
    """The key's action column is as wide as its longest name: 10. 开发区改革 is never printed
    as 开发区改 over 革."""
    texts = [t for page in _action_pages(tmp_path, real, "zh") for t in page]
    assert sum("开发区改革" in t for t in texts) > 10  # the title, the subtitle, the key's rows
    assert all("开发区改革" in t for t in texts if "开发区改" in t)
    assert "革" not in texts and "改" not in texts


@pytest.mark.parametrize("lang", LANGS)
def test_a_packs_keys_print_precision(tmp_path, real, lang):
    """Every key of a pack has a precision column, 精度(±km) / ±km: ±0.05, ±12.5, — when unknown."""
    for texts in _action_pages(tmp_path, real, lang):
        assert ("精度(±km)" if lang == "zh" else "±km") in texts
        assert any(re.fullmatch(r"±[\d.]+", t) for t in texts)


def test_precision_reads_as_plus_minus_km_in_keys_and_details():
    from layers.selection.details import measure_details
    from layers.selection.numbering import precision_km

    assert precision_km(50) == "±0.05" and precision_km(12500) == "±12.5"
    assert precision_km(None) == precision_km(float("nan")) == precision_km(0) == ""
    rec = load_projects().iloc[0].copy()
    rec["precision_m"] = 12500
    assert dict(measure_details(rec, "en"))["Precision"].endswith("(±12.5 km)")
    assert dict(measure_details(rec, "zh"))["位置精度"].endswith("(±12.5 km)")
