"""Our exception classes. Each message says what is wrong, where, and what to do."""

from __future__ import annotations

from dataclasses import dataclass


class Msg(str):
    """A message for a planner: English as a string (logs, the command line, exceptions),
    with its Chinese form beside it for the app's Chinese view."""

    zh: str

    def __new__(cls, en: str, zh: str):
        obj = super().__new__(cls, en)
        obj.zh = zh
        return obj

    def __reduce__(self):  # pickles (Streamlit's caches) keep both languages
        return (Msg, (str(self), self.zh))


def in_lang(text, lang: str) -> str:
    """``text`` in ``lang``: a :class:`Msg`'s Chinese form, or the text as it is."""
    return text.zh if lang == "zh" and isinstance(text, Msg) else str(text)


@dataclass(frozen=True)
class Problem:
    """One problem found in a table: the 1-based row number as Excel shows it
    (the header is row 1), the field, and the reason with what to do."""

    row: int
    field: str
    message: str

    def __str__(self) -> str:
        if self.row == 0:  # a problem with the whole file
            return f"{self.field}: {self.message}"
        return f"row {self.row}, field '{self.field}': {self.message}"

    def text(self, lang: str = "en") -> str:
        """The problem in ``lang``."""
        if lang != "zh":
            return str(self)
        message = in_lang(self.message, lang)
        if self.row == 0:
            return f"{'文件' if self.field == '(file)' else self.field}:{message}"
        return f"第 {self.row} 行“{self.field}”列:{message}"


class DataError(ValueError):
    """A data file is unreadable or invalid. ``problems`` lists every problem found."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{source}: {len(self.problems)} problem(s); fix them in the file and run again:\n{lines}")


class RegisterError(DataError):
    """The project register has invalid rows."""


class GazetteerError(DataError):
    """The gazetteer or a shape definition has invalid rows."""


def describe(exc: Exception, lang: str = "en") -> str:
    """An error as a planner reads it in ``lang``: a data error's every problem, or the
    exception's message."""
    if isinstance(exc, DataError):
        if lang != "zh":
            return str(exc)
        lines = "\n".join(f"- {p.text(lang)}" for p in exc.problems)
        return f"{exc.source}:{len(exc.problems)} 个问题,请修改后重试:\n{lines}"
    return in_lang(exc.args[0], lang) if exc.args else str(exc)
