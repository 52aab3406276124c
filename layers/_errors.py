"""Our exception classes. Each message says what is wrong, where, and what to do."""

from __future__ import annotations

from dataclasses import dataclass


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
