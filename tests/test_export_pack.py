import datetime as dt
import re
import subprocess
import sys

import pytest
from pptx import Presentation

from layers import load_projects
from layers.exports.html_page import render_html
from layers.exports.pack import pack_pdf
from layers.exports.pack_deck import pack_pptx
from layers.selection.filtering import Filters, filter_projects


@pytest.fixture(scope="module")
def selection():
    f = Filters(actions=(2, 4, 10))
    return filter_projects(load_projects(), f), f


def title_of(slide) -> str:
    return next(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)


def is_continued(slide) -> bool:
    return title_of(slide).endswith(("(续)", " (continued)"))


def test_pptx_has_cover_one_slide_per_action_and_statistics(selection, tmp_path):
    sel, f = selection
    steps = []
    path = pack_pptx(sel, tmp_path / "deck.pptx", f, progress=lambda d, n, label: steps.append((d, n)))
    prs = Presentation(path)
    slides = [s for s in prs.slides if not is_continued(s)]  # tables too long continue on extra slides
    assert len(slides) == 1 + 3 + 1
    titles = [title_of(s) for s in slides[1:4]]
    assert [t.split(" ", 1)[1] for t in titles] == [
        "2. 文化“两创”攻坚行动",
        "4. 乡村振兴攻坚行动",
        "10. 开发区改革攻坚行动",
    ]
    tables = [sh.table for sh in slides[2].shapes if sh.has_table]
    assert len(tables) == 1
    rows = [[c.text for c in r.cells] for r in tables[0].rows]
    assert rows[0] == ["序号", "措施", "县市区", "行动", "精度(±km)"]
    assert len(rows) - 1 == (sel["action"] == 4).sum()  # every measure of the action, placed or not
    assert steps[-1] == (5, 5)
    assert prs.slide_width > prs.slide_height  # 16:9


def test_pdf_pack_pages(selection, tmp_path):
    sel, f = selection
    path = pack_pdf(sel, tmp_path / "pack.pdf", f)
    raw = path.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page\b", raw))
    assert pages == 1 + 3 + 1
    assert b"/FontFile2" in raw


def test_html_inlines_leaflet_and_loads_nothing(selection):
    sel, f = selection
    page = render_html(sel, f)
    assert "<script src=" not in page and '<link rel="stylesheet"' not in page
    assert "L.map(" in page and "leaflet-container" in page  # Leaflet itself and its CSS are inside
    assert "data:image/png;base64" in page  # the layer-control icon
    assert not re.search(r'<(?:script|img|link)[^>]+(?:src|href)="https?://', page)


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "layers", "export", *args], capture_output=True, text=True, timeout=300
    )


def test_cli_exports_a_filtered_geojson(tmp_path):
    import geopandas as gpd

    out = tmp_path / "x.geojson"
    res = run_cli("--format", "geojson", "--action", "4,10", "--district", "370828", "--out", str(out))
    assert res.returncode == 0, res.stderr
    back = gpd.read_file(out)
    assert set(back["action"]) <= {4, 10} and "A04-11" in set(back["id"])


@pytest.mark.parametrize(
    "args, message",
    [
        (["--format", "png", "--action", "12", "--out", "x.png"], "action=12"),
        (["--format", "png", "--district", "999999", "--out", "x.png"], "district=999999"),
        (["--format", "bmp", "--out", "x.bmp"], "invalid choice: 'bmp'"),
        (["--format", "csv", "--crs", "mars", "--out", "x.csv"], "invalid choice: 'mars'"),
        (["--format", "png", "--layout", "a3", "--out", "x.png"], "invalid choice: 'a3'"),
        (["--format", "png", "--q", "没有这样的措施", "--out", "x.png"], "no measure matches"),
        (["--format", "png"], "--out"),
    ],
)
def test_cli_bad_arguments_fail_clearly(tmp_path, args, message):
    args = [str(tmp_path / a) if a.startswith("x.") else a for a in args]
    res = run_cli(*args)
    assert res.returncode == 2
    assert message in res.stderr
    assert not any(tmp_path.iterdir())


def test_the_cli_warns_when_a_map_would_be_empty(tmp_path):
    res = run_cli("--format", "png", "--action", "8", "--out", str(tmp_path / "a.png"))
    assert res.returncode == 0 and "warning: none of the" in res.stderr
    res = run_cli("--format", "png", "--action", "4", "--out", str(tmp_path / "b.png"))
    assert res.returncode == 0 and "warning" not in res.stderr


