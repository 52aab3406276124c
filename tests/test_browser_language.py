"""Real-browser tests of one language per view (issue 20, item 6): the Chinese view shows no
English and the English view no Chinese, on every tab, in the map, the tables, a measure's
details and the edit tab of a signed-in admin. Real mouse clicks in Debian's chromium, the
internet cut off; the server, browser and page come from test_browser."""

import time

import pytest
import test_browser
from test_browser import click_list_row, expect, mouse_click, open_map, server_with_account

# test_browser's fixtures, used here under their names (this module gets its own server).
server, browser, offline_page = test_browser.server, test_browser.browser, test_browser.offline_page

#: Latin words the Chinese view may show: ids, units, format and coordinate-system names,
#: the data sources' and basemap providers' own names, and words inside the register's titles.
LATIN_ALLOWED = {
    "km", "MB", "CSV", "XLSX", "PDF", "PNG", "SVG", "PPTX", "HTML", "GeoJSON", "KML", "GPKG", "GeoPackage",
    "WGS", "GCJ", "BD", "CGCS", "EPSG", "GPS", "A4", "Leaflet", "GSHHG", "Vonng", "adcode", "cnmaps", "data",
    "GeoNames", "OpenStreetMap", "OSM", "CARTO", "Positron", "APP",
    "Language", "English",  # the language switch names itself in both languages
}  # fmt: skip


def latin_words(text: str) -> set[str]:
    import re

    words = set(re.findall(r"[A-Za-z][A-Za-z0-9]*", text))
    ids = {w for w in words if re.fullmatch(r"A\d\d|IMP|[A-Z]\d+", w)}
    return words - ids - LATIN_ALLOWED


#: Not words a planner reads as prose: icon ligatures (Material Symbols render "upload" as
#: an icon), Streamlit's keyboard skip link, whose English text only screen readers hear
#: (the app shows it in Chinese when it is focused), a select box's announcements to screen
#: readers ("95 options available", a hidden live log), and commands set as code, which are
#: typed as they are.
NOT_READ = "[data-testid=stIconMaterial], [data-testid=stSkipToContent], [role=log][aria-live], code"


def visible_text(page, also_hide: str = "") -> str:
    """The page's text as a planner reads it (``NOT_READ`` left out), without ``also_hide``
    (a CSS selector) either."""
    return page.evaluate(
        """sel => {
            const hidden = [...document.querySelectorAll(sel)].map(e => [e, e.style.display]);
            hidden.forEach(([e]) => { e.style.display = "none"; });
            const text = document.body.innerText;
            hidden.forEach(([e, d]) => { e.style.display = d; });
            return text;
        }""",
        f"{NOT_READ}, {also_hide}" if also_hide else NOT_READ,
    )


def test_the_chinese_view_shows_no_english(offline_page, server):
    """Every tab, as a planner sees it in Chinese: the page's visible text, its tables, and the
    map's (with its layer names and a tooltip)."""
    page = offline_page
    frame = open_map(page, server)
    page.get_by_text("符合条件的措施").wait_for(timeout=30000)
    page.wait_for_timeout(1000)
    found = {}
    for tab in ("地图", "统计", "登记表", "导出", "导入与更正"):
        mouse_click(page, page.get_by_role("tab", name=tab))
        expect(page.get_by_role("tab", name=tab)).to_have_attribute("aria-selected", "true", timeout=30000)
        page.wait_for_timeout(1500)
        words = latin_words(all_text(page) + (map_extras(page, frame) if tab == "地图" else ""))
        if words:
            found[tab] = sorted(words)
    # A measure's details too (the cited English notes stay folded, labelled as English).
    mouse_click(page, page.get_by_role("tab", name="地图"))
    click_list_row(page, 2)
    expect(page.locator(".st-key-details")).to_contain_text("位置来源", timeout=30000)
    page.wait_for_timeout(500)
    words = latin_words(visible_text(page))
    if words:
        found["措施详情"] = sorted(words)
    assert found == {}, found


CJK_RUN = "[\u4e00-\u9fff]+"


def chinese_runs(text: str) -> set[str]:
    import re

    return set(re.findall(CJK_RUN, text))


