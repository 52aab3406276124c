"""Reading an uploaded list (CSV or XLSX) within bounds, before anything else looks at it.

:func:`check_file_bounds` is the one gate every way in passes first (the command line's
:func:`read_table` and ``layers.edits.importer.load_import``; the app's :func:`sheet_names`, then
:func:`read_table`): a known extension, the size, not empty and, for an XLSX, what its parts
would inflate to and the sheet sizes they declare, all checked before openpyxl or pandas
opens the bytes. :func:`read_table` then reads the table as strings (UTF-8, else GBK/GB18030)
and bounds its rows, columns and cells. Every refusal is :class:`ImportFileError` with one
message a planner can act on, in English and Chinese.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from pathlib import Path

import pandas as pd

from layers._errors import DataError, Msg, Problem

MAX_BYTES = 5 * 1024 * 1024
EXTENSIONS = (".csv", ".xlsx")
#: Bounds on what one file may make the server do (a planner's list is far smaller).
MAX_ROWS = 10_000
MAX_COLS = 100
MAX_CELL_CHARS = 5_000
XLSX_MAX_UNCOMPRESSED = 50 * 1024 * 1024  # all parts together, once inflated
XLSX_MAX_RATIO = 100  # a part that inflates more than this is a zip bomb, not a spreadsheet
MB = 2**20  # every size in a message is in MiB, written "MB" (5 MB, 50 MB), as in the README


class ImportFileError(DataError):
    """The uploaded file cannot be read as a table."""


def _failer(filename: str):
    """A function that raises :class:`ImportFileError` for ``filename`` with a message (and its Chinese form)."""

    def fail(msg, zh: str | None = None):
        raise ImportFileError(filename, [Problem(0, "(file)", Msg(msg, zh) if zh else msg)])

    return fail


def _too_large(size: int) -> tuple[str, str]:
    return (
        f"the file is {size / MB:.1f} MB; the limit is {MAX_BYTES / MB:.0f} MB — split the list",
        f"文件有 {size / MB:.1f} MB,上限 {MAX_BYTES / MB:.0f} MB:请拆分清单",
    )


def check_file_bounds(data: bytes, filename: str) -> None:
    """The bounds every way in checks before any library opens an uploaded list: a known
    extension, the size, not empty and, for an XLSX, what its parts would inflate to and
    the sheet sizes they declare (:func:`_check_xlsx_parts`). The command line
    (:func:`read_table`, :func:`load_import`) and the app (:func:`sheet_names`, then
    :func:`read_table`) call it first. Raises :class:`ImportFileError`."""
    fail = _failer(filename)
    ext = Path(filename).suffix.lower()
    if ext not in EXTENSIONS:
        fail(
            f"'{ext or filename}' files are not supported; save the list as .xlsx or .csv",
            f"不支持“{ext or filename}”文件;请将清单另存为 .xlsx 或 .csv",
        )
    if len(data) > MAX_BYTES:
        fail(*_too_large(len(data)))
    if not data.strip():
        fail("the file is empty", "文件为空")
    if ext == ".xlsx":
        _check_xlsx_parts(data, fail)


def sheet_names(data: bytes, filename: str) -> list[str]:
    """The sheets of an uploaded XLSX, read only after :func:`check_file_bounds`.

    Raises :class:`ImportFileError` for a file out of bounds or unreadable."""
    fail = _failer(filename)
    check_file_bounds(data, filename)
    wb = _open_workbook(data, fail)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def read_table(data: bytes, filename: str, sheet: str | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Read CSV or XLSX bytes as a table of strings; return it with notes (e.g. the encoding used).

    Raises :class:`ImportFileError` with a message a planner can act on.
    """
    fail = _failer(filename)
    check_file_bounds(data, filename)
    ext = Path(filename).suffix.lower()
    notes = []
    df = _read_xlsx(data, sheet, fail) if ext == ".xlsx" else _read_csv(data, fail, notes)
    df = df.rename(columns=lambda c: str(c).strip())
    df = df.loc[:, [c for c in df.columns if c and not c.startswith("Unnamed:")]]
    _check_table(df, fail)
    return df.apply(lambda col: col.astype(str).str.strip().replace({"nan": "", "None": ""})), notes


