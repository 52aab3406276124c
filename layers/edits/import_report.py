"""What the review of an imported list returns: a status per row, and the report.

:class:`RowResult` is one row (``ok``, ``geocoded``, ``unresolved``, ``unchanged``,
``conflict`` or ``error``, its problems and warnings, the record to save);
:class:`ImportReport` is the whole list, with what to save (:meth:`ImportReport.to_save`:
rows that would replace a stored change need the planner's choice of
:data:`CONFLICT_CHOICES`) and the review as text or as a table in either UI language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from layers._errors import DataError, Problem, in_lang


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
    "zh": ["行号", "状态", "编号", "名称", "定位依据", "乡镇(约)", "县市区", "位置精度", "误差(公里)", "说明"],
    "en": ["row", "status", "id", "title", "located by", "town (approx.)", "district", "precision", "± km", "message"],
}


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
    # Where the review located the row (import_review.located): shown before saving.
    matched: str = ""  # the gazetteer's name it matched, or the WGS-84 point read
    lonlat: tuple[float, float] | None = None
    town: dict | None = None  # layers.geo.gazetteer.town_at: town_code, name_zh, name_en
    county: str = ""  # adcode
    precision_m: float | None = None

    def place_cells(self, lang: str) -> list[str]:
        """Located by, town, district and ± km as the review table shows them ("—": none)."""
        from layers.geo.boundaries import county_names

        town = (self.town or {}).get(f"name_{lang}") or (self.town or {}).get("name_zh") or "—"
        district = county_names(lang).get(self.county, "—") if self.county else "—"
        km = f"±{self.precision_m / 1000:g}" if self.precision_m else "—"
        return [self.matched or "—", town, district, km]

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

        rows = [
            [
                r.row,
                STATUS_LABELS.get(r.status, {}).get(lang, r.status),
                r.id,
                r.title,
                *r.place_cells(lang)[:3],
                PRECISION.get(r.precision, {}).get(lang, r.precision) if r.precision else "—",
                r.place_cells(lang)[3],
                r.message_in(lang) or "—",
            ]
            for r in self.rows
        ]
        return pd.DataFrame(rows, columns=REVIEW_COLUMNS[lang])

    def located_points(self) -> list[dict]:
        """The rows the review placed at a point (WGS-84), for the small map before saving:
        row, status, title, lon, lat and precision_m."""
        return [
            {
                "row": r.row,
                "status": r.status,
                "title": r.title,
                "lon": r.lonlat[0],
                "lat": r.lonlat[1],
                "precision_m": r.precision_m,
            }
            for r in self.rows
            if r.lonlat is not None
        ]

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
