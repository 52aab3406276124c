"""Issue 23 in a real browser (Playwright driving Debian's chromium, real mouse clicks): an
editor draws a three-vertex line with Leaflet.draw's toolbar (served by the app, offline) and
saves it; the precision of a pick follows the zoom it was made at; a point outside Jining is
refused and nothing is saved."""

import re

import pytest
from playwright.sync_api import expect
from test_browser import browser, mouse_click, server_with_account  # noqa: F401  (browser is a fixture)
from test_browser_edit import EDITOR, PASSWORD, PICK_MAP, mouse_click_scrolled, page, settled  # noqa: F401
from test_browser_edit import sign_in_and_open_edit_tab as _sign_in
from test_browser_export import choose, select_box

from layers.edits.store import read_stored
from layers.geo.precision import drawn_precision_m

MEASURE = "A01-01"  # the first in the correction's list: city-wide, so its map shows the whole city


@pytest.fixture(scope="module")
def drawing_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("draw")
    with server_with_account(folder, EDITOR, PASSWORD, "editor") as url:
        yield url, folder / "store.sqlite"


def choose_method(page, words: str, shown: str) -> None:  # noqa: F811
    """Choose a correction method by a real click, and wait for the text it shows."""
    mouse_click_scrolled(page, page.locator(".st-key-correct_section").get_by_text(words))
    page.get_by_text(shown).first.wait_for(timeout=30000)
    settled(page)


def map_box(page):  # noqa: F811
    """The correction's map (its frame and its box on the page), scrolled into view."""
    holder = page.locator(PICK_MAP)
    for _ in range(3):  # the app may still be replacing the map after a rerun
        try:
            page.frame_locator(PICK_MAP).locator(".leaflet-container").wait_for(timeout=60000)
            holder.scroll_into_view_if_needed()  # scrolling is no click
            break
        except Exception:  # noqa: BLE001  (detached while the run ended: try again)
            page.wait_for_timeout(1000)
    page.wait_for_timeout(800)
    return page.frame_locator(PICK_MAP), holder.bounding_box()


def test_an_editor_draws_a_three_vertex_line_and_saves_it_with_the_precision_of_its_zoom(page, drawing_server):  # noqa: F811
    url, store_path = drawing_server
    _sign_in(page, url)
    choose_method(page, "在地图上绘制点/线/面", "用地图左上角的工具")
    frame, box = map_box(page)
    tool = frame.locator("a.leaflet-draw-draw-polyline")
    expect(tool).to_have_attribute("title", "画线", timeout=30000)  # the toolbar speaks Chinese
    mouse_click(page, tool)
    points = [(0.40, 0.45), (0.50, 0.55), (0.60, 0.50)]
    for fx, fy in points:
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        page.wait_for_timeout(300)
    mouse_click(page, frame.get_by_text("完成", exact=True))  # the toolbar's Finish, in Chinese
    done = page.get_by_text(re.compile(r"已绘制线,精度 ±[\d.]+ 公里\(按缩放级别 \d+ 和底图\)"))
    done.wait_for(timeout=30000)
    zoom = int(re.search(r"缩放级别 (\d+)", done.inner_text())[1])
    mouse_click_scrolled(page, page.get_by_role("button", name="保存位置"))
    page.get_by_text("已保存 1 条(新增 0,更新 1)。").wait_for(timeout=30000)
    rec = read_stored(store_path)[MEASURE]
    assert rec["geometry"]["type"] == "LineString" and len(rec["geometry"]["coordinates"]) == 3
    assert rec["form"] == "line" and rec["county_adcodes"]  # districts from the line, never 全市
    lat = sum(c[1] for c in rec["geometry"]["coordinates"]) / 3
    assert rec["precision_m"] == pytest.approx(drawn_precision_m(zoom, lat, "none"), rel=0.02)
    assert f"zoom {zoom}" in rec["geometry_source"] and "basemap none" in rec["geometry_source"]


def _pick(page, fx: float, fy: float) -> float:  # noqa: F811
    """Click the pick map at a fraction of its box; the precision the new pick reports (km)."""
    note = page.get_by_text(re.compile(r"已选点:.*精度 ±[\d.]+ 公里"))
    before = note.inner_text() if note.count() else ""
    _, box = map_box(page)
    page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
    expect(note).not_to_have_text(before or "-", timeout=30000)  # the note of this pick, not the last
    return float(re.search(r"精度 ±([\d.]+) 公里", note.inner_text())[1])


def map_zoom(page) -> float:  # noqa: F811
    """The correction map's zoom, read from Leaflet in its frame."""
    return page.locator(PICK_MAP).element_handle().content_frame().evaluate("() => window.map.getZoom()")


def _wait_for_zoom(page, zoom: float) -> None:  # noqa: F811
    for _ in range(100):
        try:
            if map_zoom(page) == zoom:
                return
        except Exception:  # noqa: BLE001  (the frame is being replaced: ask again)
            pass
        page.wait_for_timeout(200)
    raise AssertionError(f"the map never reached zoom {zoom}")


def test_the_precision_of_a_pick_follows_the_zoom_and_a_point_outside_jining_is_refused(page, drawing_server):  # noqa: F811
    url, store_path = drawing_server
    _sign_in(page, url)
    # Over web tiles the zoom decides (the offline 简图 is only as good as its town points,
    # whatever the zoom). No tile loads in this offline test; the map works without them.
    choose(page, select_box(page, "底图"), "OpenStreetMap")
    settled(page)
    choose_method(page, "在地图上点选", "在下面的地图上点击新位置")
    coarse = _pick(page, 0.45, 0.5)
    settled(page)
    frame, _ = map_box(page)
    start = map_zoom(page)
    for _ in range(3):  # zoom in with the map's own + button, real clicks
        mouse_click(page, frame.locator("a.leaflet-control-zoom-in"))
        page.wait_for_timeout(900)
    _wait_for_zoom(page, start + 3)
    settled(page)  # the zoom came back to the app, which ran again
    fine = _pick(page, 0.5, 0.52)
    assert f"缩放级别 {start + 3:g}" in page.get_by_text(re.compile("已选点:")).inner_text()
    assert fine < coarse  # three zoom levels finer: an eighth of the pixels' ground size, or the basemap's floor
    before = read_stored(store_path).get(MEASURE)
    for _ in range(5):  # back out until the map shows land beyond the city
        mouse_click(page, frame.locator("a.leaflet-control-zoom-out"))
        page.wait_for_timeout(600)
    _pick(page, 0.6, 0.06)  # near the top edge, 200 km north at zoom 7: outside Jining (clear of the + and -)
    mouse_click_scrolled(page, page.get_by_role("button", name="保存位置"))
    page.get_by_text(re.compile("济宁市外")).first.wait_for(timeout=30000)
    assert read_stored(store_path).get(MEASURE) == before  # nothing saved
