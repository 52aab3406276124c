"""Progress in a real browser, with real mouse clicks: the as-of date from the URL, the map
coloured by progress (its markers in their lights' colours, the legend counting them) and
the light filter, which the URL then carries.

The store holds a plan and a report for two measures before the server starts, so that as
of 2020-07-01 one is red (far behind) and one blue (on schedule).
"""

import time

import pytest
import test_browser
from playwright.sync_api import expect
from test_browser import mouse_click, open_map

from layers.progress.lights import load_rules

browser = test_browser.browser  # a fixture of that module, used here too

RED, BLUE = "A10-05", "A10-08"  # 济宁科技创新谷, 太白湖金融中心: points of their own


@pytest.fixture(scope="module")
def progress_server(tmp_path_factory):
    from layers.edits.store import Store

    path = tmp_path_factory.mktemp("progress") / "store.sqlite"
    plan = {"unit": "市科技局", "start": "2020-03-01", "end": "2021-02-28", "milestones": []}
    rows = [
        ("plan", {"measure_id": RED, **plan}),
        ("plan", {"measure_id": BLUE, **plan}),
        ("report", {"measure_id": RED, "date": "2020-06-30", "status": "under_way", "progress": 1.0}),
        ("report", {"measure_id": BLUE, "date": "2020-06-30", "status": "under_way", "progress": 40.0}),
    ]
    with Store(path) as store:
        store.save_progress(rows, "规划科王工")
    proc, url = test_browser.start_server(path)
    try:
        yield url
    finally:
        test_browser.stop_server(proc)


@pytest.fixture
def page(browser):  # noqa: F811 - the module's fixture above
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    yield context.new_page()
    context.close()


def wait_url(page, part: str, present: bool = True, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while (part in page.url) != present and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert (part in page.url) == present, page.url


def marker_colour(page, measure_id: str) -> str:
    """The ring colour of the marker of ``measure_id`` in the map frame (exact markers are
    filled with it, approximate ones ringed)."""
    frame = next(f for f in page.frames if "streamlit_folium" in f.url)
    return frame.evaluate(
        """id => {
            let found = null;
            window.map.eachLayer(l => {
                if (l.feature && l.feature.properties && l.feature.properties.id === id && l._icon) { found = l._icon; }
            });
            if (!found) { return null; }
            const el = found.querySelector("[style*='border']");
            return el ? getComputedStyle(el).borderTopColor : null;
        }""",
        measure_id,
    )


def rgb(hex_colour: str) -> str:
    h = hex_colour.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(h[i : i + 2], 16) for i in (0, 2, 4)))


def test_progress_colouring_the_light_filter_and_the_as_of_date_with_real_clicks(page, progress_server):
    rules = load_rules()
    frame = open_map(page, f"{progress_server}/?asof=2020-07-01")
    page.get_by_text("符合条件的措施").wait_for(timeout=30000)
    expect(page.locator("[data-testid=stDateInput] input").first).to_have_value("2020-07-01", timeout=30000)
    # Coloured by action first: the red measure wears its action's colour, not red.
    expect(frame.locator(".leaflet-marker-icon.jn-point").first).to_be_visible(timeout=30000)
    assert marker_colour(page, RED) != rgb(rules.colour("red"))
    colour_by_progress = page.get_by_text("按进度", exact=True)
    colour_by_progress.scroll_into_view_if_needed()  # the sidebar scrolls (no click); then a real click
    mouse_click(page, colour_by_progress)
    wait_url(page, "color=progress")
    expect(frame.locator(".leaflet-control", has_text="红 严重滞后 (1)")).to_have_count(1, timeout=30000)
    deadline = time.monotonic() + 30
    while marker_colour(page, RED) != rgb(rules.colour("red")) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert marker_colour(page, RED) == rgb(rules.colour("red"))
    assert marker_colour(page, BLUE) == rgb(rules.colour("blue"))
    # The light filter: open it and pick 红 with the mouse.
    lights = page.locator("[data-testid=stMultiSelect]", has_text="进度灯").locator("input")
    lights.scroll_into_view_if_needed()
    mouse_click(page, lights)
    option = page.get_by_role("option", name="红 严重滞后 (1)")
    option.wait_for(timeout=30000)
    mouse_click(page, option)
    wait_url(page, "light=red")
    page.get_by_text("符合条件的措施:1 条").wait_for(timeout=30000)
    assert "asof=2020-07-01" in page.url
