"""Real-browser test of the place search (issue 23, item 5): 兖州 typed on the keyboard into the
sidebar's 地名搜索 box and Enter pressed move the map to 兖州区 and list its measures; a click on
one selects it. Real mouse and keyboard in Debian's chromium, the internet cut off; the server,
browser and page come from test_browser."""

import time

import shapely
import test_browser
from test_browser import expect, map_view_of, mouse_click, open_map

from layers.geo.boundaries import load_counties

server, browser, offline_page = test_browser.server, test_browser.browser, test_browser.offline_page

SCREENSHOT = "/tmp/place_search_1440.png"


def wait_for_view(page, moved, timeout=30.0):
    """Poll the Leaflet map's (lat, lon, zoom) until ``moved`` says it has moved."""
    deadline = time.monotonic() + timeout
    view = map_view_of(page)
    while time.monotonic() < deadline and not moved(view):
        page.wait_for_timeout(200)
        view = map_view_of(page)
    return view


def test_typing_a_place_and_enter_moves_the_map_there_and_lists_its_measures(offline_page, server):
    page = offline_page  # 1440 x 900
    open_map(page, server)
    lat0, lon0, zoom0 = map_view_of(page)
    box = page.locator(".st-key-place_q input")
    box.wait_for(timeout=30000)
    mouse_click(page, box)
    page.keyboard.type("兖州", delay=50)
    page.keyboard.press("Enter")
    county = load_counties().set_index("adcode").geometry["370812"]
    lat, lon, zoom = wait_for_view(page, lambda v: county.contains(shapely.Point(v[1], v[0])) and v[2] > zoom0)
    assert county.contains(shapely.Point(lon, lat)), (lat, lon)
    assert zoom > zoom0
    picks = page.locator("[class*=st-key-place_pick_] button")
    expect(picks.first).to_be_visible(timeout=30000)
    assert picks.count() >= 1
    expect(page.locator("[data-testid=stSidebar]")).to_contain_text("兖州区")
    page.wait_for_timeout(1500)  # Leaflet's pan and zoom animation over before the picture
    page.screenshot(path=SCREENSHOT)
    # A click on a listed measure selects it: its details open under the list beside the map.
    first = picks.first
    title = first.inner_text().split(". ", 1)[-1].split(" · ")[0].strip()
    mouse_click(page, first)
    expect(page.locator(".st-key-details")).to_contain_text(title, timeout=30000)
    assert page.blocked == []