def chinese_allowed_in_english() -> set[str]:
    """The Chinese the English view may show anywhere, from the data: the language switch's
    own words, and places without an English name: the gazetteer's (with the towns), the
    shapes', and the parts of the register's place texts that name no place with one."""
    import pandas as pd

    from layers import load_projects
    from layers.geo.gazetteer import read_gazetteer
    from layers.geo.placenames import normalise
    from layers.geo.shapes import load_shapes

    known = pd.concat([f[["name_zh", "name_en", "aliases"]] for f in (read_gazetteer(), load_shapes())])
    named = known[known["name_en"].str.strip() != ""]
    unnamed = set(known["name_zh"]) - set(named["name_zh"])
    keys = {normalise(n) for v in [*named["name_zh"], *named["aliases"]] for n in v.split("|") if n}
    for place in load_projects()["place"].dropna():
        unnamed |= {p for p in place.split(";") if not any(k in p for k in keys if len(k) >= 2)}
    return {"语言", "中文"} | {run for name in unnamed for run in chinese_runs(name)}


def grid_text(page, grid) -> str:
    """The cells of a data grid, which it draws on a canvas: their accessible copy, which
    holds the cells in view. The grid is scrolled across (not down) to read every column of
    its first rows, then back."""
    scroller = grid.locator(".dvn-scroller")
    texts = [grid.evaluate("e => e.textContent")]
    width, view = scroller.evaluate("e => [e.scrollWidth, e.clientWidth]")
    for x in range(view, width, view):
        scroller.evaluate("(e, x) => { e.scrollLeft = x; }", x)
        deadline = time.monotonic() + 10
        while grid.evaluate("e => e.textContent") == texts[-1] and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        texts.append(grid.evaluate("e => e.textContent"))
    scroller.evaluate("e => { e.scrollLeft = 0; }")
    return "\n".join(texts)


def all_text(page, also_hide: str = "") -> str:
    """What a planner can read on the page: its visible text, the cells of its data grids
    (:func:`grid_text`) and the text of its frames (maps)."""
    grids = [grid_text(page, g) for g in page.locator("[data-testid=stDataFrame]").all()]
    frames = [f.locator("body").inner_text() for f in page.frames[1:] if f.url.startswith("http")]
    return "\n".join([visible_text(page, also_hide), *grids, *frames])


def chart_marks(page) -> str:
    """The labels of the chart's marks: each bar's tooltip fields (with Vega's own English
    descriptions of the axes for screen readers, so only the English view reads them)."""
    labels = page.locator("[data-testid=stVegaLiteChart] [aria-label]").evaluate_all(
        "els => els.map(e => e.getAttribute('aria-label'))"
    )
    return "\n".join(labels)


def map_extras(page, frame) -> str:
    """The map's text that shows under the mouse: the layer control's names of the action
    layers (it opens under the mouse) and a marker's tooltip."""
    control = frame.locator(".leaflet-control-layers")
    control.hover()
    names = control.inner_text()
    box = frame.locator(".leaflet-marker-icon.jn-point").first.bounding_box()
    page.mouse.move(5, 5)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # what is on top there
    tooltip = frame.locator(".leaflet-tooltip").first
    tooltip.wait_for(timeout=30000)
    return names + "\n" + tooltip.inner_text()


def details_by_label(page, labels: list[str]) -> dict[str, str]:
    """The detail panel's text, row by row (``labels``: its rows' labels)."""
    details = page.locator(".st-key-details")
    expect(details).to_contain_text(labels[-1], timeout=30000)
    rows, label = {}, None
    for line in details.inner_text().splitlines():
        label = line.strip() if line.strip() in labels else label
        rows[label] = rows.get(label, "") + line + "\n"
    return rows


