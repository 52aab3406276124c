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

#: Report statuses: code -> words. The workbook accepts the Chinese word or the code.
STATUSES = {
    "not_started": {"zh": "未开工", "en": "not started"},
    "under_way": {"zh": "在建/推进中", "en": "under way"},
    "completed": {"zh": "已完成", "en": "completed"},
    "suspended": {"zh": "暂停", "en": "suspended"},
    "cancelled": {"zh": "取消", "en": "cancelled"},
}
#: The lights, in the order a legend lists them: code -> words.
LIGHTS = {
    "red": {"zh": "红 严重滞后", "en": "red: well behind"},
    "yellow": {"zh": "黄 进度滞后", "en": "yellow: behind"},
    "blue": {"zh": "蓝 正常推进", "en": "blue: on schedule"},
    "completed": {"zh": "完成", "en": "completed"},
    "cancelled": {"zh": "取消", "en": "cancelled"},
    "stale": {"zh": "未报告", "en": "not reported"},
    "no_plan": {"zh": "无计划", "en": "no plan"},
}


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
