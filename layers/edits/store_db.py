"""The store's connections: SQLite and PostgreSQL behind one small interface.

:mod:`layers.edits.store` keeps the records, the audit trail and undo; this module opens the
database and speaks to it on either backend:

- the tables (``_SCHEMA`` for SQLite, ``_PG_SCHEMA`` with a PostGIS geometry column for
  PostgreSQL) and :func:`ensure_schema`, which creates them once per process, under an
  advisory lock in PostgreSQL;
- :class:`_Postgres`, a psycopg connection with sqlite3's interface (``?`` placeholders,
  ``execute``, ``in_transaction``);
- read-only connections (:func:`_sqlite_reader`; ``default_transaction_read_only`` in
  PostgreSQL) on which missing tables read as empty ones (:func:`_shadow_missing`);
- write transactions (:func:`_begin_write`, :func:`_rollback`), and
  :class:`StoreUnavailable` for a database that cannot be reached (:func:`redact` keeps
  the password out of every message).
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import time
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from layers._errors import Msg

#: The store's log (the same name as before the connections had a module of their own).
_log = logging.getLogger("layers.edits.store")

#: Plans and reports (``layers.edits.progress_db``), the same in both databases but for
#: PostgreSQL's name of a double.
_PROGRESS_SCHEMA = """
CREATE TABLE IF NOT EXISTS plans (
    measure_id TEXT PRIMARY KEY,
    start_date TEXT NOT NULL,      -- YYYY-MM-DD, as in the record: the lights read these columns
    end_date TEXT NOT NULL,
    record TEXT NOT NULL,          -- JSON: unit, leader, start, end, investment, milestones
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS plan_milestones (
    measure_id TEXT NOT NULL,      -- the plan's milestones, as in its record, one row each
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    due TEXT NOT NULL,
    met TEXT,
    PRIMARY KEY (measure_id, seq)
);
CREATE TABLE IF NOT EXISTS reports (
    measure_id TEXT NOT NULL,
    report_date TEXT NOT NULL,     -- YYYY-MM-DD: the day the report speaks for
    status TEXT NOT NULL,
    progress REAL,
    record TEXT NOT NULL,          -- JSON: every field of the report
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (measure_id, report_date)
);
CREATE INDEX IF NOT EXISTS reports_by_date ON reports(report_date);
"""

_SCHEMA = (
    """
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
    + _PROGRESS_SCHEMA
)

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
""" + _PROGRESS_SCHEMA.replace(" REAL,", " DOUBLE PRECISION,")
#: Any number: the key of the advisory lock that makes writers take turns.
_PG_WRITE_LOCK = 7_428_110


def is_url(target) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def redact(url: str) -> str:
    """A database URL without its password (for messages and cache keys)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    # libpq also takes the password as a query parameter (``?password=…``).
    query = re.sub(r"(?i)(^|&)(password=)[^&]*", r"\1\2***", parts.query)
    parts = parts._replace(query=query)
    if parts.password is None:
        return urlunsplit(parts)
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _unavailable(url: str, exc: Exception) -> StoreUnavailable:
    """A database that cannot be reached: one neutral sentence for everyone who sees it; the
    URL (without its password) and the driver's reason go to the server log and ``detail``
    (which the command line prints for its operator)."""
    reason = str(exc).strip().splitlines()[-1].strip()[:200] if str(exc).strip() else type(exc).__name__
    detail = f"{redact(url)}: {reason}"
    _log.warning("store unreachable: %s", detail)
    err = StoreUnavailable(
        Msg(
            "the database cannot be reached at the moment; please try again later (the administrator finds the "
            "details in the server log and checks the database and JINING_STORE)",
            "暂时无法连接数据库,请稍后再试(管理员可在服务器日志中查看详情,并检查数据库与 JINING_STORE 设置)",
        )
    )
    err.detail = detail
    return err


class _Postgres:
    """A psycopg connection that speaks like sqlite3's: ``?`` placeholders, ``execute``
    returning a cursor, ``executemany``, ``executescript`` and ``in_transaction``.
    Autocommit, with explicit BEGIN/COMMIT where the store needs a transaction."""

    dialect = "postgresql"

    def __init__(self, url: str, timeout_s: float, read_only: bool = False):
        import psycopg

        self.url = url
        self.read_only = read_only
        #: read-only: tables that do not exist yet, as empty relations (name → CTE).
        self.empty: dict[str, str] = {}
        try:
            self._conn = psycopg.connect(url, autocommit=True, connect_timeout=max(1, int(timeout_s)))
            # Waiting for another writer's lock is bounded, as SQLite's busy_timeout bounds it.
            self._conn.execute(f"SET lock_timeout = {int(timeout_s * 1000)}")
            if read_only:  # the server itself refuses any write on this connection
                self._conn.execute("SET default_transaction_read_only = on")
        except psycopg.OperationalError as exc:
            raise _unavailable(url, exc) from None

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("?", "%s")

    def execute(self, sql: str, params=()):
        import psycopg

        if self.empty and sql.lstrip()[:6].upper() == "SELECT":
            # A missing table reads as an empty one: a CTE of that name shadows it.
            sql = "WITH " + ", ".join(self.empty.values()) + " " + sql
        try:
            return self._conn.execute(self._sql(sql), params or None)
        except psycopg.OperationalError as exc:
            if self.read_only:  # the server went away while a page was being read
                raise _unavailable(self.url, exc) from None
            raise

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