# --- The native deck: chart, tables, fonts, language, nothing off the slide -------------------

CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
#: Jining's county-level divisions in the official order (任城区 first, 邹城市 last).
OFFICIAL_ORDER = [
    "任城区",
    "兖州区",
    "微山县",
    "鱼台县",
    "金乡县",
    "嘉祥县",
    "汶上县",
    "泗水县",
    "梁山县",
    "曲阜市",
    "邹城市",
]


@pytest.fixture(scope="module")
def decks(selection, tmp_path_factory):
    """The selection's deck in Chinese and in English (as of 30 September 2020), and the whole
    register's (95 measures, no date)."""
    sel, f = selection
    out = tmp_path_factory.mktemp("decks")
    return {
        "zh": (sel, Presentation(pack_pptx(sel, out / "zh.pptx", f, lang="zh", asof=ASOF))),
        "en": (sel, Presentation(pack_pptx(sel, out / "en.pptx", f, lang="en", asof=ASOF))),
        "all": (load_projects(), Presentation(pack_pptx(load_projects(), out / "all.pptx", Filters()))),
    }


def table_cells(table):
    return [[c.text for c in row.cells] for row in table.rows]


def runs(prs):
    """Every run of text the deck's own shapes hold: text boxes and table cells."""
    for slide in prs.slides:
        for sh in slide.shapes:
            frames = [sh.text_frame] if sh.has_text_frame else []
            if sh.has_table:
                frames += [c.text_frame for row in sh.table.rows for c in row.cells]
            for tf in frames:
                for p in tf.paragraphs:
                    yield from p.runs


def native_texts(prs):
    """All text the deck writes itself: text boxes, table cells, chart categories and series."""
    for slide in prs.slides:
        for sh in slide.shapes:
            if sh.has_text_frame:
                yield sh.text_frame.text
            if sh.has_table:
                yield from (c for row in table_cells(sh.table) for c in row)
            if sh.has_chart:
                yield from (str(c) for c in sh.chart.plots[0].categories)
                yield from (s.name for s in sh.chart.series)


def stats_slide(prs):
    (slide,) = [s for s in prs.slides if any(sh.has_chart for sh in s.shapes)]
    return slide


def districts_of(rec) -> int:
    """How many district columns a measure counts in: its counties, or 全市/市外."""
    return len([c for c in str(rec.county_adcodes or "").split(",") if c]) + (rec.form in ("city", "outside"))


def test_pptx_statistics_are_a_native_chart_and_table(decks):
    sel, prs = decks["zh"]
    slide = stats_slide(prs)
    assert not any(sh.shape_type == 13 for sh in slide.shapes)  # no picture: the chart is native
    chart = next(sh.chart for sh in slide.shapes if sh.has_chart)
    categories = list(chart.plots[0].categories)
    assert categories == [*OFFICIAL_ORDER, "全市", "市外"]  # official order, no 合计 bar
    assert categories != sorted(categories)
    actions = sorted(sel["action"].unique())
    assert [s.name for s in chart.series] == ["2 文化“两创”", "4 乡村振兴", "10 开发区改革"]
    values = {a: list(s.values) for a, s in zip(actions, chart.series, strict=True)}
    # A measure counts once in every district it touches (and once as 全市 or 市外): each series
    # sums to its action's measures counted that way; the one-district measures sum to themselves.
    for a in actions:
        part = sel[sel["action"] == a]
        assert sum(values[a]) == sum(districts_of(r) for r in part.itertuples())
    extra = sum(districts_of(r) - 1 for r in sel.itertuples())  # a second, third … district
    assert extra > 0 and sum(sum(v) for v in values.values()) == len(sel) + extra

    (table,) = [sh.table for sh in slide.shapes if sh.has_table]
    rows = table_cells(table)
    assert rows[0] == ["县市区", "2 文化“两创”", "4 乡村振兴", "10 开发区改革", "合计"]
    assert [r[0] for r in rows[1:]] == [*categories, "合计"]
    number = [[int(c) if c else 0 for c in r[1:]] for r in rows[1:]]
    for i, _ in enumerate(categories):  # the table holds the chart's numbers
        assert number[i][:-1] == [values[a][i] for a in actions]
        assert number[i][-1] == sum(values[a][i] for a in actions)
    totals = number[-1]
    assert totals[:-1] == [int((sel["action"] == a).sum()) for a in actions]  # measures counted once
    assert totals[-1] == len(sel)
    sizes = [r.font.size.pt for row in table.rows for c in row.cells for p in c.text_frame.paragraphs for r in p.runs]
    assert sizes and min(sizes) >= 10


