"""Plans and progress reports in the store, with the corrections' transaction, audit and undo.

Two tables beside ``measures`` (``store_db._SCHEMA``): ``plans`` (one per measure) and
``reports`` (one per measure and report date), each row a JSON record plus the typed
columns the lights read (``report_date``, ``status``, ``progress``), so the lights of a
large register are one indexed query. Every write is one transaction that writes one
``audit`` row per plan or report (``what`` = ``plan`` or ``report``, ``measure_id`` = the
row's key: ``plan:<id>`` or ``report:<id>:<date>``), so :meth:`Store.undo` and
``undo_last`` revert it as they revert a correction (:func:`restore`), and the history
keeps every value a row ever had. A row that carries the version its writer loaded and
finds another raises :class:`~layers.edits.store.ConflictError`.

The checks of what a plan or report may hold are ``layers.progress``'s; here records are
stored as given.
"""

from __future__ import annotations

import json

import pandas as pd

from layers._errors import Msg
from layers.edits.store_db import _begin_write, _frame, _rollback

#: What the audit calls a plan's and a report's change.
KINDS = ("plan", "report")
#: How their audit keys start (``plan_key``, ``report_key``): undo tells them from measures' ids by it.
KEY_PREFIXES = tuple(f"{kind}:" for kind in KINDS)


def plan_key(measure_id: str) -> str:
    return f"plan:{measure_id}"


def report_key(measure_id: str, date: str) -> str:
    return f"report:{measure_id}:{date}"


def _row(db, key: str) -> tuple[str | None, int]:
    """The stored record (JSON) and version of a plan or report key ((None, 0): none)."""
    kind, _, rest = key.partition(":")
    if kind == "plan":
        row = db.execute("SELECT record, version FROM plans WHERE measure_id=?", (rest,)).fetchone()
    else:
        mid, _, date = rest.rpartition(":")
        row = db.execute(
            "SELECT record, version FROM reports WHERE measure_id=? AND report_date=?", (mid, date)
        ).fetchone()
    return (row[0], row[1]) if row else (None, 0)


def _write(db, key: str, record_json: str | None, at: str, who: str) -> None:
    """Put a plan or report row as ``record_json`` (None: remove it), its version one up."""
    kind, _, rest = key.partition(":")
    _, version = _row(db, key)
    if kind == "plan":
        db.execute("DELETE FROM plans WHERE measure_id=?", (rest,))
        db.execute("DELETE FROM plan_milestones WHERE measure_id=?", (rest,))
        if record_json is not None:
            rec = json.loads(record_json)
            db.execute(
                "INSERT INTO plans (measure_id, start_date, end_date, record, version, updated_at, updated_by) "
                "VALUES (?,?,?,?,?,?,?)",
                (rest, rec["start"], rec["end"], record_json, version + 1, at, who),
            )
            db.executemany(
                "INSERT INTO plan_milestones (measure_id, seq, name, due, met) VALUES (?,?,?,?,?)",
                [(rest, i, m["name"], m["due"], m.get("met")) for i, m in enumerate(rec.get("milestones") or [])],
            )
        return
    mid, _, date = rest.rpartition(":")
    db.execute("DELETE FROM reports WHERE measure_id=? AND report_date=?", (mid, date))
    if record_json is not None:
        rec = json.loads(record_json)
        db.execute(
            "INSERT INTO reports (measure_id, report_date, status, progress, record, version, updated_at, updated_by) "
            "VALUES (?,?,?,?,?,?,?,?)",
            (mid, date, rec["status"], rec.get("progress"), record_json, version + 1, at, who),
        )


def key_of(kind: str, rec: dict) -> str:
    return plan_key(rec["measure_id"]) if kind == "plan" else report_key(rec["measure_id"], rec["date"])


