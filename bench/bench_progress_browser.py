"""The map coloured by progress in a real browser: how long a filter change and an as-of
change take, from the planner's action to the map's legend showing the new lights.

The real register with a plan and 24 monthly reports per measure (saved through the
store, as ``bench_lights.py --app`` does), the app at ``?color=progress&asof=2020-06-30``
in Debian's chromium. Times (median of ``--repeat``):

- ``filter_change_s``: a click on 重置筛选 from ``action=3`` until the legend counts the
  whole register's lights;
- ``asof_change_s``: a date two months on or back set in 截至日期 (its month stepped with
  the arrow keys, then a click elsewhere, when the field sends it) until the legend counts
  that date's lights (each date seen once before, as a planner going back and forth).

Nothing asserts a time: the figures go to docs/performance.md.

    .venv/bin/python bench/bench_progress_browser.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_lights import START, progress_rows  # noqa: E402
from run import CHROMIUM, CHROMIUM_ARGS, map_frame, start  # noqa: E402


def legend_shows(page, rows: list[str]) -> bool:
    frame = map_frame(page)
    if frame is None:
        return False
    try:
        text = frame.evaluate("() => document.body.innerText")
    except Exception:  # the frame is being replaced
        return False
    return all(r in text for r in rows)


def wait_legend(page, rows: list[str], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if legend_shows(page, rows):
            return True
        page.wait_for_timeout(10)
    return False


def expected_legend(path: Path, asof: dt.date) -> list[str]:
    """The legend's rows (each light with its count) for the whole register as of ``asof``."""
    from layers import load_projects
    from layers.edits.store import Store
    from layers.progress.store import lights_asof
    from layers.progress.view import light_counts, with_lights

    with Store(path, read_only=True) as store:
        lit = with_lights(load_projects(), lights_asof(store, list(load_projects()["id"]), asof))
    from layers.labels import LIGHT_WORDS

    return [f"{LIGHT_WORDS[c]['zh']} ({n})" for c, n in light_counts(lit).items() if n]


def run(repeat: int) -> dict:
    from playwright.sync_api import sync_playwright

    from layers.edits.store import Store

    dates = [START + dt.timedelta(days=d) for d in (60, 121)]  # blue and yellow, then all red
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "progress.sqlite"
        with Store(path) as store:
            store.save_progress(progress_rows(24), "bench")
        legends = {d: expected_legend(path, d) for d in dates}
        assert legends[dates[0]] != legends[dates[1]], "the two dates must differ"
        proc, url = start(ROOT / "app.py", {**os.environ, "JINING_STORE": str(path)})
        out = {"filter_change_s": [], "asof_change_s": []}
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1440, "height": 900})
                for _ in range(repeat):
                    page.goto(f"{url}/?color=progress&asof={dates[0]}&action=3")
                    assert wait_legend(page, ["蓝 正常推进"]), "no progress legend"
                    reset = page.locator(".st-key-reset button").first
                    reset.evaluate("e => e.scrollIntoView({block: 'center'})")  # not under the sidebar's header
                    page.wait_for_timeout(500)
                    t = time.perf_counter()
                    reset.click()
                    if wait_legend(page, legends[dates[0]]):
                        out["filter_change_s"].append(time.perf_counter() - t)
                # 截至日期 is a field of segments (year, month, day): its month stepped with the
                # arrow keys, two months on and back (the two dates differ by two months).
                month = page.locator("[data-testid=stDateInput] [role=spinbutton]").nth(1)
                month.evaluate("e => e.scrollIntoView({block: 'center'})")
                for k in range(2 * repeat + 2):
                    asof = dates[(k + 1) % 2]
                    month.click()
                    key = "ArrowUp" if asof > dates[0] else "ArrowDown"
                    page.keyboard.press(key)
                    page.keyboard.press(key)
                    t = time.perf_counter()  # the field sends its date when it loses the focus
                    page.mouse.click(1200, 820)
                    if wait_legend(page, legends[asof]) and k >= 2:  # both dates seen once
                        out["asof_change_s"].append(time.perf_counter() - t)
                    page.wait_for_timeout(300)
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return {k: round(statistics.median(v), 3) if v else None for k, v in out.items()} | {"runs": repeat}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    print(json.dumps(run(ap.parse_args().repeat), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