def _read_csv(data: bytes, fail, notes: list[str]) -> pd.DataFrame:
    """A CSV's rows as strings: UTF-8, else GBK/GB18030 (then a line in ``notes``); binary
    data, control characters or a broken table are refused through ``fail``."""
    if b"\x00" in data[:4096]:
        fail(
            "this is not a text CSV file (it contains binary data); export the list from Excel as CSV or XLSX",
            "这不是文本 CSV 文件(含二进制数据);请从 Excel 导出为 CSV 或 XLSX",
        )
    # A BOM says nothing reliable: GBK files saved by some editors start with a UTF-8 one too.
    body = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        try:
            # Excel's plain "CSV" on Chinese Windows writes GBK; GB18030 is its superset.
            text = body.decode("gb18030")
        except UnicodeDecodeError:
            fail(
                "the file's text encoding is not UTF-8 or GBK; in Excel use Save As > 'CSV UTF-8'",
                "文件编码既不是 UTF-8 也不是 GBK;请在 Excel 中“另存为”>“CSV UTF-8”",
            )
        notes.append("read as GBK/GB18030 (Excel 'CSV' on Chinese Windows)")
    if sum(ch == "\ufffd" or (ord(ch) < 32 and ch not in "\r\n\t") for ch in text[:4096]) > 4:
        fail(
            "this does not look like a text table (control characters); export it from Excel again",
            "这不像文本表格(含控制字符);请从 Excel 重新导出",
        )
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        fail(
            f"cannot read it as CSV ({exc}); check that columns are separated by commas",
            f"无法按 CSV 读取({exc});请检查各列是否以逗号分隔",
        )


def _check_table(df: pd.DataFrame, fail) -> None:
    """The table's bounds: some rows, at most :data:`MAX_ROWS` rows and :data:`MAX_COLS`
    columns, no cell over :data:`MAX_CELL_CHARS` characters."""
    if df.empty or not len(df.columns):
        fail("the table has no rows under its header", "表头下没有数据行")
    if len(df) > MAX_ROWS:
        fail(
            f"the list has more than {MAX_ROWS:,} rows; split it into several files",
            f"清单超过 {MAX_ROWS:,} 行;请拆分为多个文件",
        )
    if len(df.columns) > MAX_COLS:
        fail(
            f"the table has {len(df.columns)} columns; the limit is {MAX_COLS}",
            f"表格有 {len(df.columns)} 列,上限 {MAX_COLS} 列",
        )
    lengths = df.apply(lambda col: col.astype(str).str.len())
    if (lengths > MAX_CELL_CHARS).any().any():
        r, c = next((r, c) for c in df.columns for r in df.index if lengths.at[r, c] > MAX_CELL_CHARS)
        fail(
            f"row {int(r) + 2}, column {c!r} holds more than {MAX_CELL_CHARS:,} characters; shorten it",
            f"第 {int(r) + 2} 行“{c}”列超过 {MAX_CELL_CHARS:,} 个字;请缩短",
        )


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension ref="([A-Z]{1,3})(\d{1,7})(?::([A-Z]{1,3})(\d{1,7}))?"')


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.decode():
        n = n * 26 + ord(ch) - 64
    return n


def _unreadable_xlsx(exc) -> tuple[str, str]:
    name = type(exc).__name__
    return (
        f"not a readable .xlsx workbook ({name}); open it in Excel and save it again as .xlsx",
        f"无法读取的 .xlsx 工作簿({name});请在 Excel 中打开并重新另存为 .xlsx",
    )


