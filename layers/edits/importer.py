"""Import a planner's list of measures (CSV or XLSX): read, map headers, locate, review.

Nothing is saved here: :func:`review_import` returns a report with a status for
every row (``ok``, ``geocoded``, ``unresolved``, ``unchanged`` or ``error``); the
app or the CLI saves the accepted rows only when the planner confirms and no row
has an error.

Identity rule (so a fixed file can be re-imported without duplicates): a row with
an ``id`` is that measure (a register id updates the register measure through the
store; the register file is never written). A row without an ``id`` gets
``IMP-`` plus a hash of its action and its normalised Chinese title, so the same
title under the same action is always the same measure; re-importing updates it
(or leaves it unchanged) instead of adding a copy.

The work is done in three modules, and every name stays importable from here:
``layers.edits.import_read`` reads a file within bounds (:func:`check_file_bounds`,
:func:`sheet_names`, :func:`read_table`), ``layers.edits.import_review`` maps the headers and
reviews the rows (:func:`map_headers`, :func:`review_import`, :func:`identity`), and
``layers.edits.import_report`` holds what the review returns (:class:`ImportReport`,
:class:`RowResult`). :func:`load_import` is the command line's way in: a file on disk,
read and reviewed.
"""

from __future__ import annotations

from pathlib import Path

from layers._errors import Problem
from layers.edits.import_read import (  # noqa: F401 - the reading's names, as the app and tests import them
    EXTENSIONS,
    MAX_BYTES,
    MAX_CELL_CHARS,
    MAX_COLS,
    MAX_ROWS,
    MB,
    XLSX_MAX_RATIO,
    XLSX_MAX_UNCOMPRESSED,
    ImportFileError,
    _failer,
    _too_large,
    check_file_bounds,
    read_table,
    sheet_names,
)
from layers.edits.import_report import (  # noqa: F401 - the report's names
    CONFLICT_CHOICES,
    REVIEW_COLUMNS,
    STATUS_LABELS,
    ImportConflictError,
    ImportReport,
    RowResult,
)
from layers.edits.import_review import (  # noqa: F401 - the review's names
    FIELDS,
    HEADERS,
    OUTSIDE_TOLERANCE_KM,
    OUTSIDE_WORDS,
    check_coordinates,
    identity,
    map_headers,
    parse_mapping,
    review_import,
)
from layers.geo.coords import SYSTEMS


def load_import(
    path: str | Path,
    crs: str = "wgs84",
    sheet: str | None = None,
    overrides: dict[str, str] | None = None,
    existing: dict | None = None,
) -> ImportReport:
    """Read and review a file from disk (the command line's entry point)."""
    path = Path(path)
    # Check before reading: a directory, a device such as /dev/zero, or a huge file is never read whole.
    if not path.exists():
        raise FileNotFoundError(2, "No such file or directory", str(path))
    if not path.is_file():
        raise ImportFileError(
            path.name, [Problem(0, "(file)", "this is not a regular file; give a .csv or .xlsx file")]
        )
    if path.stat().st_size > MAX_BYTES:
        _failer(path.name)(*_too_large(path.stat().st_size))
    with path.open("rb") as f:
        data = f.read(MAX_BYTES + 1)
    df, notes = read_table(data, path.name, sheet)  # check_file_bounds first, as in the app
    return review_import(df, crs, overrides, existing, notes)


__all__ = [
    "FIELDS",
    "HEADERS",
    "CONFLICT_CHOICES",
    "ImportConflictError",
    "ImportFileError",
    "ImportReport",
    "RowResult",
    "SYSTEMS",
    "identity",
    "load_import",
    "check_file_bounds",
    "map_headers",
    "parse_mapping",
    "read_table",
    "review_import",
    "sheet_names",
]
