"""Real-browser tests: Debian's chromium driven by Playwright, with the internet cut off.

The app runs with ``streamlit run`` on a free port; a readiness poll on
Streamlit's health endpoint replaces any fixed sleep. Every request that does
not go to that port is aborted and recorded.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qsl, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if not Path(CHROMIUM).exists():
    # In CI a missing browser is a broken install, never a skip.
    if os.environ.get("CI"):
        raise RuntimeError("chromium is not installed; .ci/run must install it (apt-get install chromium)")
    pytest.skip("chromium not installed (apt-get install chromium)", allow_module_level=True)

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect


def find_free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_server(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{proc.stdout.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)  # no browser yet: a plain sleep is fine here
    raise TimeoutError(f"{url} not ready after {timeout} s")


def start_server(store_path):
    port = find_free_port()
    env = {**os.environ, "JINING_STORE": str(store_path)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    wait_for_server(f"http://127.0.0.1:{port}/_stcore/health", proc)
    return proc, f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def server_with_account(folder, name: str, password: str, role: str):
    """A server whose store (in ``folder``) has one account: its URL, stopped afterwards."""
    from layers.edits.auth import Accounts
    from layers.edits.store import Store

    path = folder / "store.sqlite"
    with Store(path) as store:
        Accounts(store).add(name, password, role)
    proc, url = start_server(path)
    try:
        yield url
    finally:
        stop_server(proc)


def stop_server(proc):
    proc.terminate()
    proc.wait(timeout=20)
    proc.stdout.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    proc, url = start_server(tmp_path_factory.mktemp("store") / "store.sqlite")
    try:
        yield url
    finally:
        stop_server(proc)


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def offline_page(browser, server):
    """A page whose every request off the app's own host is aborted and recorded."""
    # Routing on the context (not the page) also catches requests from the map's iframe.
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    blocked = []
    host = urlparse(server).netloc

    def is_outside(url):
        return not url.startswith(("data:", "about:", "blob:")) and urlparse(url).netloc != host

    def route(r):
        r.abort() if is_outside(r.request.url) else r.continue_()

    context.route("**/*", route)
    # Record from the request event: it sees every request, routed or not.
    context.on("request", lambda req: blocked.append(req.url) if is_outside(req.url) else None)
    page.blocked = blocked
    yield page
    context.close()


MAP = 'iframe[title="streamlit_folium.st_folium"]'


def open_map(page, url):
    page.goto(url)
    frame = page.frame_locator(MAP)
    frame.locator(".leaflet-container").wait_for(timeout=60000)
    return frame


def selection(params: dict):
    from layers import load_projects
    from layers.selection.filtering import filter_projects, filters_from_query

    return filter_projects(load_projects(), filters_from_query(params))


def expected_counts(params: dict) -> tuple[int, int]:
    """(point markers, vector paths) the map must draw for these URL parameters, from the
    layers. Points that share a place are drawn by their cluster, not as markers of their own."""
    sel = selection(params)
    clustered = {i for ids in marker_kinds(sel)["members"] for i in ids}
    points = int(((sel["form"] == "point") & ~sel["id"].isin(clustered)).sum())
    shapes = int(sel["form"].isin(["line", "area"]).sum())
    county_wide = sum(len(c.split(",")) for c in sel.loc[sel["form"] == "county", "county_adcodes"])
    return points, 11 + shapes + county_wide


def marker_kinds(sel) -> dict:
    """The numbered things the map of ``sel`` draws: tags (of lines, areas and county-wide
    measures) and clusters, with their members' ids."""
    from layers.selection.filtering import Filters
    from layers.webmap.map_layers import _Clusters, _FeatureLayer
    from layers.webmap.mapping import BADGE_CLASS, build_map

    m = build_map(sel, Filters())
    elements = [e for g in m._children.values() for e in g._children.values()]
    tags = sum(
        len(e.ids) for e in elements if isinstance(e, _FeatureLayer) and e.mode == "marker" and BADGE_CLASS in e.payload
    )
    members = [[x[0] for x in c["m"]] for e in elements if isinstance(e, _Clusters) for c in e.clusters]
    return {"tags": tags, "members": members}