def save_rows(db, rows: list[tuple[str, dict]], audit: tuple, expected: dict[str, int] | None) -> int:
    """Write ``rows`` ((kind, record), kind in :data:`KINDS`) in one transaction, with an
    audit row each; ``audit`` is (batch, at, who, what-prefix ignored). Rows equal to what
    is stored are skipped. Returns how many were written. ``expected``: key → the version
    the writer loaded; another version raises ConflictError and nothing is written."""
    from layers.edits.store import ConflictError

    batch, at, who = audit[:3]
    written = 0
    _begin_write(db)
    try:
        for kind, rec in rows:
            key = key_of(kind, rec)
            new = json.dumps(rec, ensure_ascii=False, sort_keys=True)
            old, version = _row(db, key)
            if expected is not None and key in expected and expected[key] != version:
                raise ConflictError(
                    Msg(
                        f"{key} was changed by somebody else after you loaded it; reload, then try again",
                        f"{key} 在您打开后已被他人修改;请刷新后重试",
                    )
                )
            if old is not None and json.loads(old) == json.loads(new):
                continue
            _write(db, key, new, at, who)
            db.execute(
                "INSERT INTO audit (batch, at, who, what, measure_id, old, new) VALUES (?,?,?,?,?,?,?)",
                (batch, at, who, kind, key, old, new),
            )
            written += 1
        db.execute("COMMIT")
    except BaseException:
        _rollback(db)
        raise
    return written


def restore(db, key: str, record_json: str | None, at: str, who: str) -> None:
    """Undo's step for a plan or report key: put back ``record_json`` (None: remove)."""
    _write(db, key, record_json, at, who)


def versions(db, keys: list[str]) -> dict[str, int]:
    """The stored version of each key (0: not stored)."""
    return {k: _row(db, k)[1] for k in keys}


def plans_frame(db) -> pd.DataFrame:
    """Every plan's dates, as the lights read them: ``measure_id``, ``start``, ``end``."""
    return _frame(db, 'SELECT measure_id, start_date AS start, end_date AS "end" FROM plans ORDER BY measure_id')


def plan_records(db, measure_ids: list[str] | None = None) -> dict[str, dict]:
    """The plans' records (every field) by measure id; all of them, or those of ``measure_ids``."""
    sql = "SELECT measure_id, record FROM plans"
    if measure_ids is not None:
        if not measure_ids:
            return {}
        sql += f" WHERE measure_id IN ({','.join('?' * len(measure_ids))})"
    return {mid: json.loads(rec) for mid, rec in db.execute(sql, tuple(measure_ids or ())).fetchall()}


def milestones_frame(db) -> pd.DataFrame:
    """Every plan's milestones, one row each: ``id``, ``name``, ``due``, ``met``."""
    return _frame(db, "SELECT measure_id AS id, name, due, met FROM plan_milestones ORDER BY measure_id, seq")


def latest_reports(db, asof: str) -> pd.DataFrame:
    """Each measure's latest report dated on or before ``asof`` (YYYY-MM-DD): measure_id,
    date, status, progress and its whole record (JSON). One indexed query (the primary key
    is (measure, date))."""
    return _frame(
        db,
        "SELECT r.measure_id, r.report_date AS date, r.status, r.progress, r.record FROM reports r JOIN "
        "(SELECT measure_id, MAX(report_date) AS d FROM reports WHERE report_date <= ? GROUP BY measure_id) m "
        "ON r.measure_id = m.measure_id AND r.report_date = m.d",
        (asof,),
    )


def reports_of(db, measure_id: str) -> pd.DataFrame:
    """One measure's reports, oldest first, with their records and who saved them."""
    return _frame(
        db,
        "SELECT report_date AS date, record, updated_by, updated_at FROM reports WHERE measure_id=? "
        "ORDER BY report_date",
        (measure_id,),
    )


def reports_between(db, since: str, asof: str) -> pd.DataFrame:
    """How many reports each measure has dated after ``since`` and on or before ``asof``
    (YYYY-MM-DD; strict on ``since``, inclusive on ``asof``): measure_id, n. One query
    over the report-date index."""
    return _frame(
        db,
        "SELECT measure_id, COUNT(*) AS n FROM reports WHERE report_date > ? AND report_date <= ? "
        "GROUP BY measure_id ORDER BY measure_id",
        (since, asof),
    )


def has_rows(db) -> bool:
    """Whether any plan or report is stored."""
    return any(db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() for table in ("plans", "reports"))
