"""Who may change the map: local accounts, roles, sign-in with rate limits, and sessions.

Accounts live in the same store as the changes (tables ``accounts``, ``sessions`` and
``auth_failures``), so every app process that shares the store shares them.

- Roles: ``viewer`` (may look), ``editor`` (may import, correct and undo), ``admin``
  (an editor who also manages accounts).
- Passwords are hashed with Argon2id (argon2-cffi); the plain text is never stored.
- Failed sign-ins are counted per account and per client over ``WINDOW_S``; past the
  limits, sign-in is refused until the window has passed, even with the right password.
- A session is a random token the app keeps in the browser session's state. Only its
  SHA-256 is stored; each rerun resolves the token to the account as it is now, so an
  expired token, a removed account or a changed role takes effect at once, and nothing
  else in the session state can grant a role.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import re
import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from layers._errors import Msg

ROLES = ("viewer", "editor", "admin")
ROLE_WORDS = {
    "viewer": {"zh": "查看", "en": "viewer"},
    "editor": {"zh": "编辑", "en": "editor"},
    "admin": {"zh": "管理员", "en": "admin"},
}
#: Failed sign-ins allowed per account, and per client, within ``WINDOW_S``.
MAX_FAILURES_ACCOUNT = 5
MAX_FAILURES_CLIENT = 20
WINDOW_S = 15 * 60
#: A session ends this long after sign-in (``session_hours`` in the app's settings).
SESSION_S = 8 * 3600
MIN_PASSWORD = 10
MAX_PASSWORD = 256
_NAME = re.compile(r"^[\w.@\-]{1,64}$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    pw_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,   -- SHA-256 of the token: the token itself is never stored
    name TEXT NOT NULL,
    expires REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS auth_failures (
    key TEXT NOT NULL,             -- account:NAME or client:ADDRESS
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS auth_failures_key ON auth_failures(key, at);
"""

# Argon2id with the library's defaults (RFC 9106 low-memory profile). One hasher for the
# process; the dummy hash makes an unknown name cost as much as a wrong password.
_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash(secrets.token_hex(16))


class AuthError(ValueError):
    """A sign-in or an account change was refused; the message says why and what to do."""


