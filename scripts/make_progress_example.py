"""Write docs/examples/progress_example.xlsx: a FICTIONAL reporting workbook for trying the
progress feature (挂图作战). Every value below is invented; every row says 示例 (the unit is
示例单位, the milestones are 示例节点, the source is 示例,非真实数据). The file is never loaded by
default: import it into a throwaway store to see the lights, e.g.

    JINING_STORE=/tmp/try.sqlite .venv/bin/python -m layers progress import docs/examples/progress_example.xlsx --asof 2020-12-31
    JINING_STORE=/tmp/try.sqlite .venv/bin/python -m layers progress lights --asof 2020-12-31 --format csv

As of 2020-12-31 the five measures show five lights: blue, yellow, red, completed and
stale (``EXPECTED``). The ids are the register's (the import accepts only those); the titles
come from the register, for orientation only.

Usage: ``python scripts/make_progress_example.py [OUT]``.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OUT = ROOT / "docs" / "examples" / "progress_example.xlsx"
ASOF = dt.date(2020, 12, 31)
UNIT, SOURCE = "示例单位", "示例,非真实数据"
D = dt.date

#: Invented plans: id -> (start, end, investment in 万元, milestones (name, due, met)).
PLANS = {
    "A01-01": (D(2020, 3, 1), D(2021, 2, 28), 1200, [("示例节点:开工", D(2020, 3, 31), D(2020, 3, 20))]),
    "A02-01": (D(2020, 1, 1), D(2021, 6, 30), 800, [("示例节点:方案批复", D(2020, 4, 30), D(2020, 4, 28))]),
    "A03-01": (
        D(2020, 2, 1),
        D(2020, 12, 31),
        3000,
        [("示例节点:开工", D(2020, 3, 1), D(2020, 3, 15)), ("示例节点:主体完工", D(2020, 10, 31), None)],
    ),
    "A04-01": (D(2020, 3, 1), D(2020, 10, 31), 500, [("示例节点:验收", D(2020, 10, 31), D(2020, 10, 30))]),
    "A05-01": (D(2020, 4, 1), D(2021, 12, 31), None, []),
}
#: Invented reports: id -> [(date, status, 形象进度 %, 投资完成 万元, 存在问题)].
REPORTS = {
    "A01-01": [
        (D(2020, 6, 30), "在建", 30, 300, ""),
        (D(2020, 9, 30), "在建", 60, 700, ""),
        (D(2020, 12, 20), "在建", 80, 950, ""),
    ],
    "A02-01": [
        (D(2020, 5, 31), "在建", 20, 100, ""),
        (D(2020, 9, 30), "在建", 40, 300, ""),
        (D(2020, 12, 15), "在建", 50, 380, "示例:征地手续未完成"),
    ],
    "A03-01": [
        (D(2020, 6, 30), "在建", 15, 400, "示例:资金未到位"),
        (D(2020, 10, 31), "在建", 30, 900, ""),
        (D(2020, 12, 25), "在建", 45, 1300, "示例:工期滞后"),
    ],
    "A04-01": [(D(2020, 6, 30), "在建", 50, 250, ""), (D(2020, 10, 31), "已完成", 100, 490, "")],
    "A05-01": [(D(2020, 5, 31), "未开工", 0, None, ""), (D(2020, 8, 31), "在建", 25, None, "")],
}
#: The light of each measure as of :data:`ASOF` once the example is imported.
EXPECTED = {"A01-01": "blue", "A02-01": "yellow", "A03-01": "red", "A04-01": "completed", "A05-01": "stale"}


def example_rows(titles: dict[str, str]) -> dict[str, list[dict]]:
    """The example's rows by sheet, as ``layers.progress.workbook.write_workbook`` takes them."""
    rows: dict[str, list[dict]] = {"plan": [], "milestones": [], "reports": []}
    for mid, (start, end, investment, milestones) in PLANS.items():
        head = {"id": mid, "title": titles.get(mid, "")}
        rows["plan"].append({**head, "unit": UNIT, "start": start, "end": end, "investment": investment})
        for name, due, met in milestones:
            rows["milestones"].append({**head, "name": name, "due": due, "met": met})
        for date, status, progress, invested, problems in REPORTS[mid]:
            rows["reports"].append(
                {
                    **head,
                    "date": date,
                    "status": status,
                    "progress": progress,
                    "invested": invested,
                    "problems": problems,
                    "source": SOURCE,
                }
            )
    return rows


def main(out: Path = OUT) -> Path:
    from layers import load_projects
    from layers.progress.workbook import write_workbook

    projects = load_projects()
    titles = dict(zip(projects["id"], projects["title_zh"], strict=True))
    return write_workbook(example_rows(titles), out)


if __name__ == "__main__":
    print(f"wrote {main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)}")
