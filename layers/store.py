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
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import time
import uuid
from pathlib import Path

import pandas as pd

from layers._errors import Msg

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "store.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS measures (
    id TEXT PRIMARY KEY,
    record TEXT NOT NULL,          -- JSON: register fields and location fields
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    batch TEXT NOT NULL,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    what TEXT NOT NULL,            -- import, set_location, set_geometry, undo
    measure_id TEXT NOT NULL,
    old TEXT,                      -- JSON record before, NULL if new
    new TEXT,                      -- JSON record after, NULL if removed
    undone_by TEXT                 -- batch that undid this one
);
CREATE INDEX IF NOT EXISTS audit_batch ON audit(batch);
"""

# The same tables in PostgreSQL: a sequence for the audit order, and the geometry in PostGIS.
_PG_SCHEMA = """
CREATE TABLE IF NOT EXISTS measures (
    id TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    geom geometry(Geometry, 4326)
);
CREATE TABLE IF NOT EXISTS audit (
    seq BIGSERIAL PRIMARY KEY,
    batch TEXT NOT NULL,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    what TEXT NOT NULL,
    measure_id TEXT NOT NULL,
    old TEXT,
    new TEXT,
    undone_by TEXT
);
CREATE INDEX IF NOT EXISTS audit_batch ON audit(batch);
"""
#: Any number: the key of the advisory lock that makes writers take turns.
_PG_WRITE_LOCK = 7_428_110


def is_url(target) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def redact(url: str) -> str:
    """A database URL without its password (for messages and cache keys)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class _Postgres:
    """A psycopg connection that speaks like sqlite3's: ``?`` placeholders, ``execute``
    returning a cursor, ``executemany``, ``executescript`` and ``in_transaction``.
    Autocommit, with explicit BEGIN/COMMIT where the store needs a transaction."""

    dialect = "postgresql"

    def __init__(self, url: str, timeout_s: float):
        import psycopg

        self.url = url
        try:
            self._conn = psycopg.connect(url, autocommit=True, connect_timeout=max(1, int(timeout_s)))
        except psycopg.OperationalError as exc:
            import logging

            logging.getLogger(__name__).warning("store %s unreachable: %s", redact(url), exc)
            reason = str(exc).strip().splitlines()[-1].strip()[:200] if str(exc).strip() else type(exc).__name__
            raise StoreUnavailable(
                Msg(
                    f"the database {redact(url)} cannot be reached ({reason}); check that it runs and the URL in "
                    "JINING_STORE",
                    f"无法连接数据库 {redact(url)}:请检查数据库是否运行,以及 JINING_STORE 中的地址(详情见服务器日志)",
                )
            ) from None
        # Waiting for another writer's lock is bounded, as SQLite's busy_timeout bounds it.
        self._conn.execute(f"SET lock_timeout = {int(timeout_s * 1000)}")

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("?", "%s")

    def execute(self, sql: str, params=()):
        return self._conn.execute(self._sql(sql), params or None)

    def executemany(self, sql: str, rows):
        cur = self._conn.cursor()
        cur.executemany(self._sql(sql), list(rows))
        return cur

    def executescript(self, sql: str):
        return self._conn.execute(sql)

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self._conn.info.transaction_status != TransactionStatus.IDLE

    def close(self):
        self._conn.close()


def _connect(target, timeout_s: float, read_only: bool = False):
    """A connection to the store: a sqlite3 connection, or a :class:`_Postgres`."""
    if is_url(target):
        db = _Postgres(target, timeout_s)
        if not read_only and (target, _PG_SCHEMA) not in _ENSURED:
            ensure_schema(db, _pg_schema(db))
        return db
    if read_only:
        return sqlite3.connect(f"file:{target}?mode=ro", uri=True, timeout=timeout_s)
    target.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(target, timeout=timeout_s, isolation_level=None, check_same_thread=False)
    db.execute(f"PRAGMA busy_timeout={int(timeout_s * 1000)}")
    # Switching a new file to WAL answers "locked" at once, without waiting, while another
    # process does the same (replicas starting together): retry within the timeout.
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    db.execute("PRAGMA synchronous=FULL")
    return db


def _pg_schema(db) -> str:
    if not db.execute("SELECT 1 FROM pg_extension WHERE extname='postgis'").fetchone():
        try:
            db.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        except Exception as exc:
            raise RuntimeError(
                "the database has no PostGIS and this account may not add it: ask its administrator to run "
                f"CREATE EXTENSION postgis; ({type(exc).__name__})"
            ) from None
    return _PG_SCHEMA


