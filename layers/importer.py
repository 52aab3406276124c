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
"""

from __future__ import annotations

import codecs
import hashlib
import io
import json
import math
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import shapely

from layers._errors import DataError, Msg, Problem, in_lang
from layers.actions import load_actions
from layers.boundaries import county_at, county_code, county_names, km_outside_city, load_counties
from layers.coords import SYSTEMS, canonical_system, is_projected, to_wgs84
from layers.gazetteer import default_geocoder, normalise
from layers.register import KINDS
from layers.validate import check_record

MAX_BYTES = 5 * 1024 * 1024
EXTENSIONS = (".csv", ".xlsx")
#: Bounds on what one file may make the server do (a planner's list is far smaller).
MAX_ROWS = 10_000
MAX_COLS = 100
MAX_CELL_CHARS = 5_000
XLSX_MAX_UNCOMPRESSED = 50 * 1024 * 1024  # all parts together, once inflated
XLSX_MAX_RATIO = 100  # a part that inflates more than this is a zip bomb, not a spreadsheet
MB = 2**20  # every size in a message is in MiB, written "MB" (5 MB, 50 MB), as in the README

#: Canonical import fields and the headers planners use for them (compared after normalising).
HEADERS = {
    "id": ["id", "编号", "项目编号", "序号id"],
    "title_zh": ["title", "title_zh", "name", "项目名称", "名称", "措施", "项目", "措施名称"],
    "title_en": ["title_en", "english", "英文名称"],
    "action": ["action", "所属行动", "行动", "攻坚行动"],
    "district": ["district", "county", "县区", "县市区", "区县", "所在县区", "县(市、区)"],
    "place": ["place", "address", "location", "地点", "地址", "位置", "建设地点"],
    "lon": ["lon", "lng", "longitude", "x", "经度", "东经", "横坐标"],
    "lat": ["lat", "latitude", "y", "纬度", "北纬", "纵坐标"],
    "kind": ["kind", "type", "类型", "项目类型"],
    "summary_zh": ["summary", "summary_zh", "description", "内容", "建设内容", "摘要", "说明"],
    "target": ["target", "目标", "目标数量"],
    "target_unit": ["unit", "target_unit", "单位"],
    "year": ["year", "年份", "年度"],
}
FIELDS = tuple(HEADERS)


class ImportFileError(DataError):
    """The uploaded file cannot be read as a table."""


class ImportConflictError(DataError):
    """Rows would replace stored changes and no choice (keep, replace, skip) was made."""


#: What to do with rows that would replace a stored change.
CONFLICT_CHOICES = ("keep", "replace", "skip")


#: The review's statuses and columns in each UI language.
STATUS_LABELS = {
    "ok": {"zh": "正常", "en": "ok"},
    "geocoded": {"zh": "按地名定位", "en": "geocoded"},
    "unresolved": {"zh": "未定位", "en": "unresolved"},
    "unchanged": {"zh": "无变化", "en": "unchanged"},
    "error": {"zh": "错误", "en": "error"},
    "conflict": {"zh": "冲突", "en": "conflict"},
}
REVIEW_COLUMNS = {
    "zh": ["行号", "状态", "编号", "名称", "位置精度", "说明"],
    "en": ["row", "status", "id", "title", "precision", "message"],
}
#: What a district cell says for a measure outside the city.
OUTSIDE_WORDS = ("市外", "济宁市外", "outside", "Outside")
#: Imported points farther than this outside the border are errors (a swapped lon/lat or a
#: wrong coordinate system, most often), unless the row says 市外; nearer ones are warnings.
OUTSIDE_TOLERANCE_KM = 5.0


def _key(header: str) -> str:
    return unicodedata.normalize("NFKC", str(header)).strip().casefold().replace(" ", "").replace("_", "")


_LOOKUP = {_key(name): f for f, names in HEADERS.items() for name in names}


def _check_field(header: str, field: str) -> None:
    if field and field not in FIELDS:
        raise ValueError(
            Msg(
                f"{header!r} cannot be mapped to {field[:40]!r}: the fields are {', '.join(FIELDS)} (or nothing, to ignore it)",
                f"“{header}”不能对应到“{field[:40]}”:可用字段为 {'、'.join(FIELDS)}(留空则忽略该列)",
            )
        )


def parse_mapping(item: str) -> tuple[str, str]:
    """A ``HEADER=FIELD`` mapping (the command line's ``--map``) as (header, field): FIELD is one
    of :data:`FIELDS`, or empty to ignore the column. Raises ValueError otherwise."""
    header, sep, field = item.partition("=")
    if not sep or not header:
        raise ValueError(Msg(f"{item[:80]!r}: write HEADER=FIELD", f"“{item[:80]}”:请写成 表头=字段"))
    _check_field(header, field)
    return header, field


def map_headers(columns, overrides: dict[str, str] | None = None) -> tuple[dict[str, str], list[str]]:
    """Map file headers to fields. Returns (header -> field, unknown headers).

    ``overrides`` maps a header to a field (or to "" to ignore it); it wins over the
    built-in names, so the planner can map any header.
    """
    overrides = overrides or {}
    for col, f in overrides.items():
        _check_field(col, f)
    mapping, unknown = {}, []
    for col in columns:
        if col in overrides:
            if overrides[col]:
                mapping[col] = overrides[col]
            continue
        f = _LOOKUP.get(_key(col))
        if f and f not in mapping.values():
            mapping[col] = f
        else:
            unknown.append(str(col))
    return mapping, unknown


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
    if ext == ".xlsx":
        df = _read_xlsx(data, sheet, fail)
    else:
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
            df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=True)
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            fail(
                f"cannot read it as CSV ({exc}); check that columns are separated by commas",
                f"无法按 CSV 读取({exc});请检查各列是否以逗号分隔",
            )
    df = df.rename(columns=lambda c: str(c).strip())
    df = df.loc[:, [c for c in df.columns if c and not c.startswith("Unnamed:")]]
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
    return df.apply(lambda col: col.astype(str).str.strip().replace({"nan": "", "None": ""})), notes


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


@dataclass
class RowResult:
    row: int  # as Excel numbers it: the header is row 1
    status: str  # ok, geocoded, unresolved, unchanged, conflict, error
    id: str = ""
    title: str = ""
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    precision: str = ""
    record: dict | None = None
    version: int = 0  # the stored version the review saw (0: not stored)

    @property
    def message(self) -> str:
        return "; ".join([str(p) for p in self.problems] + self.warnings)

    def message_in(self, lang: str) -> str:
        """The row's problems and warnings in ``lang``."""
        sep = ";" if lang == "zh" else "; "
        return sep.join([p.text(lang) for p in self.problems] + [in_lang(w, lang) for w in self.warnings])


@dataclass
class ImportReport:
    rows: list[RowResult]
    mapping: dict[str, str]
    unknown_headers: list[str]
    notes: list[str]
    crs: str

    @property
    def has_errors(self) -> bool:
        return any(r.status == "error" for r in self.rows)

    @property
    def accepted(self) -> list[dict]:
        """Rows to save that touch nothing changed since (new measures, or the register's)."""
        return [r.record for r in self.rows if r.status in ("ok", "geocoded", "unresolved") and r.record]

    @property
    def conflicts(self) -> list[RowResult]:
        """Rows that would replace a stored change (a correction, or an earlier import)."""
        return [r for r in self.rows if r.status == "conflict"]

    def to_save(self, on_conflict: str | None = None) -> list[dict]:
        """The records to save. With conflicts, the planner's explicit choice is needed:
        ``keep`` (the stored version stays) or ``skip`` (the row is left out) save only the
        other rows; ``replace`` saves the conflicting rows too. No choice: :class:`ImportConflictError`."""
        if self.conflicts and on_conflict not in CONFLICT_CHOICES:
            ids = ", ".join(r.id for r in self.conflicts[:10])
            raise ImportConflictError(
                "(review)",
                [
                    Problem(
                        r.row,
                        "id",
                        f"{r.id} was changed since: {r.message}; choose keep, replace or skip",
                    )
                    for r in self.conflicts
                ]
                or [Problem(0, "id", ids)],
            )
        extra = [r.record for r in self.conflicts] if on_conflict == "replace" else []
        return self.accepted + extra

    def expected_versions(self) -> dict[str, int]:
        """The stored version of every record to save, as the review saw it: saving then fails
        with a conflict if somebody changed one of them in between."""
        return {r.id: r.version for r in self.rows if r.record}

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.rows:
            out[r.status] = out.get(r.status, 0) + 1
        return out

    def table(self, lang: str = "en") -> pd.DataFrame:
        """The review as a table, all in ``lang``: headers, statuses, precisions and messages."""
        from layers.labels import PRECISION

        columns = REVIEW_COLUMNS[lang]
        return pd.DataFrame(
            [
                {
                    columns[0]: r.row,
                    columns[1]: STATUS_LABELS.get(r.status, {}).get(lang, r.status),
                    columns[2]: r.id,
                    columns[3]: r.title,
                    columns[4]: PRECISION.get(r.precision, {}).get(lang, r.precision) if r.precision else "—",
                    columns[5]: r.message_in(lang) or "—",
                }
                for r in self.rows
            ],
            columns=columns,
        )

    def counts_text(self, lang: str = "en") -> str:
        """The status counts as one line in ``lang``, e.g. "ok: 3 · error: 1"."""
        return " · ".join(f"{STATUS_LABELS.get(k, {}).get(lang, k)}: {v}" for k, v in sorted(self.counts().items()))

    def text(self) -> str:
        lines = [
            f"{len(self.rows)} rows; " + ", ".join(f"{k} {v}" for k, v in sorted(self.counts().items())),
            f"coordinates read as {self.crs}",
        ]
        lines += [f"note: {n}" for n in self.notes]
        if self.unknown_headers:
            lines.append("ignored columns (map them to use them): " + ", ".join(self.unknown_headers))
        for r in self.rows:
            lines.append(
                f"row {r.row:>4} {r.status:<10} {r.id:<14} {r.title[:30]}"
                + (f" [{r.precision}]" if r.precision else "")
                + (f" — {r.message}" if r.message else "")
            )
        return "\n".join(lines)


def identity(rec: dict) -> str:
    """The id of an imported row: its own, or IMP- plus a hash of action and normalised title."""
    if rec.get("id"):
        return rec["id"].strip()
    key = f"{rec['action']}|{normalise(rec['title_zh'])}"
    return "IMP-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:10].upper()


def _action(value: str) -> int | None:
    v = unicodedata.normalize("NFKC", value).strip()
    if not v:
        return None
    actions = load_actions()
    if v.isdigit() and int(v) in actions.index:
        return int(v)
    for aid, rec in actions.iterrows():
        names = {rec["name_zh"], rec["name_en"], rec["symbol"], rec["name_zh"].replace("攻坚行动", "")}
        if v in names or normalise(v) in {normalise(n) for n in names}:
            return int(aid)
    return None


def _number(text: str) -> float | None:
    t = unicodedata.normalize("NFKC", text).strip().replace(",", "")
    if not t:
        return None
    f = float(t)  # ValueError handled by the caller
    if not math.isfinite(f):
        raise ValueError
    return f


def _jining_box():
    minx, miny, maxx, maxy = load_counties().total_bounds
    return minx, miny, maxx, maxy


def check_coordinates(x: float, y: float, crs: str) -> tuple[str | None, list[str]]:
    """Return (error, warnings) for raw coordinates read in ``crs``."""
    warnings = []
    if is_projected(crs):
        if abs(x) <= 180 and abs(y) <= 90:
            return Msg(
                "the numbers look like degrees, not Gauss-Krüger metres; choose WGS-84, GCJ-02, BD-09 or "
                "CGCS2000 for this file",
                "数值像经纬度而不是高斯-克吕格米制坐标;请为此文件选择 WGS-84、GCJ-02、BD-09 或 CGCS2000",
            ), []
        if crs == "epsg:4527" and x < 1_000_000:
            return Msg(
                "the easting has no zone prefix 39; choose EPSG:4548 for this file",
                "横坐标没有带号前缀 39;请为此文件选择 EPSG:4548",
            ), []
        if crs == "epsg:4548" and x > 10_000_000:
            return Msg(
                "the easting starts with the zone number (39…); choose EPSG:4527 for this file",
                "横坐标以带号(39…)开头;请为此文件选择 EPSG:4527",
            ), []
        return None, []
    minx, miny, maxx, maxy = _jining_box()
    if abs(x) <= 90 and 90 < abs(y) <= 180:
        return Msg(
            "longitude and latitude are swapped (a latitude cannot exceed 90); exchange the 经度/纬度 values",
            "经度和纬度填反了(纬度不能大于 90);请交换经度、纬度两列的值",
        ), []
    if abs(x) > 180 or abs(y) > 90:
        return Msg(
            "the numbers look like projected metres, not degrees; choose EPSG:4548 or EPSG:4527 "
            "(CGCS2000 Gauss-Krüger) for this file",
            "数值像投影坐标(米)而不是经纬度;请为此文件选择 EPSG:4548 或 EPSG:4527(CGCS2000 高斯-克吕格)",
        ), []
    if miny - 1 <= x <= maxy + 1 and minx - 1 <= y <= maxx + 1 and not (minx - 1 <= x <= maxx + 1):
        warnings.append(
            Msg(
                "longitude and latitude look swapped (经度/纬度 columns exchanged?)",
                "经度和纬度似乎填反了(两列是否互换?)",
            )
        )
    return None, warnings


def review_import(
    df: pd.DataFrame,
    crs: str = "wgs84",
    overrides: dict[str, str] | None = None,
    existing: dict[str, dict] | None = None,
    notes: list[str] | None = None,
) -> ImportReport:
    """Check and locate every row. ``existing`` are the stored records (for ``unchanged``)."""
    crs = canonical_system(crs)
    mapping, unknown = map_headers(df.columns, overrides)
    inverse = {v: k for k, v in mapping.items()}
    results: list[RowResult] = []
    actions = load_actions()
    names = county_names()
    geocoder = default_geocoder()
    seen: dict[str, int] = {}
    from layers.validate import by_normalised_id

    # By normalised id: a row stored as imp-leg1 (before ids were normalised) is IMP-LEG1's.
    existing = by_normalised_id(existing or {})
    missing = [f for f in ("title_zh", "action") if f not in inverse]
    if missing:
        need = {"title_zh": "项目名称/title", "action": "所属行动/action"}
        no_column = Msg("no column for it; rename a header or map it", "没有对应的列;请修改表头或指定对应字段")
        problems = [Problem(1, need[f], no_column) for f in missing]
        return ImportReport([RowResult(1, "error", problems=problems)], mapping, unknown, notes or [], crs)

    for i, raw in enumerate(df.to_dict("records")):
        row = i + 2
        get = lambda f, raw=raw: str(raw.get(inverse[f], "")).strip() if f in inverse else ""  # noqa: E731
        res = RowResult(row, "ok", title=get("title_zh"))
        bad = lambda col, msg, res=res, row=row: res.problems.append(Problem(row, col, msg))  # noqa: E731
        if not any(str(v).strip() for v in raw.values()):
            continue
        title = get("title_zh")
        if not title:
            bad(inverse["title_zh"], Msg("empty; every measure needs a name", "为空;每项措施都需要名称"))
        action = _action(get("action"))
        if action is None:
            bad(
                inverse["action"],
                Msg(
                    f"{get('action')!r} is not an action; use 1-10 or its name, e.g. 乡村振兴攻坚行动",
                    f"“{get('action')}”不是行动;请填 1-10 或行动名称,如 乡村振兴攻坚行动",
                ),
            )
        district = None
        declared_outside = get("district") in OUTSIDE_WORDS
        if get("district") and not declared_outside:
            district = county_code(get("district"))
            if district is None:
                bad(
                    inverse["district"],
                    Msg(
                        f"{get('district')!r} is not one of Jining's 11 county-level divisions",
                        f"“{get('district')}”不是济宁市 11 个县市区之一(市外请填“市外”)",
                    ),
                )
        kind = get("kind") or "site"
        if kind not in KINDS:
            bad(
                inverse["kind"],
                Msg(f"{kind!r} is not one of: {', '.join(KINDS)}", f"“{kind}”不是以下类型之一:{'、'.join(KINDS)}"),
            )
        target = unit = None
        try:
            target = _number(get("target"))
        except ValueError:
            bad(inverse["target"], Msg(f"{get('target')!r} is not a number", f"“{get('target')}”不是数字"))
        unit = get("target_unit")
        year = 2020
        if get("year"):
            try:
                year = int(_number(get("year")))
            except (ValueError, TypeError):
                bad(inverse["year"], Msg(f"{get('year')!r} is not a year", f"“{get('year')}”不是年份"))

        x = y = None
        if get("lon") or get("lat"):
            try:
                x, y = _number(get("lon")), _number(get("lat"))
                if x is None or y is None:
                    raise ValueError
            except ValueError:
                col = inverse.get("lon") if not get("lon") or not _is_num(get("lon")) else inverse.get("lat")
                bad(
                    col,
                    Msg(
                        f"lon {get('lon')!r} / lat {get('lat')!r}: give both coordinates as numbers, or neither",
                        f"经度“{get('lon')}”/纬度“{get('lat')}”:请同时填写两个数字坐标,或都不填",
                    ),
                )
                x = y = None
        geometry = None
        precision, precision_m, source, form = "", None, "", "point"
        county = None
        if x is not None:
            error, warns = check_coordinates(x, y, crs)
            res.warnings += warns
            if error:
                bad(inverse["lon"], error)
            else:
                lon, lat = to_wgs84(x, y, crs)
                geometry = shapely.Point(lon, lat)
                c = county_at(lon, lat)
                beyond = 0.0 if c else km_outside_city(lon, lat)
                if declared_outside:
                    pass
                elif beyond > OUTSIDE_TOLERANCE_KM:
                    bad(
                        inverse["lon"],
                        Msg(
                            f"the point ({lon:.5f}, {lat:.5f}) lies {beyond:.1f} km outside Jining: check the "
                            "coordinate system and that lon and lat are not swapped; if the measure really is "
                            "outside the city, write 市外 in the district column",
                            f"该点({lon:.5f}, {lat:.5f})在济宁市界外 {beyond:.1f} 公里:请检查坐标系和经纬度是否填反;"
                            "如措施确在市外,请在县区列填写“市外”",
                        ),
                    )
                elif c is None:
                    res.warnings.append(
                        Msg(
                            f"the point ({lon:.5f}, {lat:.5f}) is {beyond:.1f} km outside Jining's border",
                            f"该点({lon:.5f}, {lat:.5f})在济宁市界外 {beyond:.1f} 公里",
                        )
                    )
                county = c[0] if c else None
                if district and county and county != district:
                    res.warnings.append(
                        Msg(
                            f"the point lies in {names[county]}, not in {names[district]}",
                            f"该点位于{names[county]},不在{names[district]}",
                        )
                    )
                precision, precision_m = "site", 50.0
                source = f"imported coordinates ({crs}: {x}, {y})"
                if declared_outside:  # listed as 市外, like the register's measures outside the city
                    form, precision, precision_m, geometry = "outside", "outside", None, None
                    source = f"outside Jining: imported coordinates ({crs}: {x}, {y})"
        elif get("place") or district:
            text = get("place") or names[district]
            g = geocoder.geocode(text if not district or names[district] in text else f"{names[district]}{text}")
            if g.status == "ok":
                geometry = shapely.Point(g.lon, g.lat)
                county, precision, precision_m = g.county_adcode, g.precision, g.precision_m
                source = f"geocoded {text!r} to gazetteer: {g.matched} — {g.source}"
                res.status = "geocoded"
                if g.precision in ("county", "city") and not get("place") and district:
                    form, geometry = "county", None  # only a district: a county-wide measure
            elif g.status == "outside":
                form, precision, source = "outside", "outside", f"outside Jining: {g.matched}"
            elif g.status in ("mismatch", "ambiguous"):
                # Never a guess: the planner names the county or corrects the place.
                col = inverse.get("place") or inverse.get("district") or "place"
                names_given = f"{text!r}" + (f" with district {names[district]}" if district else "")
                given_zh = f"“{text}”" + (f"(县区:{names[district]})" if district else "")
                bad(col, Msg(f"{names_given}: {g.message}", f"{given_zh}:{in_lang(g.message, 'zh')}"))
                precision, source = "unresolved", ""
            else:
                res.status, precision, source = "unresolved", "unresolved", f"no gazetteer match for {text!r}"
        else:
            res.status, precision = "unresolved", "unresolved"
            source = "no place and no coordinates given"
            form = "city"

        if res.problems:
            res.status = "error"
            results.append(res)
            continue
        rec = {
            "id": get("id"),
            "action": action,
            "title_zh": title,
            "title_en": get("title_en") or title,
            "summary_zh": get("summary_zh") or title,
            "kind": kind,
            "form": form,
            "place": get("place"),
            "target": target,
            "target_unit": unit or "",
            "year": year,
            "section": actions.loc[action, "section"],
            "precision": precision,
            "precision_m": precision_m,
            "approximate": precision not in ("site", "manual"),
            "county_adcodes": county or district or "",
            "county_sizes": "",
            "geometry_source": source,
            "geometry": shapely.geometry.mapping(geometry) if geometry is not None else None,
            "origin": "import",
        }
        rec["id"] = identity(rec)
        # The same rules the store enforces on write (layers.validate): finite numbers in range,
        # coordinates near Jining, bounded text and geometry, a normalised id.
        rec, problems = check_record(rec)
        for p in problems:
            bad(inverse.get(p.field) or inverse.get({"geometry": "lon"}.get(p.field, p.field)) or p.field, p.message)
        if res.problems:
            res.status = "error"
            results.append(res)
            continue
        rec = json.loads(json.dumps(rec, ensure_ascii=False))  # the form it has once stored
        res.id, res.precision = rec["id"], precision
        if rec["id"] in seen:
            res.status = "error"
            res.problems.append(
                Problem(
                    row,
                    inverse.get("id", inverse["title_zh"]),
                    Msg(
                        f"same measure as row {seen[rec['id']]} (same id, or same action and title); remove one of them",
                        f"与第 {seen[rec['id']]} 行是同一措施(编号相同,或行动和名称相同);请删去其中一行",
                    ),
                )
            )
            results.append(res)
            continue
        seen[rec["id"]] = row
        old = existing.get(rec["id"])
        res.version = int(old.get("_version", 0)) if old else 0
        if old and {k: v for k, v in old.items() if not k.startswith("_")} == rec:
            res.status = "unchanged"
        elif old:
            # Never a silent overwrite: a stored correction or earlier import would be replaced.
            res.status = "conflict"
            res.warnings.append(
                Msg(
                    f"stored version {old.get('_version', '?')} ({old.get('origin', 'import')}) saved by "
                    f"{old.get('_updated_by', '?')} at {old.get('_updated_at', '?')} differs",
                    f"已保存的第 {old.get('_version', '?')} 版(由 {old.get('_updated_by', '?')} 于 "
                    f"{old.get('_updated_at', '?')} 保存)与此行不同",
                )
            )
        res.record = rec
        results.append(res)
    return ImportReport(results, mapping, unknown, notes or [], crs)


def _is_num(text: str) -> bool:
    try:
        return _number(text) is not None
    except ValueError:
        return False


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