@dataclass(frozen=True)
class Identity:
    """Who is using the app, as the server resolved it (never as the browser claims it)."""

    name: str
    role: str
    via: str  # local, oidc, os

    @property
    def can_edit(self) -> bool:
        return self.role in ("editor", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def os_identity() -> Identity:
    """The command line writes as the operating-system user, recorded as ``os:NAME``."""
    return Identity(f"os:{getpass.getuser()}", "admin", "os")


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not _NAME.match(name):
        raise AuthError(
            Msg(
                f"{name[:64]!r} is not a valid account name: use 1-64 letters, digits, '.', '_', '-' or '@'",
                f"“{name[:64]}”不是有效的账户名:请用 1-64 个字母、数字或“.”“_”“-”“@”",
            )
        )
    return name


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise AuthError(
            Msg(
                f"{role!r} is not a role; use viewer, editor or admin", f"“{role}”不是角色;请用 viewer、editor 或 admin"
            )
        )
    return role


def _check_password(password: str) -> str:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AuthError(
            Msg(
                f"a password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters",
                f"密码需要 {MIN_PASSWORD} 到 {MAX_PASSWORD} 个字符",
            )
        )
    return password


def _now_text() -> str:
    return dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    """Accounts, sign-in and sessions over a store's database connection."""

    def __init__(self, store, clock=time.time):
        from layers.store import _is_postgres, ensure_schema

        self._db = store._db
        self._clock = clock
        # PostgreSQL's REAL has 6 digits: times need DOUBLE PRECISION there.
        ensure_schema(self._db, _SCHEMA.replace(" REAL ", " DOUBLE PRECISION ") if _is_postgres(self._db) else _SCHEMA)

    # -- managing accounts ---------------------------------------------------------------------
    def add(self, name: str, password: str, role: str) -> None:
        name, role = _check_name(name), _check_role(role)
        pw_hash = _HASHER.hash(_check_password(password))
        now = _now_text()
        try:
            self._db.execute(
                "INSERT INTO accounts (name, role, pw_hash, created_at, updated_at) VALUES (?,?,?,?,?)",
                (name, role, pw_hash, now, now),
            )
        except Exception as exc:
            if "UNIQUE" in str(exc) or "unique" in str(exc):
                raise AuthError(
                    Msg(
                        f"there is already an account {name!r}; use 'users passwd' to change its password",
                        f"已有账户“{name}”;修改密码请用 users passwd",
                    )
                ) from None
            raise

    def remove(self, name: str) -> None:
        name = _check_name(name)
        if not self._db.execute("DELETE FROM accounts WHERE name=?", (name,)).rowcount:
            raise AuthError(Msg(f"there is no account {name!r}", f"没有账户“{name}”"))
        self._db.execute("DELETE FROM sessions WHERE name=?", (name,))

    def set_password(self, name: str, password: str) -> None:
        name = _check_name(name)
        pw_hash = _HASHER.hash(_check_password(password))
        cur = self._db.execute("UPDATE accounts SET pw_hash=?, updated_at=? WHERE name=?", (pw_hash, _now_text(), name))
        if not cur.rowcount:
            raise AuthError(Msg(f"there is no account {name!r}", f"没有账户“{name}”"))
        # A new password ends the account's sessions and forgives its failed attempts.
        self._db.execute("DELETE FROM sessions WHERE name=?", (name,))
        self._db.execute("DELETE FROM auth_failures WHERE key=?", (f"account:{name}",))

    def set_role(self, name: str, role: str) -> None:
        name, role = _check_name(name), _check_role(role)
        if not self._db.execute(
            "UPDATE accounts SET role=?, updated_at=? WHERE name=?", (role, _now_text(), name)
        ).rowcount:
            raise AuthError(Msg(f"there is no account {name!r}", f"没有账户“{name}”"))

    def list(self):
        """Every account: name, role, created_at, updated_at (never a hash)."""
        from layers.store import _frame

        return _frame(self._db, "SELECT name, role, created_at, updated_at FROM accounts ORDER BY name")

    def has_editor(self) -> bool:
        return (
            self._db.execute("SELECT 1 FROM accounts WHERE role IN ('editor','admin') LIMIT 1").fetchone() is not None
        )

    # -- signing in ----------------------------------------------------------------------------
    def _failures(self, key: str, since: float) -> int:
        return self._db.execute("SELECT COUNT(*) FROM auth_failures WHERE key=? AND at>?", (key, since)).fetchone()[0]

    def sign_in(self, name: str, password: str, client: str = "unknown", session_s: float = SESSION_S) -> str:
        """Check the password and return a new session token, or raise :class:`AuthError`.

        Refused, whatever the password, while the account has ``MAX_FAILURES_ACCOUNT``
        failures or the client ``MAX_FAILURES_CLIENT`` within ``WINDOW_S``."""
        now = self._clock()
        since = now - WINDOW_S
        name = (name or "").strip()[:64]
        keys = (f"account:{name}", f"client:{client}")
        self._db.execute("DELETE FROM auth_failures WHERE at<=?", (since,))
        if (
            self._failures(keys[0], since) >= MAX_FAILURES_ACCOUNT
            or self._failures(keys[1], since) >= MAX_FAILURES_CLIENT
        ):
            minutes = WINDOW_S // 60
            raise AuthError(
                Msg(
                    f"too many failed sign-ins; try again in {minutes} minutes or ask an admin to reset the password",
                    f"登录失败次数过多;请 {minutes} 分钟后再试,或请管理员重设密码",
                )
            )
        row = self._db.execute("SELECT pw_hash FROM accounts WHERE name=?", (name,)).fetchone()
        ok = False
        try:
            ok = _HASHER.verify(row[0] if row else _DUMMY, password or "") and row is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        if not ok:
            self._db.executemany("INSERT INTO auth_failures (key, at) VALUES (?,?)", [(k, now) for k in keys])
            raise AuthError(Msg("wrong name or password", "账户名或密码错误"))
        self._db.execute("DELETE FROM auth_failures WHERE key=?", (keys[0],))
        token = secrets.token_urlsafe(32)
        self._db.execute("DELETE FROM sessions WHERE expires<=?", (now,))
        self._db.execute(
            "INSERT INTO sessions (token_hash, name, expires) VALUES (?,?,?)",
            (_token_hash(token), name, now + session_s),
        )
        return token

    def resolve(self, token) -> Identity | None:
        """The account a session token stands for now, or None (unknown, expired or removed)."""
        if not isinstance(token, str) or not token:
            return None
        row = self._db.execute(
            "SELECT a.name, a.role, s.expires FROM sessions s JOIN accounts a ON a.name = s.name WHERE s.token_hash=?",
            (_token_hash(token),),
        ).fetchone()
        if row is None or row[2] <= self._clock():
            return None
        return Identity(row[0], row[1], "local")

    def sign_out(self, token) -> None:
        if isinstance(token, str):
            self._db.execute("DELETE FROM sessions WHERE token_hash=?", (_token_hash(token),))
