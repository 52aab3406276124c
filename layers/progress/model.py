"""What a plan and a report are: the report statuses and the lights, with their words.

A plan (per measure): 责任单位 ``unit``, optional 牵头领导 ``leader``, planned ``start`` and
``end``, optional planned ``investment`` (万元) and ``milestones`` (name, due date, the date
it was met). A report (per measure and date): ``status`` (:data:`STATUSES`), 形象进度
``progress`` (0-100 %), optional ``invested`` (万元), 存在问题 ``problems``, ``source`` and
the ``reporter`` (the signed-in account). See docs/progress.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from layers.labels import LIGHT_WORDS

#: Report statuses: code -> words. The workbook accepts the Chinese word or the code.
STATUSES = {
    "not_started": {"zh": "未开工", "en": "not started"},
    "under_way": {"zh": "在建/推进中", "en": "under way"},
    "completed": {"zh": "已完成", "en": "completed"},
    "suspended": {"zh": "暂停", "en": "suspended"},
    "cancelled": {"zh": "取消", "en": "cancelled"},
}
#: The lights, in the order a legend lists them: code -> words (the UI's catalogue holds them).
LIGHTS = LIGHT_WORDS


def parse_status(text: str) -> str | None:
    """The status code of ``text`` (a code, its Chinese word, or one of the words of
    在建/推进中), or None when it is none of them."""
    t = str(text or "").strip()
    for code, words in STATUSES.items():
        if t.lower() == code or t == words["zh"] or t in words["zh"].split("/") or t.lower() == words["en"]:
            return code
    return None


@dataclass(frozen=True)
class Milestone:
    name: str
    due: dt.date
    met: dt.date | None = None  # the date it was met; None: not met (yet)

    def met_by(self, asof: dt.date) -> bool:
        return self.met is not None and self.met <= asof


@dataclass(frozen=True)
class Plan:
    unit: str
    start: dt.date
    end: dt.date
    leader: str = ""
    investment: float | None = None
    milestones: tuple[Milestone, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Report:
    date: dt.date
    status: str
    progress: float
    invested: float | None = None
    problems: str = ""
    source: str = ""
    reporter: str = ""


#: Bounds of what a plan or report may hold (text in characters, money in 万元).
LIMITS = {"unit": 100, "leader": 50, "name": 100, "problems": 2000, "source": 500, "milestones": 50}
EARLIEST, LATEST = dt.date(2015, 1, 1), dt.date(2040, 12, 31)
MAX_MONEY = 1e9


def read_date(value) -> dt.date | None:
    """A date from a cell: a date, a datetime, an ISO string (2020-06-30 or 2020/6/30), or
    Excel's 2020年6月30日; None when empty. Anything else raises ValueError."""
    if value is None or (isinstance(value, float) and value != value) or str(value).strip() == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = (
        str(value).strip().replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-").replace(".", "-")
    )
    y, m, d = (int(p) for p in text.split(" ")[0].split("-"))
    return dt.date(y, m, d)


def read_number(value) -> float | None:
    """A number from a cell (``1,234.5``, ``45%``); None when empty; ValueError otherwise."""
    if value is None or str(value).strip() == "" or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    n = float(str(value).strip().replace(",", "").replace("，", "").rstrip("%").rstrip("％"))
    if n != n or n in (float("inf"), float("-inf")):
        raise ValueError(value)
    return n


def _problem(problems: list, field: str, en: str, zh: str) -> None:
    from layers._errors import Msg

    problems.append((field, Msg(en, zh)))


def check_dates(rec: dict, fields: tuple[str, ...], problems: list) -> None:
    """Each of ``fields`` of ``rec`` read as a date within EARLIEST..LATEST (in place)."""
    for f in fields:
        try:
            rec[f] = read_date(rec.get(f))
        except (TypeError, ValueError):
            _problem(
                problems,
                f,
                f"{rec.get(f)!r} is not a date: write 2020-06-30",
                f"“{rec.get(f)}”不是日期:请写成 2020-06-30",
            )
            rec[f] = None
            continue
        if rec[f] is not None and not EARLIEST <= rec[f] <= LATEST:
            _problem(
                problems,
                f,
                f"{rec[f]} is outside {EARLIEST.year}-{LATEST.year}",
                f"{rec[f]} 不在 {EARLIEST.year}—{LATEST.year} 年之间",
            )
            rec[f] = None