#: The advisory lock that makes schema creation take turns across processes.
_PG_SCHEMA_LOCK = 7_428_111


#: PostgreSQL databases (by URL) and schemas this process has already made sure of: the
#: app opens a connection per rerun and must not repeat the DDL, and its lock, each time.
_ENSURED: set[tuple[str, str]] = set()


def ensure_schema(db, ddl: str) -> None:
    """Create missing tables. In PostgreSQL, CREATE TABLE IF NOT EXISTS is not safe when two
    processes run it at once (two replicas starting on a new database: one failed with a
    duplicate type); they take turns under an advisory lock, in one transaction, once per
    process and database."""
    if not _is_postgres(db):
        db.executescript(ddl)
        return
    if (db.url, ddl) in _ENSURED:
        return
    db.execute("BEGIN")
    try:
        db.execute("SELECT pg_advisory_xact_lock(?)", (_PG_SCHEMA_LOCK,))
        db.executescript(ddl)
        db.execute("COMMIT")
    except BaseException:
        _rollback(db)
        raise
    _ENSURED.add((db.url, ddl))


def _is_postgres(db) -> bool:
    return getattr(db, "dialect", "sqlite") == "postgresql"


def _frame(db, sql: str, params=()) -> pd.DataFrame:
    """A query's rows as a DataFrame, on either backend (pandas reads only SQLite connections
    without SQLAlchemy)."""
    cur = db.execute(sql, params)
    return pd.DataFrame(cur.fetchall(), columns=[d[0] for d in cur.description])


def _begin_write(db) -> None:
    """Start a write transaction; writers take turns (SQLite: its write lock; PostgreSQL: an
    advisory lock held until the transaction ends)."""
    if _is_postgres(db):
        db.execute("BEGIN")
        db.execute("SELECT pg_advisory_xact_lock(?)", (_PG_WRITE_LOCK,))
    else:
        db.execute("BEGIN IMMEDIATE")


def _set_geometry(db, mid: str, record_json: str | None) -> None:
    """PostgreSQL: the record's geometry as PostGIS (NULL when it has none)."""
    if not _is_postgres(db):
        return
    geom = (json.loads(record_json) or {}).get("geometry") if record_json else None
    text = json.dumps(geom) if geom else None
    db.execute(
        "UPDATE measures SET geom = CASE WHEN ?::text IS NULL THEN NULL "
        "ELSE ST_SetSRID(ST_GeomFromGeoJSON(?::text), 4326) END WHERE id=?",
        (text, text, mid),
    )


class StoreUnavailable(RuntimeError):
    """The store's database cannot be reached (a server down, a wrong URL or password)."""


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


def _rollback(db) -> None:
    """Roll back if a transaction is open. SQLite may already have rolled back (a full disk):
    a second error here must not hide the first one."""
    try:
        if db.in_transaction:
            db.execute("ROLLBACK")
    except sqlite3.Error:
        pass


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
    p = store_path(path)
    if not is_url(p) and not p.exists():
        return {}
    db = _connect(p, 15, read_only=True)
    try:
        if _is_postgres(db):
            has_table = db.execute("SELECT to_regclass('measures')").fetchone()[0]
        else:
            has_table = db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='measures'").fetchone()
        return _records(db) if has_table else {}
    finally:
        db.close()


