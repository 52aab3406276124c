"""The embedded store of changes: imported measures and corrected locations, with an audit trail.

The curated register in ``geodata/`` is never written to. Everything a planner
saves goes into one SQLite file (default ``data/store.sqlite``; set
``JINING_STORE`` or pass a path), and the map shows the register merged with it.

- Every change is one transaction (``BEGIN IMMEDIATE``) that writes the new
  records and one audit row per record (old and new values, when, who).
- SQLite's journal makes a write all-or-nothing: a process killed mid-write
  leaves the store as it was before that transaction.
- Concurrent saves queue on SQLite's write lock (``busy_timeout``); a save that
  carries the version a planner loaded gets :class:`ConflictError` if somebody
  else changed that measure in between, instead of silently overwriting it.
- ``undo`` reverts one batch as a new, audited transaction, and refuses when a later
  change still in force touched the same measures; ``undo_last`` reverts the caller's
  own newest change, never somebody else's; ``batches`` and ``history`` list changes.

``JINING_STORE=postgresql://…`` keeps the same tables in PostgreSQL instead (psycopg 3),
for several app processes on one database: the same contract (transactions, audit rows,
undo, version conflicts), writers serialised by a transaction-scoped advisory lock as
SQLite serialises them by its write lock, and each record's geometry also kept as a
PostGIS ``geometry(Geometry, 4326)`` column for GIS clients.

``Store(read_only=True)`` only reads, for viewing, exports and dry runs: it never creates a
file, runs no DDL and no PRAGMA that writes, answers "empty" for a missing file or missing
tables, and reads a store in a read-only folder or on a full disk. A write that fails (a
full disk, a read-only store, the database down) raises :class:`StoreWriteError`, one
sentence in both languages; the transaction is rolled back, so nothing saved before is lost.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import logging
import os
import sqlite3
import uuid
from pathlib import Path

import pandas as pd

from layers._errors import Msg
from layers.edits.progress_db import KEY_PREFIXES as PROGRESS_KEYS
from layers.edits.progress_db import restore as restore_progress
from layers.edits.store_db import (  # noqa: F401 - the store's public names, and helpers accounts use
    StoreUnavailable,
    _begin_write,
    _connect,
    _frame,
    _is_postgres,
    _rollback,
    _set_geometry,
    ensure_schema,
    is_url,
    redact,
)

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "store.sqlite"
_log = logging.getLogger(__name__)


class StoreWriteError(RuntimeError):
    """A change could not be written: a full disk, a read-only store, the database down or
    busy. The message is one sentence in both languages (a :class:`Msg`); the transaction
    was rolled back, so nothing was written and nothing saved before is lost."""

    detail: str | None = None


def database_errors() -> tuple[type[BaseException], ...]:
    """The exceptions of both database drivers (for the command line's last resort)."""
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return (sqlite3.Error,)
    return (sqlite3.Error, psycopg.Error)


def _write_error(exc: BaseException) -> StoreWriteError:
    """The one sentence for a write the database refused; the details go to the server log."""
    _log.warning("store write failed: %s: %s", type(exc).__name__, exc)
    text, state = str(exc).lower(), getattr(exc, "sqlstate", None) or ""
    if "full" in text or "no space" in text or state.startswith("53"):
        msg = Msg(
            "the change was not saved: the disk that holds the store is full (nothing saved before is lost); "
            "ask the administrator to free space, then try again",
            "修改未保存:存储所在的磁盘已满(之前保存的内容不受影响);请联系管理员释放空间后重试",
        )
    elif any(w in text for w in ("readonly", "read-only", "unable to open", "permission denied")) or state == "25006":
        msg = Msg(
            "the change was not saved: the store is read-only at the moment (nothing saved before is lost); "
            "ask the administrator to make it writable, then try again",
            "修改未保存:存储当前为只读(之前保存的内容不受影响);请联系管理员恢复写权限后重试",
        )
    elif "locked" in text or "busy" in text or state == "55P03":
        msg = Msg(
            "the change was not saved: the store is busy with another save; try again in a moment",
            "修改未保存:存储正忙于另一项保存;请稍后重试",
        )
    else:
        msg = Msg(
            "the change was not saved: the store cannot be written at the moment, its disk may be full or its "
            "database down (nothing saved before is lost); try again later or ask the administrator",
            "修改未保存:暂时无法写入存储,可能磁盘已满或数据库未运行(之前保存的内容不受影响);请稍后重试或联系管理员",
        )
    err = StoreWriteError(msg)
    # For the command line's operator (never shown on a page): where, and the driver's reason.
    err.detail = getattr(exc, "detail", None) or " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
    return err


def _write_errors() -> tuple[type[BaseException], ...]:
    errors: tuple = (sqlite3.OperationalError, StoreUnavailable, OSError)
    with contextlib.suppress(ImportError):
        import psycopg

        errors += (psycopg.OperationalError, psycopg.InterfaceError, psycopg.errors.ReadOnlySqlTransaction)
    return errors


@contextlib.contextmanager
def writing():
    """Turn a database's refusal of a write (full disk, read-only, down, busy) into
    :class:`StoreWriteError`; the app and the command line show its one sentence. Wrap
    writes made through the store's connection elsewhere (accounts, sign-in) in it."""
    try:
        yield
    except _write_errors() as exc:
        raise _write_error(exc) from exc


def _writes(method):
    """A :class:`Store` method that writes: database errors become :class:`StoreWriteError`."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        if self.read_only:  # a reader never writes, on either backend
            raise _write_error(sqlite3.OperationalError("attempt to write a readonly database"))
        with writing():
            return method(self, *args, **kwargs)

    return wrapper


class ConflictError(ValueError):
    """Somebody else changed a measure after it was loaded."""


class UndoError(ValueError):
    """A change cannot be undone (unknown, already undone, or overtaken by a later change)."""


def store_path(path: str | Path | None = None) -> Path | str:
    """Where the store is: a SQLite file, or a ``postgresql://`` URL (as given)."""
    target = path or os.environ.get("JINING_STORE") or DEFAULT_PATH
    return str(target) if is_url(str(target)) else Path(target)


def _now() -> str:
    return dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds")


def _records(db) -> dict[str, dict]:
    """Every stored record by id, with ``_version``, ``_updated_at`` and ``_updated_by``."""
    out = {}
    for mid, rec, version, at, who in db.execute(
        "SELECT id, record, version, updated_at, updated_by FROM measures ORDER BY id"
    ):
        r = json.loads(rec)
        r.update(_version=version, _updated_at=at, _updated_by=who)
        out[mid] = r
    return out


def read_stored(path: str | Path | None = None) -> dict[str, dict]:
    """The stored records, read without writing anything: no file is created when there is
    none (an empty store), and a read-only store or folder is fine (exports, dry runs)."""
    with Store(path, read_only=True) as store:
        return store.records()


def _legacy_ids(db) -> dict[str, list[str]]:
    """Stored ids written before ids were normalised (``imp-leg1``), by their normalised form."""
    from layers.edits.validate import normalise_id

    out: dict[str, list[str]] = {}
    for (sid,) in db.execute("SELECT id FROM measures").fetchall():
        if normalise_id(sid) != sid:
            out.setdefault(normalise_id(sid), []).append(sid)
    return out


def _rows_of(db, mid: str, legacy: dict[str, list[str]]) -> tuple[tuple | None, list[tuple]]:
    """The stored row the map shows as ``mid`` (the newest of its own row and any legacy row
    that normalises to it; see ``validate.recency``) and the legacy rows, as
    (id, record, version, updated_by, updated_at)."""
    from layers.edits.validate import recency

    ids = [mid, *legacy.get(mid, ())]
    rows = db.execute(
        f"SELECT id, record, version, updated_by, updated_at FROM measures WHERE id IN ({','.join('?' * len(ids))})",
        ids,
    ).fetchall()
    current = max(rows, key=lambda r: recency(r[0], {"_updated_at": r[4], "_version": r[2]}), default=None)
    return current, [r for r in rows if r[0] != mid]


def _save_one(db, rec: dict, audit: tuple, expected: dict | None, legacy: dict) -> bool:
    """Write one record inside :meth:`Store.save`'s transaction; False when it is unchanged.
    ``audit`` is (batch, at, who, what)."""
    mid = rec["id"]
    new = json.loads(json.dumps({k: v for k, v in rec.items() if not k.startswith("_")}))
    current, stale = _rows_of(db, mid, legacy)
    old, version = (json.loads(current[1]), current[2]) if current else (None, 0)
    if expected is not None and mid in expected and expected[mid] != version:
        raise ConflictError(
            Msg(
                f"{mid} was changed by {current[3]} at {current[4]} after you loaded it; "
                "reload the page to see that change, then make yours again",
                f"{mid} 在您打开后已被 {current[3]} 于 {current[4]} 修改;请刷新页面查看该修改,再重新操作",
            )
        )
    if old == new and not stale:
        return False
    insert_audit = "INSERT INTO audit (batch, at, who, what, measure_id, old, new) VALUES (?,?,?,?,?,?,?)"
    for sid, srec, *_ in stale:  # a legacy id moves to the normalised one: its removal is audited
        db.execute("DELETE FROM measures WHERE id=?", (sid,))
        db.execute(insert_audit, (*audit, sid, srec, None))
    own = db.execute("SELECT record FROM measures WHERE id=?", (mid,)).fetchone()
    new_json = json.dumps(new, ensure_ascii=False, sort_keys=True)
    db.execute(
        "INSERT INTO measures (id, record, version, updated_at, updated_by) VALUES (?,?,?,?,?) "
        "ON CONFLICT(id) DO UPDATE SET record=excluded.record, version=excluded.version, "
        "updated_at=excluded.updated_at, updated_by=excluded.updated_by",
        (mid, new_json, version + 1, audit[1], audit[2]),
    )
    _set_geometry(db, mid, new_json)
    db.execute(insert_audit, (*audit, mid, own[0] if own else None, new_json))
    return True


class Store:
    """A connection to the store file. Cheap to create; use one per request or thread.
    ``read_only``: only reads (see the module's docstring); the app reads every page so."""

    def __init__(self, path: str | Path | None = None, timeout_s: float = 15.0, read_only: bool = False):
        target = store_path(path)
        # A URL is shown (and used in cache keys) without its password.
        self.path = redact(target) if is_url(target) else target
        self.read_only = read_only
        if read_only:
            self._db = _connect(target, timeout_s, read_only=True)
        else:
            with writing():  # a read-only folder or a full disk refuses even the opening
                self._db = _connect(target, timeout_s)

    @property
    def backend(self) -> str:
        return "postgresql" if _is_postgres(self._db) else "sqlite"

    def close(self) -> None:
        self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- reading -----------------------------------------------------------------------------
    def records(self) -> dict[str, dict]:
        """Every stored record by id, with ``_version``, ``_updated_at`` and ``_updated_by``."""
        return _records(self._db)

    def data_version(self) -> str:
        """A short key that changes with every save and undo (each writes audit rows), read
        without loading the records: callers cache the merged data under it."""
        seq, n, at = self._db.execute("SELECT COALESCE(MAX(seq), 0), COUNT(*), MAX(at) FROM audit").fetchone()
        return f"{self.path}:{seq}.{n}.{at}"

    def version(self, measure_id: str) -> int:
        """The stored version of a measure (0 when it is not in the store); a row stored
        under a legacy form of its id counts (see :meth:`save`)."""
        from layers.edits.validate import normalise_id

        mid = normalise_id(measure_id)
        current, _ = _rows_of(self._db, mid, _legacy_ids(self._db))
        return current[2] if current else 0

    def history(self) -> pd.DataFrame:
        """Every change, oldest first."""
        return _frame(
            self._db, "SELECT seq, batch, at, who, what, measure_id, old, new, undone_by FROM audit ORDER BY seq"
        )

    def history_csv(self, hide_names: str | None = None) -> bytes:
        """The audit trail as CSV bytes (UTF-8 with BOM, for Excel) in readable columns
        (``layers.edits.history.readable_history``: local times, the title, the fields that
        changed with their values before and after), every text cell defused
        against formula injection (a ``who`` of ``=HYPERLINK(…)`` stays text). ``hide_names``
        (a language, for a visitor who is not signed in): no account names
        (``layers.edits.privacy.mask_history``)."""
        from layers.edits.history import history_csv, readable_history

        hist = self.history()
        if hide_names:
            from layers.edits.privacy import mask_history

            hist = mask_history(hist, hide_names)
        return history_csv(readable_history(hist))  # columns a planner reads, not the records' JSON

    def export_history(self, path: str | Path) -> Path:
        """Write :meth:`history_csv` to ``path``."""
        path = Path(path)
        path.write_bytes(self.history_csv())
        return path

    # -- writing -----------------------------------------------------------------------------
    @_writes
    def save(
        self, records: list[dict], who: str, what: str = "import", expected: dict[str, int] | None = None
    ) -> str | None:
        """Insert or replace ``records`` (each with an ``id``) in one transaction; return the batch id.

        ``expected`` maps ids to the versions the caller loaded; a mismatch raises
        :class:`ConflictError` and nothing is written. Records identical to what is
        stored are skipped; if nothing changes, no batch is written and None is returned.
        A row stored under a legacy form of the id (``imp-leg1`` for ``IMP-LEG1``, written
        before ids were normalised) is the one updated: it moves to the normalised id in the
        same transaction, its removal audited. A write the database refuses raises
        :class:`StoreWriteError` and writes nothing.
        """
        from layers.edits.validate import TEXT_LIMITS, check_records, clean_text

        who = clean_text(who, TEXT_LIMITS["who"]) or "unknown"
        # Refuse on write what the map would refuse on read (InvalidRecordError, nothing written).
        records = check_records(records)
        if expected:
            from layers.edits.validate import normalise_id

            expected = {normalise_id(k): v for k, v in expected.items()}
        batch = uuid.uuid4().hex[:12]
        at = _now()
        db = self._db
        _begin_write(db)
        try:
            legacy = _legacy_ids(db)
            changed = sum(_save_one(db, rec, (batch, at, who, what), expected, legacy) for rec in records)
            db.execute("COMMIT")
        except BaseException:
            _rollback(db)
            raise
        return batch if changed else None

    @_writes
    def save_progress(
        self, rows: list[tuple[str, dict]], who: str, expected: dict[str, int] | None = None
    ) -> str | None:
        """Save plans and reports (``rows``: ("plan" or "report", record)) in one transaction,
        audited as one batch that :meth:`undo` reverts; return the batch id (None when every
        row equals what is stored). ``expected``: key → version the caller loaded
        (``layers.edits.progress_db``); a mismatch raises :class:`ConflictError`."""
        from layers.edits.progress_db import save_rows
        from layers.edits.validate import TEXT_LIMITS, clean_text

        who = clean_text(who, TEXT_LIMITS["who"]) or "unknown"
        batch = uuid.uuid4().hex[:12]
        return batch if save_rows(self._db, rows, (batch, _now(), who), expected) else None

    def batches(self) -> pd.DataFrame:
        """One row per saved change (batch), newest first: batch, at, who, what, records, undone_by."""
        return _frame(
            self._db,
            "SELECT batch, MIN(at) AS at, MIN(who) AS who, MIN(what) AS what, COUNT(*) AS records, "
            "MAX(undone_by) AS undone_by FROM audit GROUP BY batch ORDER BY MIN(seq) DESC",
        )

    @_writes
    def undo(self, batch: str, who: str) -> str:
        """Revert one batch as a new, audited transaction; return the undo's batch id.

        Raises :class:`UndoError` (nothing changes) when the batch is unknown, is itself an
        undo, was already undone, or when a later change that is still in force touched one of
        its records: undoing it would silently drop that later change.
        """
        from layers.edits.validate import TEXT_LIMITS, clean_text

        who = clean_text(who, TEXT_LIMITS["who"]) or "unknown"
        db = self._db
        _begin_write(db)
        try:
            rows = db.execute(
                "SELECT seq, what, measure_id, old, new, undone_by FROM audit WHERE batch=? ORDER BY seq DESC",
                (batch,),
            ).fetchall()
            if not rows:
                raise UndoError(
                    Msg(
                        f"there is no change {batch!r}; list them with 'python -m layers changes list'",
                        f"没有修改批次“{batch}”;可用 python -m layers changes list 列出",
                    )
                )
            if rows[0][1] == "undo":
                raise UndoError(
                    Msg(f"{batch} is itself an undo; it cannot be undone", f"{batch} 本身是撤销操作,不能再撤销")
                )
            if rows[0][5]:
                raise UndoError(
                    Msg(f"{batch} was already undone (by {rows[0][5]})", f"{batch} 已被撤销(撤销批次 {rows[0][5]})")
                )
            first = min(r[0] for r in rows)
            ids = sorted({r[2] for r in rows})
            later = db.execute(
                f"SELECT DISTINCT batch, who FROM audit WHERE seq > ? AND undone_by IS NULL AND what != 'undo' "
                f"AND batch != ? AND measure_id IN ({','.join('?' * len(ids))})",
                (first, batch, *ids),
            ).fetchall()
            if later:
                names = ", ".join(f"{b} ({w})" for b, w in later)
                raise UndoError(
                    Msg(
                        f"{batch} cannot be undone: a later change touched the same measures ({names}); undo that first",
                        f"{batch} 不能撤销:之后的修改涉及相同措施({names});请先撤销那次修改",
                    )
                )
            undo = uuid.uuid4().hex[:12]
            at = _now()
            for _seq, _what, mid, old, new, _undone in rows:
                if mid.startswith(PROGRESS_KEYS):  # a plan or a report (layers.edits.progress_db)
                    restore_progress(db, mid, old, at, who)
                elif old is None:
                    db.execute("DELETE FROM measures WHERE id=?", (mid,))
                else:  # back as it was; a row a save moved to its normalised id comes back
                    db.execute(
                        "INSERT INTO measures (id, record, version, updated_at, updated_by) VALUES (?,?,1,?,?) "
                        "ON CONFLICT(id) DO UPDATE SET record=excluded.record, version=measures.version+1, "
                        "updated_at=excluded.updated_at, updated_by=excluded.updated_by",
                        (mid, old, at, who),
                    )
                    _set_geometry(db, mid, old)
                db.execute(
                    "INSERT INTO audit (batch, at, who, what, measure_id, old, new) VALUES (?,?,?,?,?,?,?)",
                    (undo, at, who, "undo", mid, new, old),
                )
            db.execute("UPDATE audit SET undone_by=? WHERE batch=?", (undo, batch))
            db.execute("COMMIT")
        except BaseException:
            _rollback(db)
            raise
        return undo

    @_writes
    def undo_last(self, who: str) -> str | None:
        """Revert ``who``'s newest change that is not yet undone; return its batch id (None if
        ``who`` has none). Somebody else's change is never undone here (see :meth:`undo`)."""
        from layers.edits.validate import TEXT_LIMITS, clean_text

        who = clean_text(who, TEXT_LIMITS["who"]) or "unknown"
        row = self._db.execute(
            "SELECT batch FROM audit WHERE what != 'undo' AND undone_by IS NULL AND who=? ORDER BY seq DESC LIMIT 1",
            (who,),
        ).fetchone()
        if row is None:
            return None
        self.undo(row[0], who)
        return row[0]

    def backup(self, out: str | Path) -> Path:
        """A consistent copy of a SQLite store while the app keeps running (SQLite's online
        backup API), written to a temporary file and renamed. PostgreSQL stores are backed up
        with the server's own tool, ``pg_dump`` (docs/deploy.md)."""
        if _is_postgres(self._db):
            raise ValueError(
                Msg(
                    "a PostgreSQL store is backed up with pg_dump (see docs/deploy.md), not with this command",
                    "PostgreSQL 存储请用 pg_dump 备份(见 docs/deploy.md)",
                )
            )
        out = Path(out)
        tmp = out.with_name(out.name + ".part")
        try:
            dest = sqlite3.connect(tmp)
            try:
                self._db.backup(dest)
            finally:
                dest.close()
        except sqlite3.OperationalError as exc:  # a full disk or a read-only folder: no half copy left
            tmp.unlink(missing_ok=True)
            reason = _write_error(exc)
            raise StoreWriteError(
                Msg(f"no backup was written to {out}: {reason}", f"未写入备份 {out}:{reason.args[0].zh}")
            ) from exc
        tmp.replace(out)
        return out

    def integrity_ok(self) -> bool:
        if _is_postgres(self._db):  # the server checks its own pages; the tables must be readable
            return self._db.execute("SELECT COUNT(*) FROM measures").fetchone() is not None
        return self._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