def mouse_click(page, locator):
    """A real mouse click at the centre of ``locator`` (press and release at page
    coordinates, as a planner's click), not a synthetic DOM event. No scrolling first: the
    first click on a page as it opens must work (it once did not, see _FocusWithoutScroll)."""
    view = page.viewport_size
    deadline = time.monotonic() + 30
    while True:  # the page may still be laying itself out (elements above the map arriving)
        box = locator.bounding_box()
        if box is not None and 0 <= box["y"] and box["y"] + box["height"] <= view["height"]:
            break
        assert time.monotonic() < deadline, f"not on screen: {box}"
        page.wait_for_timeout(200)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


LIST = ".st-key-side [data-testid=stDataFrame]"
#: Streamlit's data grid: a header row, then rows of this height (its default).
ROW_PX = 35


def click_list_row(page, row: int, column_x: int = 120):
    """A real click on a cell of row ``row`` (0-based) of the list beside the map."""
    grid = page.locator(LIST)
    grid.wait_for(timeout=30000)
    box = grid.bounding_box()
    page.mouse.click(box["x"] + column_x, box["y"] + ROW_PX * (row + 1) + ROW_PX / 2)


def map_view_of(page) -> tuple[float, float, int]:
    """(lat, lon, zoom) of the map in the app's map frame."""
    frame = next(f for f in page.frames if "streamlit_folium" in f.url)
    c = frame.evaluate("[window.map.getCenter().lat, window.map.getCenter().lng, window.map.getZoom()]")
    return c[0], c[1], c[2]


