import re
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from pdfwords import overlaps, printed_words
from PIL import Image

from layers import load_projects
from layers.exports.print_map import render_map, save
from layers.exports.print_page import DEFAULT_TITLE, SCHEMATIC_NOTE, describe_filters
from layers.geo.coords import GK_CRS
from layers.selection.filtering import Filters, filter_projects


@pytest.fixture(scope="module")
def projects():
    return load_projects()


@pytest.fixture(scope="module")
def page(projects):
    p = render_map(projects, Filters(), approval_no="鲁SG(2026)001号")
    yield p


def figure_texts(page):
    from matplotlib.text import Text

    return [t.get_text() for t in page.figure.findobj(Text)]


def test_page_carries_title_filters_note_source_and_approval(page, projects):
    texts = " ".join(figure_texts(page))
    for needle in (
        DEFAULT_TITLE,
        describe_filters(Filters(), len(projects)),
        SCHEMATIC_NOTE,
        "审图号:鲁SG(2026)001号",
        "数据日期",
        "齐鲁晚报",
        "北 N",
        "km",
        "图例",
    ):
        assert needle in texts, needle


def test_every_drawn_measure_is_numbered_once(page, projects):
    drawn = set(projects.loc[projects.geometry.notna() | (projects["form"] == "county"), "id"])
    ids = [i for _, group in page.numbered for i in group]
    assert sorted(ids) == sorted(drawn)
    numbers = [int(n) for text, _ in page.numbered for n in text.split(",")]
    assert sorted(numbers) == list(range(1, len(drawn) + 1))


def test_labels_do_not_collide(page):
    boxes = page.label_boxes
    assert len(boxes) == len(page.numbered)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)


def test_map_axes_are_gauss_kruger_metres_so_the_scale_bar_is_true(page, projects):
    ax = page.figure.axes[0]
    assert ax.get_aspect() == 1.0
    x0, x1 = ax.get_xlim()
    from layers import load_counties

    cminx, _, cmaxx, _ = load_counties().to_crs(GK_CRS).total_bounds
    assert x0 < cminx < cmaxx < x1 and 150_000 < x1 - x0 < 250_000  # metres, not degrees


def test_png_is_300_dpi_a4_and_not_blank(page, tmp_path):
    path = save(page, tmp_path / "map.png")
    with Image.open(path) as img:
        assert img.size == (3507, 2481)
        assert round(img.info["dpi"][0]) == 300
        arr = np.asarray(img.convert("L"))
    assert arr.std() > 10 and (arr < 128).mean() > 0.01


def test_16x9_layout(projects, tmp_path):
    p = render_map(projects, Filters(actions=(4,)), layout="16x9")
    path = save(p, tmp_path / "m.png", dpi=100)
    with Image.open(path) as img:
        assert img.size == (1333, 750)


def pdf_fonts(path):
    raw = path.read_bytes()
    return set(re.findall(rb"/BaseFont /([A-Z]{6}\+[^\s/]+)", raw)), raw.count(b"/FontFile2")


def test_pdf_embeds_the_cjk_font(page, tmp_path):
    path = save(page, tmp_path / "map.pdf")
    fonts, embedded = pdf_fonts(path)
    assert embedded >= 1
    assert any(re.search(rb"(WenQuanYi|NotoSansCJK|SourceHan|YaHei|SimHei)", f) for f in fonts), fonts


def test_pdffonts_agrees_if_available(page, tmp_path):
    import shutil

    if not shutil.which("pdffonts"):
        import os

        assert not os.environ.get("CI"), ".ci/run must install poppler-utils"
        pytest.skip("poppler-utils not installed")
    path = save(page, tmp_path / "map.pdf")
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    cjk = [line for line in out.splitlines() if re.search(r"WenQuanYi|NotoSansCJK|SourceHan|YaHei|SimHei", line)]
    assert cjk and all(" yes " in line for line in cjk)


def test_svg_draws_chinese_as_outlines(page, tmp_path):
    path = save(page, tmp_path / "map.svg")
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    text = path.read_text(encoding="utf-8")
    assert "<text" not in text  # glyphs are paths: no font needed to show them
    assert text.count("<path") > 100


def test_no_missing_glyph_warnings(projects, recwarn):
    p = render_map(projects, Filters(q="尼山"), title="测试标题:济宁“十大攻坚行动”(二〇二〇)")
    p.figure.canvas.draw()
    assert not [w for w in recwarn if "missing from" in str(w.message).lower()]


