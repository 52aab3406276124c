"""A unit's briefing pack from the export tab in a real browser, with real mouse clicks: with
stored progress the tab offers a 责任单位 and a 变化情况 page since the last meeting; the PDF
the planner downloads is that unit's (its name on the first page, only its measures) and has
the 变化情况 page since the date the tab shows.

The store holds the fictional demo progress (bench/demo_progress.py) for the whole register
before the server starts; the page opens as of 2020-12-31 with action 3 selected.
"""

import datetime as dt
import re
import shutil
import subprocess
import sys

import pytest
from playwright.sync_api import expect
from test_browser import (  # noqa: F401  (browser is a fixture)
    ROOT,
    browser,
    mouse_click,
    open_map,
    selection,
    start_server,
    stop_server,
)
from test_browser_edit import _offline, mouse_click_scrolled, settled

ASOF = dt.date(2020, 12, 31)
QUERY = {"action": "3"}
SCREENSHOT = "/tmp/browser_export_1440.png"


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    """The path of a store with demo progress for every measure of the register."""
    from layers import load_projects
    from layers.edits.store import Store

    sys.path.insert(0, str(ROOT / "bench"))
    from demo_progress import fill_demo

    path = tmp_path_factory.mktemp("export") / "store.sqlite"
    with Store(path) as store:
        fill_demo(store, list(load_projects()["id"]), ASOF)
    return path


@pytest.fixture(scope="module")
def demo_server(demo_store):
    proc, url = start_server(demo_store)
    try:
        yield url
    finally:
        stop_server(proc)


@pytest.fixture
def page(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    context.route("**/*", _offline)
    yield context.new_page()
    context.close()


def select_box(page, label: str):
    """The select box whose label is exactly ``label``."""
    return page.locator("[data-testid=stSelectbox]").filter(
        has=page.locator("label", has_text=re.compile(f"^{re.escape(label)}$"))
    )


def choose(page, box, option_name: str | None = None, nth: int | None = None) -> str:
    """Open ``box`` with a click and click an option (by name, or the ``nth``): its text."""
    mouse_click_scrolled(page, box)
    options = page.get_by_role("option")
    options.first.wait_for(timeout=30000)
    option = options.filter(has_text=re.compile(f"^{re.escape(option_name)}$")) if option_name else options.nth(nth)
    text = option.inner_text().strip()
    option.scroll_into_view_if_needed()  # within the open list: a scroll, no click
    page.wait_for_timeout(300)
    mouse_click(page, option)
    expect(page.get_by_role("option")).to_have_count(0, timeout=30000)  # the list closed
    expect(box.get_by_role("combobox")).to_have_value(text, timeout=30000)
    return text


def pages_text(pdf) -> list[str]:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return out.split("\f")[:-1]


def squeezed(text: str) -> str:
    """Text without white space: a title wrapped or spread over columns still reads whole."""
    return re.sub(r"\s+", "", text)


def foreign_titles(text: str, sel, mine: set[str]) -> list[str]:
    """Ids of measures of ``sel`` not of the unit (``mine``) whose title is printed in ``text``.
    A title is looked for by its first 8 characters (a long one may be shortened); one that
    is part of a title of the unit's tells nothing and is skipped."""
    ours = [squeezed(t) for i, t in zip(sel["id"], sel["title_zh"], strict=True) if i in mine]
    found = []
    for i, title in zip(sel["id"], sel["title_zh"], strict=True):
        head = squeezed(title)[:8]
        if i not in mine and not any(head in t for t in ours) and head in text:
            found.append(i)
    return found


def test_a_units_briefing_pack_with_its_changes_is_made_and_downloaded_with_real_clicks(
    page, demo_server, demo_store, tmp_path
):
    from layers.edits.store import Store
    from layers.progress.briefing import from_store

    open_map(page, f"{demo_server}/?asof={ASOF.isoformat()}&action=3")
    page.get_by_text("符合条件的措施").wait_for(timeout=30000)
    settled(page)
    tab = page.get_by_role("tab", name="导出")
    expect(tab).not_to_have_attribute("aria-disabled", "true", timeout=30000)
    mouse_click(page, tab)
    expect(tab).to_have_attribute("aria-selected", "true", timeout=30000)

    # 格式: 汇报材料 PDF; then the briefing's options appear (the store holds progress).
    choose(page, select_box(page, "格式"), "汇报材料 PDF")
    unit_box = select_box(page, "责任单位(汇报材料)")
    unit_box.wait_for(timeout=30000)
    expect(unit_box.get_by_role("combobox")).to_have_value("全部责任单位")
    settled(page)
    unit = choose(page, unit_box, nth=1)
    assert unit.startswith("示例单位"), unit
    settled(page)
    changes = page.locator(".st-key-x_changes input[type=checkbox]")
    expect(changes).to_be_checked()  # 附“变化情况”页 left as it is
    since_input = page.locator("[data-testid=stDateInput]").filter(has_text="上次调度会日期").locator("input")
    expect(since_input).to_be_visible()
    since = dt.date.fromisoformat(since_input.input_value())
    assert since < ASOF

    # The tab with its options, as a planner sees it at 1440×900.
    unit_box.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=SCREENSHOT)

    mouse_click_scrolled(page, page.get_by_role("button", name="生成文件"))
    download = page.get_by_role("button", name="下载")
    download.wait_for(timeout=180000)
    settled(page)
    with page.expect_download(timeout=60000) as info:
        mouse_click_scrolled(page, download)
    got = info.value
    assert got.suggested_filename == f"济宁十大行动_汇报材料_{ASOF.isoformat()}.pdf"
    pdf = tmp_path / got.suggested_filename
    got.save_as(pdf)
    assert page.locator("[data-testid=stException]").count() == 0

    texts = pages_text(pdf)
    assert unit in texts[0]
    assert any("变化情况" in t for t in texts)
    changes_page = next(t for t in texts if "变化情况" in t)
    assert f"{since.isoformat()} 之后" in changes_page, changes_page  # the date the tab showed
    sel = selection(QUERY)
    with Store(demo_store, read_only=True) as store:
        mine = set(from_store(store, list(sel["id"]), ASOF).ids_of_unit(unit))
    assert mine, f"{unit} has no measure in action 3"
    text = squeezed("".join(texts))
    for i, title in zip(sel["id"], sel["title_zh"], strict=True):
        if i in mine:
            assert squeezed(title)[:8] in text, (i, title)
    assert foreign_titles(text, sel, mine) == []