def _check_xlsx_parts(data: bytes, fail) -> None:
    """Refuse a workbook before parsing it when its parts would inflate beyond our bounds or a
    sheet declares more rows or columns than we read (a 4.7 KB file once asked for 3.6 GB)."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        fail(*_unreadable_xlsx(exc))
    total = sum(i.file_size for i in infos)
    if total > XLSX_MAX_UNCOMPRESSED:
        fail(
            f"the workbook inflates to {total / MB:,.0f} MB; the limit is {XLSX_MAX_UNCOMPRESSED / MB:.0f} MB — "
            "copy the list into a new workbook and save it again",
            f"工作簿解压后有 {total / MB:,.0f} MB,上限 {XLSX_MAX_UNCOMPRESSED / MB:.0f} MB:请把清单复制到新工作簿再保存",
        )
    for i in infos:
        if i.file_size > 1_000_000 and i.file_size > XLSX_MAX_RATIO * max(i.compress_size, 1):
            fail(
                f"part {i.filename!r} inflates {i.file_size // max(i.compress_size, 1)}-fold: this is not a normal workbook",
                f"部件“{i.filename}”解压后膨胀 {i.file_size // max(i.compress_size, 1)} 倍:这不是正常的工作簿",
            )
        if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml"):
            with z.open(i) as f:
                head = f.read(4096)
            m = _DIMENSION.search(head)
            if m and m.group(3):
                rows = int(m.group(4)) - int(m.group(2)) + 1
                cols = _column_number(m.group(3)) - _column_number(m.group(1)) + 1
                if rows > MAX_ROWS + 1 or cols > MAX_COLS:
                    fail(
                        f"a sheet declares {rows:,} rows × {cols:,} columns; the limits are {MAX_ROWS:,} rows and "
                        f"{MAX_COLS} columns — delete the empty rows and columns below and right of the list, or "
                        "copy the list into a new workbook",
                        f"工作表声明了 {rows:,} 行 × {cols:,} 列,上限为 {MAX_ROWS:,} 行、{MAX_COLS} 列:"
                        "请删除清单下方和右侧的空行空列,或把清单复制到新工作簿",
                    )


#: What openpyxl raises for a broken workbook. SyntaxError covers both XML parsers' errors
#: (lxml's XMLSyntaxError, ElementTree's ParseError): a truncated xl/workbook.xml raises one.
_UNREADABLE = (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError, TypeError, IndexError)


def _open_workbook(data: bytes, fail):
    """The workbook, opened read-only; call :func:`check_file_bounds` first."""
    from openpyxl import load_workbook

    try:
        # data_only: read the values Excel stored; formulas are never evaluated here.
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _UNREADABLE as exc:
        fail(*_unreadable_xlsx(exc))


def _read_xlsx(data: bytes, sheet, fail) -> pd.DataFrame:
    """The sheet's rows; the bounds were checked by :func:`read_table` (:func:`check_file_bounds`)."""
    wb = _open_workbook(data, fail)
    try:
        names = wb.sheetnames
        if sheet is not None and sheet not in names:
            fail(
                f"there is no sheet {sheet!r}; sheets are: {', '.join(names)}",
                f"没有工作表“{sheet}”;现有工作表:{'、'.join(names)}",
            )
        ws = wb[sheet or names[0]]
        rows = []
        # Never more than the bounds, whatever the sheet declares.
        for row in ws.iter_rows(values_only=True, max_row=MAX_ROWS + 2, max_col=MAX_COLS):
            rows.append(["" if v is None else str(v) for v in row])
    except ImportFileError:
        raise
    except _UNREADABLE as exc:
        fail(*_unreadable_xlsx(exc))
    finally:
        wb.close()
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        fail("the sheet is empty", "工作表为空")
    width = max(len(r) for r in rows)
    header = [h or f"Unnamed: {i}" for i, h in enumerate(rows[0] + [""] * (width - len(rows[0])))]
    body = [r + [""] * (width - len(r)) for r in rows[1:]]
    return pd.DataFrame(body, columns=header, dtype=str)