def test_the_english_view_shows_no_chinese(offline_page, server):
    """Every tab, as a planner sees it in English after a real click on the language switch:
    the page's text, its tables and chart, the map's (with its layer names and a tooltip),
    and two measures' details. Chinese only where there is no English: a measure's own title
    beside its English one, the article's words and the cited notes (quoted as written), and
    places without an English name (from the data)."""
    from layers import load_projects
    from layers.labels import TEXT
    from layers.selection.details import ARTICLE_WORDS, measure_details
    from layers.selection.numbering import list_table

    page = offline_page
    frame = open_map(page, server)
    page.get_by_text("符合条件的措施").wait_for(timeout=30000)
    page.wait_for_timeout(1000)
    mouse_click(page, page.get_by_text("English", exact=True))
    page.get_by_text("Matching measures").wait_for(timeout=30000)
    allowed = chinese_allowed_in_english()
    found = {}
    tabs = TEXT["tabs"]["en"]
    for tab in tabs:
        mouse_click(page, page.get_by_role("tab", name=tab))
        expect(page.get_by_role("tab", name=tab)).to_have_attribute("aria-selected", "true", timeout=30000)
        page.wait_for_timeout(1500)
        text = all_text(page) + chart_marks(page) + (map_extras(page, frame) if tab == tabs[0] else "")
        if chinese_runs(text) - allowed:
            found[tab] = sorted(chinese_runs(text) - allowed)
    # Two measures' details: one at a town of a county (曲阜尼山), one along a drawn line.
    mouse_click(page, page.get_by_role("tab", name=tabs[0]))
    projects = load_projects()
    listed = list_table(projects, "en")
    for row in (1, 3):
        rec = projects[projects["id"] == listed.index[row]].iloc[0]
        click_list_row(page, row)
        expect(page.locator(".st-key-details")).to_contain_text(rec["id"], timeout=30000)
        quoted = {
            "Measure": rec["title_zh"],
            ARTICLE_WORDS["en"]: rec["summary_zh"],
            "Source notes": rec["geometry_source"],
        }
        labels = [label for label, _ in measure_details(rec, "en")]
        for label, text in details_by_label(page, labels).items():
            extra = chinese_runs(text) - allowed - chinese_runs(quoted.get(label, ""))
            if extra:
                found[f"{rec['id']} {label}"] = sorted(extra)
        if chinese_runs(all_text(page, ".st-key-details")) - allowed:
            found[f"{rec['id']} page"] = sorted(chinese_runs(all_text(page, ".st-key-details")) - allowed)
    assert found == {}, found


#: An account name that is a word in neither language.
ADMIN = "0042"
ADMIN_PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory):
    """A server whose store has one account, an admin's."""
    with server_with_account(tmp_path_factory.mktemp("admin"), ADMIN, ADMIN_PASSWORD, "admin") as url:
        yield url


def test_the_edit_tab_of_a_signed_in_admin_speaks_one_language(browser, admin_server):
    """The Import & correct tab as an admin sees it (import, correction, history, accounts),
    signed in with the sidebar's form, in Chinese and then, after a real click on the language
    switch, in English: no English in the Chinese view, no Chinese in the English one (as in
    the tests above). The correction form shows a measure the gazetteer places: its source."""
    from layers import load_projects
    from layers.labels import PRECISION, TEXT, t

    projects = load_projects()
    rec = projects[projects["geometry_source"].str.startswith("gazetteer:")].iloc[0]
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    open_map(page, admin_server)
    page.get_by_text("符合条件的措施").wait_for(timeout=30000)
    page.wait_for_timeout(1000)
    # Signing in is not what is tested here: Playwright's clicks (which scroll the sidebar).
    page.get_by_text(t("login_heading", "zh")).click()
    page.get_by_role("textbox", name=t("login_name", "zh"), exact=True).fill(ADMIN)
    page.get_by_role("textbox", name=t("login_password", "zh"), exact=True).fill(ADMIN_PASSWORD)
    page.get_by_role("button", name=t("login", "zh"), exact=True).click()
    page.get_by_role("button", name=t("logout", "zh")).wait_for(timeout=30000)
    found = {}
    for lang in ("zh", "en"):
        if lang == "en":
            switch = page.get_by_text("English", exact=True)
            switch.scroll_into_view_if_needed()  # the sign-in scrolled the sidebar; scrolling is no click
            page.wait_for_timeout(300)
            mouse_click(page, switch)
            page.get_by_text("Matching measures").wait_for(timeout=30000)
        tab = TEXT["tabs"][lang][-1]
        mouse_click(page, page.get_by_role("tab", name=tab))
        expect(page.get_by_role("tab", name=tab)).to_have_attribute("aria-selected", "true", timeout=30000)
        page.get_by_text(t("acc_heading", lang)).wait_for(timeout=30000)
        page.locator("[data-testid=stSelectbox]", has_text=t("fix_measure", lang)).click()
        page.get_by_role("option", name=f"{rec['id']} {rec[f'title_{lang}']}").click()
        page.get_by_text(f"{PRECISION[rec['precision']][lang]} · ").wait_for(timeout=30000)
        page.wait_for_timeout(1500)
        text = all_text(page)
        found[lang] = latin_words(text) if lang == "zh" else chinese_runs(text) - chinese_allowed_in_english()
    context.close()
    assert found == {"zh": set(), "en": set()}, found