def wait_for_count(page, locator, n, timeout=30.0):
    """Poll until ``locator`` matches ``n`` elements. ``page.wait_for_timeout`` (not time.sleep)
    keeps Playwright's event loop running, which the request routing needs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if locator.count() == n:
            return
        page.wait_for_timeout(200)
    assert locator.count() == n


@pytest.mark.parametrize("query", ["", "action=4&district=370828", "action=2,10", "form=line"])
def test_map_draws_the_expected_features_offline(offline_page, server, query):

    frame = open_map(offline_page, f"{server}/?{query}")
    points, paths = expected_counts(dict(parse_qsl(query)))
    wait_for_count(offline_page, frame.locator(".leaflet-marker-icon.jn-point"), points)
    wait_for_count(offline_page, frame.locator("path.leaflet-interactive"), paths)
    assert frame.locator(".jn-legend").count() == 1
    kinds = marker_kinds(selection(dict(parse_qsl(query))))
    wait_for_count(offline_page, frame.locator(".leaflet-marker-icon.jn-badge"), kinds["tags"])
    # Discs of places that would touch at this zoom are one: their counts add up to the members.
    discs, members = frame.locator(".leaflet-marker-icon.jn-cluster"), sum(len(ids) for ids in kinds["members"])
    deadline = time.monotonic() + 30
    while sum(int(n) for n in discs.all_inner_texts()) != members and time.monotonic() < deadline:
        offline_page.wait_for_timeout(200)
    assert sum(int(n) for n in discs.all_inner_texts()) == members
    assert discs.count() <= len(kinds["members"])
    assert offline_page.blocked == []


@pytest.mark.parametrize("query", ["q=济宁科技创新谷", "action=1", "district=370811"])
def test_every_selected_marker_is_inside_the_visible_map(offline_page, server, query):
    page = offline_page
    frame = open_map(page, f"{server}/?{query}")
    points, _ = expected_counts(dict(parse_qsl(query)))
    markers = frame.locator(".leaflet-marker-icon.jn-point")
    wait_for_count(page, markers, points)
    map_box = frame.locator(".leaflet-container").bounding_box()

    def outside():
        out = []
        for i in range(points):
            b = markers.nth(i).bounding_box()
            inside_x = map_box["x"] <= b["x"] and b["x"] + b["width"] <= map_box["x"] + map_box["width"]
            inside_y = map_box["y"] <= b["y"] and b["y"] + b["height"] <= map_box["y"] + map_box["height"]
            if not (inside_x and inside_y):
                out.append(b)
        return out

    # The map sets its view just after its markers appear: give it a moment to settle.
    deadline = time.monotonic() + 15
    while outside() and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert outside() == [], query


@pytest.mark.parametrize("size", [(1366, 768), (1440, 900), (1920, 1080)])
def test_the_map_and_the_list_beside_it_fit_the_window(browser, server, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    open_map(page, f"{server}/?action=10")
    map_box = page.locator(MAP).bounding_box()
    side_box = page.locator(".st-key-side").bounding_box()
    for box in (map_box, side_box):
        assert box["y"] >= 0 and box["y"] + box["height"] <= size[1], (size, box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= size[0], (size, box)
    assert map_box["height"] >= 500 and map_box["width"] >= 0.45 * size[0]
    context.close()


def test_switching_the_language_keeps_the_filters_and_the_url(offline_page, server):
    """Regression: from /?action=4&district=370828 (6 measures), English showed 95 of 95 and
    the URL lost its parameters (the widgets' new labels gave them new identities). AppTest
    does not reproduce this; a real browser does."""
    page = offline_page
    open_map(page, f"{server}/?action=4&district=370828")
    from layers import load_projects

    n = len(load_projects())
    page.get_by_text(f"6 条(共 {n} 条)").wait_for(timeout=30000)
    mouse_click(page, page.get_by_text("English", exact=True))
    page.get_by_text(f"Matching measures: 6 of {n}").wait_for(timeout=30000)
    page.wait_for_timeout(1000)
    assert "action=4" in page.url and "district=370828" in page.url
    # The open tab stays open across the switch.
    mouse_click(page, page.get_by_role("tab", name="Register"))
    expect(page.get_by_role("tab", name="Register")).to_have_attribute("aria-selected", "true", timeout=30000)
    mouse_click(page, page.get_by_text("中文", exact=True))
    page.get_by_text(f"6 条(共 {n} 条)").wait_for(timeout=30000)
    expect(page.get_by_role("tab", name="登记表")).to_have_attribute("aria-selected", "true", timeout=30000)


def test_clicking_a_measure_opens_its_details(offline_page, server):
    page = offline_page
    frame = open_map(page, f"{server}/?q=济宁科技创新谷")
    mouse_click(page, frame.locator(".leaflet-marker-icon.jn-point").first)
    details = page.locator(".st-key-details")
    expect(details).to_contain_text("A10-05", timeout=30000)  # the rows render after the heading
    text = details.inner_text()
    assert "济宁科技创新谷" in text and "加快建设济宁科技创新谷" in text and "A10-05" in text


def test_clicking_a_county_selects_it(offline_page, server):
    page = offline_page
    frame = open_map(page, f"{server}/?action=8")  # only city-wide reforms: nothing covers the counties
    label = frame.locator(".jn-label", has_text="梁山县")
    box = label.bounding_box()
    frame.locator(".leaflet-container").wait_for()
    page.mouse.click(box["x"] + 2, box["y"] + box["height"] + 12)
    page.wait_for_url("**district=370832**", timeout=30000)
    page.locator('[data-testid="stMultiSelect"]', has_text="梁山县").wait_for(timeout=30000)


def test_switching_the_basemap_requests_tiles_and_keeps_the_layers(offline_page, server):
    page = offline_page
    frame = open_map(page, f"{server}/?action=3")
    points, _ = expected_counts({"action": "3"})
    # Below the fold of the sidebar: scrolled to first (a scroll under an open list closes it).
    basemap = page.locator('[data-testid="stSelectbox"]', has_text="底图")
    basemap.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    mouse_click(page, basemap)
    page.get_by_role("option", name="OpenStreetMap").click()
    page.wait_for_url("**basemap=osm**", timeout=30000)
    frame = page.frame_locator(MAP)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any("openstreetmap" in u for u in page.blocked):
        page.wait_for_timeout(200)
    wait_for_count(page, frame.locator(".leaflet-marker-icon.jn-point"), points)
    tiles = frame.locator(".leaflet-tile")
    srcs = [tiles.nth(i).get_attribute("src") for i in range(min(tiles.count(), 3))]
    # The page asked for tiles and got none (offline), yet the layers are still drawn.
    assert any("tile.openstreetmap.org" in u for u in page.blocked), (page.blocked, srcs)
    assert frame.locator(".leaflet-tile").count() > 0


def test_language_toggle_in_browser(offline_page, server):
    page = offline_page
    page.goto(server)
    page.get_by_text("济宁市“十大攻坚行动”项目登记").wait_for(timeout=30000)
    page.get_by_text("English").click()
    page.get_by_text("Jining “Ten Key Tackling Actions”").wait_for(timeout=30000)


def test_exported_html_works_offline_from_a_file(browser, tmp_path):
    """The standalone HTML export opens from disk with every network request refused."""
    from layers import load_projects
    from layers.exports.html_page import to_html
    from layers.selection.filtering import filter_projects, filters_from_query

    params = {"action": "2,10"}
    sel = filter_projects(load_projects(), filters_from_query(params))
    path = to_html(sel, tmp_path / "map.html", filters_from_query(params))
    context = browser.new_context()
    requested = []
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    context.on("request", lambda req: requested.append(req.url) if not req.url.startswith(("file:", "data:")) else None)
    page = context.new_page()
    page.goto(path.as_uri())
    page.locator(".leaflet-container").wait_for(timeout=30000)
    points, paths = expected_counts(params)
    wait_for_count(page, page.locator(".leaflet-marker-icon.jn-point"), points)
    wait_for_count(page, page.locator("path.leaflet-interactive"), paths)
    assert requested == []
    # A small version of the app: a click opens the same details, and the measures with no
    # single place are listed beside the map.
    page.set_viewport_size({"width": 1440, "height": 900})
    from layers.selection.numbering import drawn_measures, unplaced_measures

    nowhere = unplaced_measures(sel)
    expect(page.locator("#jn-panel")).to_contain_text(f"无单一地点的措施 ({len(nowhere)})")
    for title in nowhere["title_zh"].head(3):
        expect(page.locator("#jn-panel")).to_contain_text(title)
    marker = page.locator(".leaflet-marker-icon.jn-point").first
    box = marker.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#jn-details")).to_contain_text("措施详情", timeout=10000)
    expect(page.locator("#jn-details")).to_contain_text("位置精度")
    # The cited notes (English) are folded under their label, as in the app.
    expect(page.locator("#jn-details details summary")).to_have_text("来源说明(英文原文)")
    assert page.locator("#jn-details details").get_attribute("open") is None
    # The numbered list: a click on a row shows that measure and moves the map to it.
    drawn = drawn_measures(sel)
    rows = page.locator("#jn-panel ol li[data-id]")
    assert rows.count() == len(drawn)
    last = drawn.iloc[-1]
    rows.last.scroll_into_view_if_needed()
    box = rows.last.bounding_box()
    page.mouse.click(box["x"] + 10, box["y"] + box["height"] / 2)
    expect(page.locator("#jn-details")).to_contain_text(last["id"], timeout=10000)
    if last["form"] == "point":
        script = "(() => { for (const k in window) { if (k.startsWith('map_') && window[k].getCenter) return window[k].getCenter(); } })()"
        deadline = time.monotonic() + 10  # the move may be animated (a zoom change of several levels)
        while True:
            centre = page.evaluate(script)
            near = abs(centre["lat"] - last.geometry.y) < 1e-3 and abs(centre["lng"] - last.geometry.x) < 1e-3
            if near or time.monotonic() > deadline:
                break
            page.wait_for_timeout(200)
        assert near, (centre, last.geometry)
    context.close()


def test_exported_html_shows_hostile_names_as_text(browser, tmp_path):
    from layers import load_projects
    from layers.exports.html_page import to_html

    sel = load_projects()
    sel = sel[sel["action"] == 10].copy()
    sel["title_zh"] = EVIL
    path = to_html(sel, tmp_path / "evil.html")
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    dialogs = []
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    marker = page.locator(".leaflet-marker-icon.jn-point").first
    marker.wait_for(timeout=30000)
    box = marker.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#jn-details")).to_contain_text(EVIL, timeout=10000)
    expect(page.locator("#jn-panel")).to_contain_text(EVIL)
    assert page.locator("img[src='x']").count() == 0
    page.wait_for_timeout(300)
    assert dialogs == []
    context.close()


EVIL = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    """A server whose store holds imported measures with hostile names."""
    import pandas as pd

    from layers.edits.importer import review_import
    from layers.edits.store import Store

    path = tmp_path_factory.mktemp("hostile") / "store.sqlite"
    df = pd.DataFrame(
        [[EVIL, "3", "", ""], [EVIL + "点", "3", "116.5870", "35.4152"]],
        columns=["项目名称", "所属行动", "经度", "纬度"],
    )
    report = review_import(df, "wgs84")
    assert not report.has_errors
    with Store(path) as s:
        s.save(report.accepted, "<script>alert(2)</script>")
    proc, url = start_server(path)
    try:
        yield url
    finally:
        stop_server(proc)


def test_hostile_names_show_as_text_and_never_run(browser, hostile_server):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    context.on("page", lambda p: p.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss())))
    frame = open_map(page, f"{hostile_server}/?action=3&q=onerror")
    # The city-wide one is the list's second row (after the point, numbered 1): a click
    # shows its details, as text.
    click_list_row(page, 1)
    expect(page.locator(".st-key-details")).to_contain_text(EVIL, timeout=30000)
    expect(page.locator(".st-key-details")).to_contain_text("全市")
    # The point: its tooltip and its detail panel show the name as text.
    marker = frame.locator(".leaflet-marker-icon.jn-point")
    wait_for_count(page, marker, 1)
    marker.hover()
    tooltip = frame.locator(".leaflet-tooltip")
    tooltip.wait_for(timeout=30000)
    assert EVIL in tooltip.inner_text()
    mouse_click(page, marker)
    details = page.locator(".st-key-details")
    # The panel's box appears before its text: wait for the text itself.
    expect(details).to_contain_text(EVIL, timeout=30000)
    assert frame.locator("img[src='x']").count() == 0 and page.locator("img[src='x']").count() == 0
    page.wait_for_timeout(500)
    assert dialogs == []
    context.close()


def _label_boxes(frame):
    """Screen boxes of the town names on the map (the inner text elements)."""
    return frame.locator(".jn-context-label > div").evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })"
    )


def test_the_offline_geography_is_drawn_and_town_names_never_overlap(offline_page, server):
    page = offline_page
    frame = open_map(page, f"{server}/?action=8")
    frame.locator(".leaflet-jn-context-pane path").first.wait_for(timeout=30000)  # water and the outline
    water_names = frame.locator(".jn-context-label", has_text="微山湖")
    assert water_names.count() == 1
    towns_at_city_zoom = frame.locator(".jn-context-label", has_text="大束镇").count()
    assert towns_at_city_zoom == 0  # town names wait for zoom 10
    # 任城区 holds the crowded urban streets.
    frame = open_map(page, f"{server}/?action=8&district=370811")
    page.wait_for_timeout(1000)
    for _ in range(1):  # a real click on the zoom button
        box = frame.locator(".leaflet-control-zoom-in").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(600)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(_label_boxes(frame)) < 10:
        page.wait_for_timeout(200)
    boxes = _label_boxes(frame)
    assert len(boxes) >= 10
    overlaps = [
        (a, b)
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
    ]
    assert overlaps == []
    assert page.blocked == []


def test_a_shared_place_spreads_and_each_of_its_measures_opens_its_details(offline_page, server):
    """Five measures share the 尼山 place: one marker shows their count; a real click spreads
    them, and a click on any of them opens its details."""
    page = offline_page
    params = {"q": "尼山"}
    frame = open_map(page, f"{server}/?q=尼山")
    (members,) = [ids for ids in marker_kinds(selection(params))["members"] if len(ids) >= 3]
    cluster = frame.locator(".leaflet-marker-icon.jn-cluster")
    wait_for_count(page, cluster, 1)
    assert cluster.inner_text().strip() == str(len(members))
    mouse_click(page, cluster)
    spread = frame.locator(".leaflet-marker-icon.jn-member")
    wait_for_count(page, spread, len(members))
    for k in (len(members) - 1, 0):  # the last and the first: each one opens its own details
        mouse_click(page, spread.nth(k))
        expect(page.locator(".st-key-details")).to_contain_text(members[k], timeout=30000)
        # The map does not move on a map click, and the spread stays open with the choice ringed.
        wait_for_count(page, spread, len(members))


def test_a_row_of_the_list_selects_its_measure_and_moves_the_map_to_it(offline_page, server):
    from layers.selection.numbering import list_table
    from layers.webmap.mapping import focus_view

    page = offline_page
    open_map(page, f"{server}/?action=10")
    listed = list_table(selection({"action": "10"}), "zh")
    sel = selection({"action": "10"}).set_index("id")
    row = next(i for i, mid in enumerate(listed.index) if sel.loc[mid, "form"] == "point" and i > 0)
    mid = listed.index[row]
    page.wait_for_timeout(500)
    lat0, lon0, zoom0 = map_view_of(page)
    click_list_row(page, row)
    expect(page.locator(".st-key-details")).to_contain_text(mid, timeout=30000)
    want = focus_view(sel.reset_index(), mid)[1]  # the zoom its precision allows (tests/test_views.py)
    point = sel.loc[mid, "geometry"]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and abs(map_view_of(page)[0] - point.y) > 1e-3:
        page.wait_for_timeout(200)
    lat, lon, zoom = map_view_of(page)
    assert zoom == want and (lat, lon, zoom) != (lat0, lon0, zoom0)
    assert abs(lat - point.y) < 1e-3 and abs(lon - point.x) < 1e-3
    # The measure is ringed on the map (the ring is 4 px wide; an approximate point's
    # precision disc, also amber, is 2 px: tests/test_browser_views.py).
    frame = page.frame_locator(MAP)
    expect(frame.locator("path[stroke='#ffb000'][stroke-width='4']")).to_have_count(1, timeout=30000)


#: The row's checkbox, left of the first column of the list.
ROW_MARKER_X = 15


def details_title(page) -> str | None:
    """The measure title the details panel under the list shows (the line after 措施)."""
    details = page.locator(".st-key-details")
    if details.count() == 0:
        return None
    lines = [s.strip() for s in details.inner_text().splitlines() if s.strip()]
    return next((b for a, b in zip(lines, lines[1:], strict=False) if a == "措施"), None)


def test_every_click_on_any_row_of_the_list_selects_that_row(offline_page, server):
    """Cell clicks one after another, in any order, each select their own row's measure
    (once, only the first click did; the later ones drew a cell outline and nothing else)."""
    from layers.selection.numbering import list_table

    page = offline_page
    open_map(page, f"{server}/?action=3")
    listed = list_table(selection({"action": "3"}), "zh")
    # Titles of rows 1, 3, 6 and 1 again, then row 4's checkbox and row 2's title.
    for row, x in ((0, 120), (2, 120), (5, 120), (0, 120), (3, ROW_MARKER_X), (1, 120)):
        title = listed.iloc[row, 1]  # the list's title cell of that row
        click_list_row(page, row, x)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and details_title(page) != title:
            page.wait_for_timeout(200)
        assert details_title(page) == title, f"row {row}"
        # The selected row's id is in the details, and the map rings one measure.
        expect(page.locator(".st-key-details")).to_contain_text(listed.index[row])


def stats_bar(page, district: str):
    """The rendered bar (its lowest segment, an SVG path of the Vega view) of ``district``
    in the 统计 tab's chart, scrolled on screen; Vega labels each segment with its tooltip.
    Measured only once the app's run is over: a click lands in the chart as redrawn, not in the
    one a rerun is replacing (under load that click was lost)."""
    page.locator("[data-testid=stStatusWidget]").wait_for(state="hidden", timeout=30000)
    bar = page.locator(f"[data-testid=stVegaLiteChart] g.mark-rect path[aria-label^='县市区: {district};']").first
    bar.wait_for(timeout=30000)
    bar.scroll_into_view_if_needed()  # the chart is below the table; scrolling is no click
    page.wait_for_timeout(300)  # let the scroll settle before measuring
    return bar


def test_clicking_a_districts_bar_in_the_chart_filters_to_it_and_again_clears_it(offline_page, server):
    """Issue 20: a click on a bar of the 统计 chart left the URL and the count as they were
    (the bars' aggregation dropped the adcode the selection is on). A click on 曲阜市's bar
    filters to 曲阜市; a click on that bar again clears the filter."""
    page = offline_page
    open_map(page, server)
    total = len(selection({}))
    n_qufu = len(selection({"district": "370881"}))
    assert n_qufu < total
    page.get_by_text(f"{total} 条(共 {total} 条)").wait_for(timeout=30000)
    mouse_click(page, page.get_by_role("tab", name="统计"))
    for _ in range(2):
        # Each time the bar as drawn now: a real mouse click at its centre.
        box = stats_bar(page, "曲阜市").bounding_box()
        before = page.url
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        if "district=" not in before:
            page.wait_for_url("**district=370881**", timeout=30000)
            page.get_by_text(f"{n_qufu} 条(共 {total} 条)").wait_for(timeout=30000)
            page.locator('[data-testid="stMultiSelect"]', has_text="曲阜市").wait_for(timeout=30000)
        else:
            page.get_by_text(f"{total} 条(共 {total} 条)").wait_for(timeout=30000)
            deadline = time.monotonic() + 30
            while "district=" in page.url and time.monotonic() < deadline:
                page.wait_for_timeout(200)
            assert "district=" not in page.url
            expect(page.locator('[data-testid="stMultiSelect"]', has_text="曲阜市")).to_have_count(0)
