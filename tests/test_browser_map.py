"""Real-browser tests of a tidy map: the legend folds away (and starts folded on pages
narrower than 1440 px), cluster discs never overlap at any zoom, and a click closes the
tooltip under the mouse. Real mouse input in Debian's chromium, the internet cut off; the
server, browser and page come from test_browser."""

import math
import time

import test_browser
from test_browser import (
    expect,
    expected_counts,
    map_view_of,
    marker_kinds,
    mouse_click,
    open_map,
    selection,
    wait_for_count,
)

from layers.labels import t

# test_browser's fixtures, used here under their names (this module gets its own server).
server, browser, offline_page = test_browser.server, test_browser.browser, test_browser.offline_page

DISC_PX = 28  # a cluster disc's diameter (map_symbols.CLUSTER_HTML)


def legend_state(frame) -> dict:
    """What the legend shows: its height, its button's text and labels, and whether its
    entries (the schematic-map note at their end) are visible."""
    toggle = frame.locator(".jn-legend-toggle")
    return {
        "height": frame.locator(".jn-legend").bounding_box()["height"],
        "text": toggle.inner_text().strip(),
        "label": toggle.get_attribute("aria-label"),
        "title": toggle.get_attribute("title"),
        "expanded": toggle.get_attribute("aria-expanded"),
        "entries": frame.locator(".jn-legend").get_by_text(t("legend_note", "zh")).is_visible(),
    }


def assert_legend(frame, folded: bool):
    """The legend folded to its header "图例 ▸", or open with its entries, the button's title
    and label saying what a click does."""
    state = legend_state(frame)
    action = t("legend_expand" if folded else "legend_collapse", "zh")
    want = {
        "text": "图例 ▸" if folded else "图例 ▾",
        "label": action,
        "title": action,
        "expanded": str(not folded).lower(),
    }
    assert {k: state[k] for k in want} == want
    if folded:
        assert not state["entries"] and state["height"] < 30, state
    else:
        assert state["entries"] and state["height"] > 150, state


def test_the_legend_starts_folded_below_1440_px_and_a_click_opens_and_folds_it(offline_page, server):
    page = offline_page
    for (width, height), starts_folded in (((1366, 768), True), ((1440, 900), False)):
        page.set_viewport_size({"width": width, "height": height})
        frame = open_map(page, server)
        frame.locator(".jn-legend-toggle").wait_for(timeout=30000)
        assert_legend(frame, folded=starts_folded)
        toggle = frame.locator(".jn-legend-toggle")
        mouse_click(page, toggle)
        assert_legend(frame, folded=not starts_folded)
        mouse_click(page, toggle)
        assert_legend(frame, folded=starts_folded)
    # The button is a button: the keyboard opens and folds the legend as well.
    toggle.focus()
    page.keyboard.press("Enter")
    assert_legend(frame, folded=True)
    page.keyboard.press("Space")
    assert_legend(frame, folded=False)
    assert page.blocked == []


def test_the_exported_html_maps_legend_follows_the_window_width(browser, tmp_path):
    """The HTML export draws the same legend, in a page of its own: folded below 1440 px."""
    from layers import load_projects
    from layers.exports.html_page import to_html

    path = to_html(load_projects(), tmp_path / "map.html")
    for (width, height), starts_folded in (((1366, 768), True), ((1440, 900), False)):
        context = browser.new_context(viewport={"width": width, "height": height})
        context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
        page = context.new_page()
        page.goto(path.as_uri())
        page.locator(".jn-legend-toggle").wait_for(timeout=30000)
        assert_legend(page, folded=starts_folded)
        mouse_click(page, page.locator(".jn-legend-toggle"))
        assert_legend(page, folded=not starts_folded)
        context.close()


def discs(frame) -> list[tuple[float, float, int]]:
    """(x, y, count) of every cluster disc on the map: its centre on the page and its number."""
    return [
        (x, y, int(n))
        for x, y, n in frame.locator(".leaflet-marker-icon.jn-cluster").evaluate_all(
            "els => els.map(e => { const r = e.getBoundingClientRect();"
            " return [r.left + r.width / 2, r.top + r.height / 2, e.innerText.trim()]; })"
        )
    ]


def overlapping(found) -> list:
    """Pairs of discs that overlap: centres nearer than a disc's diameter."""
    return [(a, b) for i, a in enumerate(found) for b in found[i + 1 :] if math.dist(a[:2], b[:2]) < DISC_PX]


def settled_discs(page, frame, members: int) -> list:
    """The discs once the map has drawn them for its current view: every member counted once
    and no two overlapping (the map may still be setting its view when its markers appear)."""
    deadline = time.monotonic() + 20
    found = discs(frame)
    while (sum(n for *_, n in found) != members or overlapping(found)) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
        found = discs(frame)
    return found