def test_missing_cjk_font_says_what_to_install(monkeypatch):
    from layers.exports import fonts

    fonts.find_cjk_font.cache_clear()
    monkeypatch.setattr(fonts, "CJK_FAMILIES", ("No Such Font SC",))
    try:
        with pytest.raises(fonts.FontNotFoundError, match="fonts-noto-cjk"):
            fonts.find_cjk_font()
    finally:
        fonts.find_cjk_font.cache_clear()


def test_district_selection_zooms_to_the_district(projects):
    f = Filters(actions=(4,), districts=("370828",))
    p = render_map(filter_projects(projects, f), f)
    x0, x1 = p.figure.axes[0].get_xlim()
    assert x1 - x0 < 60_000  # Jinxiang County is about 45 km across


def test_a_cjk_font_installed_after_the_first_run_is_found(monkeypatch):
    """Regression: matplotlib kept its cached font list, so a font installed later was never found."""
    from matplotlib import font_manager

    from layers.exports.fonts import CJK_FAMILIES, find_cjk_font

    fm = font_manager.fontManager
    cjk = [f for f in fm.ttflist if f.name in CJK_FAMILIES]
    assert cjk, "the tests need a CJK font (apt-get install fonts-wqy-zenhei)"
    # matplotlib's cached list as it was before the font files were installed:
    files = {f.fname for f in cjk}
    monkeypatch.setattr(fm, "ttflist", [f for f in fm.ttflist if f.fname not in files])
    find_cjk_font.cache_clear()
    try:
        assert find_cjk_font() in CJK_FAMILIES
        assert any(f.name in CJK_FAMILIES for f in fm.ttflist)
    finally:
        find_cjk_font.cache_clear()


def test_no_cjk_font_is_one_sentence_in_the_ui_language(monkeypatch):
    from matplotlib import font_manager

    from layers.exports.fonts import CJK_FAMILIES, FontNotFoundError, find_cjk_font

    fm = font_manager.fontManager
    monkeypatch.setattr(fm, "ttflist", [f for f in fm.ttflist if f.name not in CJK_FAMILIES])
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [])
    find_cjk_font.cache_clear()
    try:
        with pytest.raises(FontNotFoundError, match="fonts-noto-cjk"):
            find_cjk_font()
        assert "fonts-wqy-zenhei" in FontNotFoundError.MESSAGE["zh"] and "install" in FontNotFoundError.MESSAGE["en"]
    finally:
        find_cjk_font.cache_clear()


def test_the_legend_shows_only_what_is_drawn_in_the_maps_style():
    """Regressions: a point symbol for action 4, which has no points; no symbol for county tints;
    '虚线' beside a solid line."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from layers import load_actions
    from layers.exports.print_furniture import legend_entries

    projects = load_projects()
    actions = load_actions()
    drawn = projects[projects.geometry.notna() | (projects["form"] == "county")]
    handles, labels = legend_entries(drawn[drawn["action"] == 4], actions, "zh")
    (row,) = [h for h, lab in zip(handles, labels, strict=True) if lab.startswith("乡 4.")]
    assert not any(isinstance(h, Line2D) and h.get_marker() == "o" for h in row)  # no points in action 4
    assert any(isinstance(h, Line2D) and h.get_linestyle() != "-" for h in row)  # its lines, dashed
    assert any(isinstance(h, Patch) for h in row)  # its areas
    assert not any("空心" in lab for lab in labels)  # no approximate points drawn
    handles, labels = legend_entries(drawn[drawn["action"] == 2], actions, "zh")
    (row,) = [h for h, lab in zip(handles, labels, strict=True) if lab.startswith("文 2.")]
    assert any(isinstance(h, Line2D) and h.get_marker() == "o" for h in row)
    assert any(isinstance(h, Patch) and h.get_alpha() == 0.15 for h in row)  # the county tint (曲阜市)
    assert any("空心" in lab for lab in labels)
    dashed = handles[labels.index("虚线:示意线/范围")]
    assert dashed.get_linestyle() != "-"
    assert "水面、河流与运河" in labels and "市界" in labels


def test_an_action_with_nothing_to_place_gets_a_small_tinted_city_map_and_a_wide_table(tmp_path):
    """Regression: packs had pages of empty county maps for city-wide actions."""
    projects = load_projects()
    part = projects[projects["action"] == 8]
    assert part.geometry.isna().all()
    page = render_map(part, Filters((8,)), "a4", "8.", table="all")
    map_width = page.figure.axes[0].get_position().width
    pdf = save(page, tmp_path / "a8.pdf")
    width, height, words = printed_words(pdf)
    assert "全市" in {w[0] for w in words}
    # A small map, and a wide table that starts left of the page's middle.
    header = [w for w in words if w[0] == "序号"]
    assert map_width < 0.35 and header and header[0][1] < 0.4 * width
    assert overlaps(words) == []