class Store:
    """A connection to the store file. Cheap to create; use one per request or thread."""

    def __init__(self, path: str | Path | None = None, timeout_s: float = 15.0):
        target = store_path(path)
        # A URL is shown (and used in cache keys) without its password.
        self.path = redact(target) if is_url(target) else target
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
        """The stored version of a measure (0 when it is not in the store)."""
        row = self._db.execute("SELECT version FROM measures WHERE id=?", (measure_id,)).fetchone()
        return row[0] if row else 0

    def history(self) -> pd.DataFrame:
        """Every change, oldest first."""
        return _frame(
            self._db, "SELECT seq, batch, at, who, what, measure_id, old, new, undone_by FROM audit ORDER BY seq"
        )

    def history_csv(self) -> bytes:
        """The audit trail as CSV bytes (UTF-8 with BOM, for Excel), every text cell defused
        against formula injection (a ``who`` of ``=HYPERLINK(…)`` stays text)."""
        from layers.export_data import defuse

        hist = self.history()
        for col in hist.columns:
            if pd.api.types.is_object_dtype(hist[col]) or pd.api.types.is_string_dtype(hist[col]):
                hist[col] = hist[col].map(defuse)
        return hist.to_csv(index=False).encode("utf-8-sig")

    def export_history(self, path: str | Path) -> Path:
        """Write :meth:`history_csv` to ``path``."""
        path = Path(path)
        path.write_bytes(self.history_csv())
        return path

    # -- writing -----------------------------------------------------------------------------
    def save(
        self, records: list[dict], who: str, what: str = "import", expected: dict[str, int] | None = None
    ) -> str | None:
        """Insert or replace ``records`` (each with an ``id``) in one transaction; return the batch id.

        ``expected`` maps ids to the versions the caller loaded; a mismatch raises
        :class:`ConflictError` and nothing is written. Records identical to what is
        stored are skipped; if nothing changes, no batch is written and None is returned.
        """
        from layers.validate import TEXT_LIMITS, check_records, clean_text

        who = clean_text(who, TEXT_LIMITS["who"]) or "unknown"
        # Refuse on write what the map would refuse on read (InvalidRecordError, nothing written).
        records = check_records(records)
        if expected:
            from layers.validate import normalise_id

            expected = {normalise_id(k): v for k, v in expected.items()}
        batch = uuid.uuid4().hex[:12]
        at = _now()
        db = self._db
        _begin_write(db)
        try:
            changed = 0
            for rec in records:
                mid = rec["id"]
                new = json.loads(json.dumps({k: v for k, v in rec.items() if not k.startswith("_")}))
                row = db.execute(
                    "SELECT record, version, updated_by, updated_at FROM measures WHERE id=?", (mid,)
                ).fetchone()
                old, version = (json.loads(row[0]), row[1]) if row else (None, 0)
                if expected is not None and mid in expected and expected[mid] != version:
                    raise ConflictError(
                        Msg(
                            f"{mid} was changed by {row[2]} at {row[3]} after you loaded it; "
                            "reload the page to see that change, then make yours again",
                            f"{mid} 在您打开后已被 {row[2]} 于 {row[3]} 修改;请刷新页面查看该修改,再重新操作",
                        )
                    )
                if old == new:
                    continue
                new_json = json.dumps(new, ensure_ascii=False, sort_keys=True)
                db.execute(
                    "INSERT INTO measures (id, record, version, updated_at, updated_by) VALUES (?,?,?,?,?) "
                    "ON CONFLICT(id) DO UPDATE SET record=excluded.record, version=measures.version+1, "
                    "updated_at=excluded.updated_at, updated_by=excluded.updated_by",
                    (mid, new_json, 1, at, who),
                )
                _set_geometry(db, mid, new_json)
                db.execute(
                    "INSERT INTO audit (batch, at, who, what, measure_id, old, new) VALUES (?,?,?,?,?,?,?)",
                    (
                        batch,
                        at,
                        who,
                        what,
                        mid,
                        json.dumps(old, ensure_ascii=False, sort_keys=True) if old else None,
                        new_json,
                    ),
                )
                changed += 1
            db.execute("COMMIT")
        except BaseException:
            _rollback(db)
            raise
        return batch if changed else None

    def batches(self) -> pd.DataFrame:
        """One row per saved change (batch), newest first: batch, at, who, what, records, undone_by."""
        return _frame(
            self._db,
            "SELECT batch, MIN(at) AS at, MIN(who) AS who, MIN(what) AS what, COUNT(*) AS records, "
            "MAX(undone_by) AS undone_by FROM audit GROUP BY batch ORDER BY MIN(seq) DESC",
        )

    def undo(self, batch: str, who: str) -> str:
        """Revert one batch as a new, audited transaction; return the undo's batch id.

        Raises :class:`UndoError` (nothing changes) when the batch is unknown, is itself an
        undo, was already undone, or when a later change that is still in force touched one of
        its records: undoing it would silently drop that later change.
        """
        from layers.validate import TEXT_LIMITS, clean_text

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
                if old is None:
                    db.execute("DELETE FROM measures WHERE id=?", (mid,))
                else:
                    db.execute(
                        "UPDATE measures SET record=?, version=version+1, updated_at=?, updated_by=? WHERE id=?",
                        (old, at, who, mid),
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

    def undo_last(self, who: str) -> str | None:
        """Revert ``who``'s newest change that is not yet undone; return its batch id (None if
        ``who`` has none). Somebody else's change is never undone here (see :meth:`undo`)."""
        from layers.validate import TEXT_LIMITS, clean_text

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
        dest = sqlite3.connect(tmp)
        try:
            self._db.backup(dest)
        finally:
            dest.close()
        tmp.replace(out)
        return out

    def integrity_ok(self) -> bool:
        if _is_postgres(self._db):  # the server checks its own pages; the tables must be readable
            return self._db.execute("SELECT COUNT(*) FROM measures").fetchone() is not None
        return self._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
