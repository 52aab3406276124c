"""Real-browser tests: Debian's chromium driven by Playwright, with the internet cut off.

The app runs with ``streamlit run`` on a free port; a readiness poll on
Streamlit's health endpoint replaces any fixed sleep. Every request that does
not go to that port is aborted and recorded.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

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
        time.sleep(0.2)
    raise TimeoutError(f"{url} not ready after {timeout} s")


@pytest.fixture(scope="module")
def server():
    port = find_free_port()
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
    )
    try:
        wait_for_server(f"http://127.0.0.1:{port}/_stcore/health", proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        proc.stdout.close()


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def offline_page(browser, server):
    """A page whose every request off the app's own host is aborted and recorded."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    blocked = []
    host = urlparse(server).netloc

    def route(r):
        if urlparse(r.request.url).netloc == host:
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.blocked = blocked
    yield page
    page.close()


def test_register_page_loads_offline(offline_page, server):
    page = offline_page
    page.goto(server)
    page.get_by_text("济宁市“十大攻坚行动”项目登记").wait_for(timeout=30000)
    page.locator('[data-testid="stDataFrame"]').wait_for(timeout=30000)
    assert page.locator('[data-testid="stMetricValue"]').first.inner_text() == "95"
    # Nothing the page needs comes from the internet.
    assert [u for u in offline_page.blocked if not u.startswith("data:")] == []


def test_language_toggle_in_browser(offline_page, server):
    page = offline_page
    page.goto(server)
    page.get_by_text("济宁市“十大攻坚行动”项目登记").wait_for(timeout=30000)
    page.get_by_text("English").click()
    page.get_by_text("Jining “Ten Key Tackling Actions”").wait_for(timeout=30000)