def test_pptx_cover_is_a_map_without_its_key_and_a_native_table(decks, selection, monkeypatch, tmp_path):
    import layers.exports.pack as pack
    from layers.exports.pack_deck import pack_pptx
    from layers.geo.actions import load_actions
    from layers.selection.numbering import action_short

    sel, prs = decks["zh"]
    slides = list(prs.slides)
    cover = slides[0]
    assert title_of(cover) == "济宁市“十大攻坚行动”重点项目分布图"
    assert sum(sh.shape_type == 13 for sh in cover.shapes) == 1  # one picture: the map
    rows = []
    for slide in [cover, *[s for s in slides[1:] if title_of(s) == title_of(cover) + "(续)"]]:
        for sh in slide.shapes:
            if sh.has_table:
                cells = table_cells(sh.table)
                assert cells[0] == ["序号", "措施", "县市区", "行动", "精度(±km)"]
                rows += cells[1:]
    drawn = sel[sel.geometry.notna() | (sel["form"] == "county")].sort_values(["action", "id"])
    assert [r[0] for r in rows] == [str(n) for n in range(1, len(drawn) + 1)]  # numbered as on the map
    for row, rec in zip(rows, drawn.itertuples(), strict=True):
        assert rec.title_zh.startswith(row[1].rstrip("…"))
        # The action by number and short name, as on the printed maps: never a bare code.
        assert row[3] == action_short(load_actions(), rec.action, "zh")
        assert row[3].startswith(f"{rec.action}. ") and len(row[3]) > 4

    calls = []
    real = pack.render_map
    monkeypatch.setattr(pack, "render_map", lambda *a, **k: calls.append(k) or real(*a, **k))
    pack_pptx(sel, tmp_path / "spy.pptx", selection[1])
    assert all(k.get("table") == "none" for k in calls)  # no key drawn into any picture


def test_pptx_shapes_stay_on_the_slide(decks):
    for _, prs in decks.values():
        w, h = prs.slide_width, prs.slide_height
        for n, slide in enumerate(prs.slides, 1):
            for sh in slide.shapes:
                assert sh.left >= 0 and sh.top >= 0, (n, sh.name)
                assert sh.left + sh.width <= w and sh.top + sh.height <= h, (n, sh.name)
                if sh.has_table:  # the rows as laid out fill the frame and no more
                    assert sum(r.height for r in sh.table.rows) <= sh.height, (n, sh.name)
                    assert sum(c.width for c in sh.table.columns) <= sh.width + 10, (n, sh.name)
                    assert_rows_hold_their_text(sh.table)
        sizes = [r.font.size.pt for r in runs(prs)]
        assert min(sizes) >= 9