def zoom_in(page, frame):
    """A real mouse click on the map's zoom-in button, then wait for the new zoom."""
    zoom = map_view_of(page)[2]
    page.wait_for_timeout(600)  # two clicks on one spot within 500 ms are a double click
    mouse_click(page, frame.locator(".leaflet-control-zoom-in"))
    deadline = time.monotonic() + 20
    while map_view_of(page)[2] != zoom + 1 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert map_view_of(page)[2] == zoom + 1


def test_cluster_discs_never_overlap_and_merged_ones_separate_when_zoomed_in(offline_page, server):
    """At the city view the discs of nearby places in the centre overlapped: they are merged
    into one disc with their summed count. Zoomed in, they come apart, never overlapping."""
    page = offline_page
    frame = open_map(page, server)
    kinds = marker_kinds(selection({}))
    places, members = len(kinds["members"]), sum(len(ids) for ids in kinds["members"])
    points, _ = expected_counts({})
    wait_for_count(page, frame.locator(".leaflet-marker-icon.jn-point"), points)
    wait_for_count(page, frame.locator(".leaflet-marker-icon.jn-badge"), kinds["tags"])
    found = settled_discs(page, frame, members)
    assert overlapping(found) == []
    # Every measure once: in a disc's count, or as a marker or tag of its own.
    assert sum(n for *_, n in found) == members
    assert len(found) < places, "the city view has places whose discs would overlap"
    for _ in range(4):
        zoom_in(page, frame)
        zoomed = settled_discs(page, frame, members)
        assert overlapping(zoomed) == [] and sum(n for *_, n in zoomed) == members
        if len(zoomed) == places:
            break
    assert len(zoomed) == places > len(found)
    assert page.blocked == []


def visible_tooltips(frame) -> list[str]:
    """The text of the tooltips on show. A closed one fades out for 200 ms, in the page but at
    opacity 0 (which Playwright still counts as visible)."""
    return frame.locator(".leaflet-tooltip").evaluate_all(
        "els => els.filter(e => e.style.opacity !== '0').map(e => e.innerText)"
    )


def wait_for_tooltip(page, frame, text: str):
    """Wait until a tooltip on show contains ``text`` (the app may draw its layers again
    meanwhile: the tooltip of the layer drawn before then fades out beside it)."""
    deadline = time.monotonic() + 10
    while not any(text in tip for tip in visible_tooltips(frame)) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert any(text in tip for tip in visible_tooltips(frame)), visible_tooltips(frame)


def centre_of(page, locator) -> tuple[float, float]:
    """The centre of ``locator`` on the page (the map may be drawing it again as its view settles)."""
    deadline = time.monotonic() + 10
    while (box := locator.bounding_box()) is None and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert box is not None, locator
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_a_click_on_a_cluster_closes_its_tooltip_though_the_mouse_stays_on_it(offline_page, server):
    page = offline_page
    frame = open_map(page, f"{server}/?q=尼山")
    (members,) = [ids for ids in marker_kinds(selection({"q": "尼山"}))["members"] if len(ids) >= 3]
    cluster = frame.locator(".leaflet-marker-icon.jn-cluster")
    wait_for_count(page, cluster, 1)
    x, y = centre_of(page, cluster)
    page.mouse.move(x, y)
    hint = t("map_cluster_hint", "zh").format(n=len(members))
    wait_for_tooltip(page, frame, hint)
    page.mouse.click(x, y)
    wait_for_count(page, frame.locator(".leaflet-marker-icon.jn-member"), len(members))
    page.locator("[data-testid=stStatusWidget]").wait_for(state="hidden", timeout=30000)
    assert visible_tooltips(frame) == []
    # A spread member: its tooltip closes too, and stays closed when the app has shown its details.
    x, y = centre_of(page, frame.locator(".leaflet-marker-icon.jn-member").first)
    page.mouse.move(x, y)
    title = selection({"q": "尼山"}).set_index("id").loc[members[0], "title_zh"]
    wait_for_tooltip(page, frame, title)
    page.mouse.click(x, y)
    expect(page.locator(".st-key-details")).to_contain_text(members[0], timeout=30000)
    # The app has drawn its overlays again, with the chosen member ringed.
    wait_for_count(page, frame.locator(".leaflet-marker-icon.jn-member div[style*=outline]"), 1)
    page.locator("[data-testid=stStatusWidget]").wait_for(state="hidden", timeout=30000)
    assert visible_tooltips(frame) == []
    assert page.blocked == []