class _ReadOnlySQLite(sqlite3.Connection):
    """A sqlite3 connection that only reads (``ensure_schema`` runs no DDL on it)."""

    read_only = True


def _sqlite_reader(path: Path, timeout_s: float) -> _ReadOnlySQLite:
    """Open a SQLite store for reading only, creating nothing: a missing file is an empty
    in-memory database. A WAL store needs its ``-shm`` file, which cannot be created in a
    read-only folder or on a full disk: then the file is read as immutable, which is exact
    because nobody can be writing it there (a clean close leaves no WAL behind)."""
    kw = dict(uri=True, timeout=timeout_s, isolation_level=None, check_same_thread=False, factory=_ReadOnlySQLite)
    if not path.exists():
        db = sqlite3.connect(":memory:", **kw)
    else:
        uri = "file:" + quote(str(path.resolve()))
        db = sqlite3.connect(uri + "?mode=ro", **kw)
        try:
            db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError as exc:
            db.close()
            _log.info("store %s read as immutable (%s)", path, exc)
            db = sqlite3.connect(uri + "?immutable=1", **kw)
            db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    # Temporary tables (for missing ones) in memory, never in a file; no writes otherwise.
    db.execute("PRAGMA temp_store=MEMORY")
    db.execute("PRAGMA query_only=ON")
    return db


def _connect(target, timeout_s: float, read_only: bool = False):
    """A connection to the store: a sqlite3 connection, or a :class:`_Postgres`."""
    if is_url(target):
        db = _Postgres(target, timeout_s, read_only)
        if (target, _PG_SCHEMA) not in _ENSURED:
            ensure_schema(db, _PG_SCHEMA if read_only else _pg_schema(db))
        return db
    if read_only:
        try:
            db = _sqlite_reader(target, timeout_s)
            ensure_schema(db, _SCHEMA)
        except sqlite3.Error as exc:  # unreadable (permissions, a broken file): one sentence
            _log.warning("store %s cannot be read: %s", target, exc)
            err = StoreUnavailable(
                Msg(
                    "the store of changes cannot be read at the moment; please try again later (the administrator "
                    "finds the details in the server log)",
                    "暂时无法读取修改存储,请稍后再试(管理员可在服务器日志中查看详情)",
                )
            )
            err.detail = f"{target}: {exc}"
            raise err from None
        return db
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
    process and database. On a read-only connection nothing is created: missing tables read
    as empty ones (:func:`_shadow_missing`), and any other statement is skipped."""
    if getattr(db, "read_only", False):
        if not (_is_postgres(db) and (db.url, ddl) in _ENSURED):
            _shadow_missing(db, ddl)
        return
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


_CREATE_TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*?)\n\)\s*;", re.S)


def _empty_relation(name: str, body: str) -> str:
    """A CTE with a table's columns and no rows (PostgreSQL, read-only: no DDL at all)."""
    cols = []
    for line in body.splitlines():
        m = re.match(r"\s*(\w+)\s+(DOUBLE PRECISION|\w+)", line.split("--")[0], re.I)
        if m and m[1].upper() not in ("PRIMARY", "UNIQUE", "CONSTRAINT", "FOREIGN", "CHECK"):
            typ = {"BIGSERIAL": "bigint", "SERIAL": "integer", "GEOMETRY": "text"}.get(m[2].upper(), m[2])
            cols.append(f"NULL::{typ} AS {m[1]}")
    return f"{name} AS (SELECT {', '.join(cols)} WHERE false)"


def _shadow_missing(db, ddl: str) -> None:
    """Read-only: the tables of ``ddl`` that do not exist read as empty ones. SQLite: a
    temporary table in memory (the file is not touched); PostgreSQL: a CTE of that name."""
    for m in _CREATE_TABLE.finditer(ddl):
        name, body = m[1], m[2]
        if _is_postgres(db):
            if name not in db.empty and db.execute("SELECT to_regclass(?)", (name,)).fetchone()[0] is None:
                db.empty[name] = _empty_relation(name, body)
        elif not db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone():
            db.execute("PRAGMA query_only=OFF")
            try:
                db.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({body}\n)")  # a comment may end the body
            finally:
                db.execute("PRAGMA query_only=ON")


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
    """The store's database cannot be reached (a server down, a wrong URL or password). The
    message is one neutral sentence; ``detail`` (the URL without its password and the
    driver's reason) is for the server log and the command line, never for a page."""

    detail: str | None = None


def _rollback(db) -> None:
    """Roll back if a transaction is open. SQLite may already have rolled back (a full disk):
    a second error here must not hide the first one (nor may a PostgreSQL connection that
    was cut: the server rolls back itself)."""
    try:
        if db.in_transaction:
            db.execute("ROLLBACK")
    except Exception:  # noqa: BLE001 - the first error is the one to report
        pass