def assert_rows_hold_their_text(table):
    """A row is never shorter than its text (else PowerPoint grows it past the slide's
    edge): at least one line of 1.2 × the font size plus the cell margins, and as many
    lines as a cell of Chinese needs (each character one em wide) in its column."""
    from pptx.util import Pt

    for row in table.rows:
        for cell, col in zip(row.cells, table.columns, strict=True):
            size = max((r.font.size.pt for p in cell.text_frame.paragraphs for r in p.runs), default=0)
            text = cell.text
            usable = (col.width - cell.margin_left - cell.margin_right) / Pt(1)
            lines = -(-len(text) * size // usable) if text and all(CJK.search(c) for c in text) else 1
            need = Pt(lines * size * 1.2) + cell.margin_top + cell.margin_bottom
            assert row.height >= need, (text, row.height, need)


def test_pptx_text_uses_a_cjk_font(decks):
    from lxml import etree

    from layers.exports.fonts import find_cjk_font

    family = find_cjk_font()
    _, prs = decks["zh"]
    checked = 0
    for run in runs(prs):
        assert run.font.name == family
        (ea,) = run._r.xpath("./a:rPr/a:ea")
        assert ea.get("typeface") == family
        checked += 1
    assert checked > 50
    chart = next(sh.chart for sh in stats_slide(prs).shapes if sh.has_chart)
    xml = etree.tostring(chart._chartSpace).decode()
    assert f'<a:ea typeface="{family}"' in xml and f'<a:latin typeface="{family}"' in xml


def test_pptx_follows_the_decks_language(decks):
    _, en = decks["en"]
    texts = list(native_texts(en))
    assert texts and not [t for t in texts if CJK.search(t)]  # titles come from title_en
    chart = next(sh.chart for sh in stats_slide(en).shapes if sh.has_chart)
    assert list(chart.plots[0].categories)[:2] == ["Rencheng", "Yanzhou"]
    assert [s.name for s in chart.series][1] == "4 Rural revival"
    tables = [table_cells(sh.table) for s in en.slides for sh in s.shapes if sh.has_table]
    assert tables[0][0] == ["No.", "Measure", "District", "Action", "±km"]
    assert tables[-1][0][0] == "District" and tables[-1][-1][0] == "Total"

    _, zh = decks["zh"]
    latin = re.compile(r"[A-Za-z]")
    own = [title_of(s) for s in zh.slides]  # titles, subtitles, headers, chart labels: no English
    own += [sh.text_frame.text for s in zh.slides for sh in s.shapes if sh.name == "Subtitle"]
    own += [c for s in zh.slides for sh in s.shapes if sh.has_table for c in table_cells(sh.table)[0]]
    chart = next(sh.chart for sh in stats_slide(zh).shapes if sh.has_chart)
    own += [str(c) for c in chart.plots[0].categories] + [s.name for s in chart.series]
    assert not [t for t in own if latin.search(t.replace("(±km)", ""))]  # km: the unit's symbol


def test_a_long_selection_continues_its_tables(decks):
    everything, prs = decks["all"]
    slides = list(prs.slides)
    cover = slides[0]
    continued = [s for s in slides if is_continued(s)]
    assert continued and title_of(slides[1]) == title_of(cover) + "(续)"
    assert len(slides) == 1 + 10 + 1 + len(continued)
    numbers = [
        r[0]
        for s in [cover, *continued]
        if title_of(s).startswith(title_of(cover))
        for sh in s.shapes
        if sh.has_table
        for r in table_cells(sh.table)[1:]
    ]
    drawn = everything[everything.geometry.notna() | (everything["form"] == "county")]
    assert numbers == [str(n) for n in range(1, len(drawn) + 1)]  # every row once, in order


def test_a_table_too_long_for_one_slide_continues_with_its_header():
    from pptx.util import Inches

    from layers.exports.fonts import find_cjk_font
    from layers.exports.pptx_deck import Deck as _Deck

    deck = _Deck("zh", find_cjk_font())
    slide, body = deck.slide("标题", "说明")
    rows = [
        [str(i), f"第{i}项措施的名称相当长" * 2, "任城区、兖州区、微山县、鱼台县", "乡4", "±0.5"] for i in range(1, 121)
    ]
    body = (body[0], body[1], 4.5, body[3])  # narrow, as beside a map: titles and districts wrap
    shapes = deck.key_table(slide, rows, body, "标题")
    slides = list(deck.prs.slides)
    assert len(slides) > 2 and all(title_of(s) == "标题(续)" for s in slides[1:])
    got = [r for sh in shapes for r in table_cells(sh.table)[1:]]
    assert got == rows
    assert all(table_cells(sh.table)[0] == ["序号", "措施", "县市区", "行动", "精度(±km)"] for sh in shapes)
    for sh in shapes:
        assert_rows_hold_their_text(sh.table)
        assert sh.top + sh.height <= Inches(body[1] + body[3]) + 10
        assert sh.left + sh.width <= deck.prs.slide_width
    sizes = {
        r.font.size.pt
        for sh in shapes
        for row in sh.table.rows
        for c in row.cells
        for p in c.text_frame.paragraphs
        for r in p.runs
    }
    assert min(sizes) >= 9


# --- As of a date (截至) and page numbers ------------------------------------------------

ASOF = dt.date(2020, 9, 30)
ASOF_TEXT = {"zh": "截至 2020年9月30日", "en": "As of 30 September 2020"}


def pdf_text(path, page=None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", *pages, str(path), "-"], capture_output=True, text=True).stdout


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_single_map_says_as_of_when_asked(selection, tmp_path, lang):
    from layers.exports import export

    sel, f = selection
    dated = pdf_text(export(sel, "pdf", tmp_path / "dated.pdf", f, lang=lang, asof=ASOF))
    plain = pdf_text(export(sel, "pdf", tmp_path / "plain.pdf", f, lang=lang))
    if lang == "zh":  # pdftotext drops the thin gaps between Chinese and digits
        dated, plain = dated.replace(" ", ""), plain.replace(" ", "")
    want = ASOF_TEXT[lang].replace(" ", "") if lang == "zh" else ASOF_TEXT[lang]
    assert want in dated
    for text in (dated, plain):  # a map alone has no page number
        assert "第1页" not in text and "Page 1" not in text
    assert "截至" not in plain and "As of" not in plain and "2020年9月30日" not in plain


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_pack_page_has_its_number_and_as_of_only_when_given(selection, tmp_path, lang):
    sel, f = selection
    dated = pack_pdf(sel, tmp_path / "dated.pdf", f, lang=lang, asof=ASOF)
    plain = pack_pdf(sel, tmp_path / "plain.pdf", f, lang=lang)
    total = 1 + 3 + 1
    for n in range(1, total + 1):
        number = f"第{n}页/共{total}页" if lang == "zh" else f"Page {n} of {total}"
        for path, has_asof in ((dated, True), (plain, False)):
            text = pdf_text(path, n)
            text = text.replace(" ", "") if lang == "zh" else " ".join(text.split())
            assert number in text, (path.name, n)
            assert (("截至" if lang == "zh" else "As of ") in text) == has_asof, (path.name, n)
            if has_asof:
                assert (ASOF_TEXT[lang].replace(" ", "") if lang == "zh" else ASOF_TEXT[lang]) in text


def stamp_of(slide) -> list[str]:
    (box,) = [sh for sh in slide.shapes if sh.name == "Page"]
    return [p.text for p in box.text_frame.paragraphs]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_slide_says_as_of_and_its_number(decks, lang):
    """Every slide, continued ones too, has its stamp in the bottom right corner, clear of the
    footer and the body."""
    _, prs = decks[lang]
    slides = list(prs.slides)
    total = len(slides)
    for n, slide in enumerate(slides, 1):
        number = f"第 {n} 页 / 共 {total} 页" if lang == "zh" else f"Page {n} of {total}"
        assert stamp_of(slide) == [ASOF_TEXT[lang], number], n
        (box,) = [sh for sh in slide.shapes if sh.name == "Page"]
        for sh in slide.shapes:
            if sh.shape_id == box.shape_id:
                continue
            apart = (
                sh.left + sh.width <= box.left
                or sh.top + sh.height <= box.top
                or box.left + box.width <= sh.left
                or box.top + box.height <= sh.top
            )
            assert apart, (n, sh.name)


def test_a_deck_without_a_date_is_numbered_only(decks):
    _, prs = decks["all"]
    slides = list(prs.slides)
    for n, slide in enumerate(slides, 1):
        assert stamp_of(slide) == [f"第 {n} 页 / 共 {len(slides)} 页"]
    assert not any("截至" in t for t in native_texts(prs))


@pytest.mark.parametrize(
    "lang, heads",
    [
        ("zh", ["2 文化“两创”", "4 乡村振兴", "10 开发区改革"]),
        ("en", ["2 Culture", "4 Rural revival", "10 Dev. zones"]),
    ],
)
def test_pptx_statistics_name_their_actions_not_by_a_code(decks, lang, heads):
    """The statistics table's headers and the chart's series name each action by its number
    and short name (3 都市区融合 / 3 Metro integration), never by a one-character code (城3)."""
    from layers.exports.pptx_deck import _width

    slide = stats_slide(decks[lang][1])
    (table,) = [sh.table for sh in slide.shapes if sh.has_table]
    header = table_cells(table)[0]
    assert header[1:-1] == heads
    assert [s.name for s in next(sh.chart for sh in slide.shapes if sh.has_chart).series] == heads
    size = table.cell(0, 1).text_frame.paragraphs[0].runs[0].font.size.pt
    for c, head in enumerate(header):  # no English word is broken in its column
        words = head.split() if lang == "en" else []
        assert all(_width(w, size) <= table.columns[c].width / 914400 for w in words), head
