"""Who may change the map: local accounts, roles, sign-in with rate limits, and sessions.

Accounts live in the same store as the changes (tables ``accounts``, ``sessions``,
``auth_attempts`` and ``auth_key``), so every app process that shares the store shares them.

- Roles: ``viewer`` (may look), ``editor`` (may import, correct and undo), ``admin``
  (an editor who also manages accounts). The last admin can be neither removed nor
  demoted (checked inside the write transaction, so two admins removing each other at
  the same moment leave one).
- Names are compared normalised (NFKC, case-folded): ``zhang``, ``Zhang`` and ``ＺＨＡＮＧ``
  are one account. A new name that mixes Latin with Cyrillic or Greek letters, or whose
  confusable skeleton (:func:`skeleton`) equals an existing account's (Cyrillic ``zhаng``),
  is refused. Names stored before normalisation (``Zhang``) are not migrated: they keep
  working, found by their normalised form (:meth:`Accounts._find`), so their audit rows and
  sessions keep the name they were written with.
- Passwords are hashed with Argon2id (argon2-cffi); the plain text is never stored.
- Failed sign-ins, within ``WINDOW_S`` (15 minutes). Each attempt is counted and reserved
  (written) in one write transaction *before* its password is checked, so simultaneous
  attempts cannot pass a limit while others are being checked:

  * 5 failures for one account from one client address (``MAX_FAILURES_PAIR``): that client
    may not try that account again until the window has passed;
  * 20 failures from one client address, whatever the names (``MAX_FAILURES_CLIENT``);
  * failures on one account from many addresses never refuse it (that would let anyone
    lock the editors out): from the 5th on (``SLOW_AFTER``) every attempt on that account
    waits ``min(2 ** (n - 5), 10)`` seconds before its check: 1, 2, 4, 8, then 10 s
    (``MAX_DELAY_S``). The right password from a clean client always gets in.

  A success forgives that client's failures on that account. The rows hold keyed hashes
  (HMAC-SHA-256 under a random key made once per store) of the normalised name and the
  client address, never the text typed, so a password typed into the name field is not
  kept; a reader of the database could still test guesses against the last 15 minutes'
  hashes, and nothing older is kept.
- A session is a random token the app keeps in the browser session's state. Only its
  SHA-256 is stored; each rerun resolves the token to the account as it is now, so an
  expired token, a removed account or a changed role takes effect at once, and nothing
  else in the session state can grant a role.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import hmac
import ipaddress
import re
import secrets
import time
import unicodedata
from contextlib import contextmanager
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
#: Failed sign-ins allowed per account and client address, and per client address, within
#: ``WINDOW_S``; an account's failures from all clients only slow it down (``slow_down_s``).
MAX_FAILURES_PAIR = 5
MAX_FAILURES_CLIENT = 20
SLOW_AFTER = 5
MAX_DELAY_S = 10.0
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
CREATE TABLE IF NOT EXISTS auth_attempts (
    id TEXT PRIMARY KEY,           -- one attempt, reserved before its password is checked
    account TEXT NOT NULL,         -- keyed hash of the normalised name typed (never the text)
    client TEXT NOT NULL,          -- keyed hash of the client address
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS auth_attempts_account ON auth_attempts(account, at);
CREATE INDEX IF NOT EXISTS auth_attempts_client ON auth_attempts(client, at);
CREATE TABLE IF NOT EXISTS auth_key (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL              -- the random key of the hashes above, made once per store
);
"""
#: Before issue 18 failed names were kept in clear here; it held only transient counts.
_LEGACY = "auth_failures"

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


# Letters of Cyrillic and Greek that look like Latin ones (after case folding), and the
# Latin look-alikes among themselves. Hand-written, not a package: account names are short
# (1-64 of letters, digits, '.', '_', '-', '@'), names mixing Latin with Cyrillic or Greek
# are refused outright, so only whole-name look-alikes remain, and this small table covers
# them without a new dependency (the PyPI packages found, confusable-homoglyphs and
# confusables, offer no TR39 skeleton to compare two names by).
_LOOKALIKE = str.maketrans(
    {
        **dict(zip("авеёіїјкмнорстухѕһԁԛԝӏьүг", "abeelljkmhopctyxshdqwlbyr", strict=True)),
        **dict(zip("αβεηικμνορτυχωγ", "abenlkuvoptuxwy", strict=True)),
        "0": "o",
        "1": "l",
        "i": "l",
        "ı": "l",
    }
)
_MIXED = ("LATIN", "CYRILLIC", "GREEK")


def normalise_name(name) -> str:
    """An account name as it is compared and stored: NFKC, case-folded, trimmed."""
    text = unicodedata.normalize("NFKC", str(name or ""))
    return unicodedata.normalize("NFKC", text.casefold()).strip()


def skeleton(name) -> str:
    """What a name looks like: letters that look alike mapped to one (Cyrillic ``а`` and
    Latin ``a``, ``0`` and ``o``, ``1``, ``i`` and ``l``, ``rn`` and ``m``, ``vv`` and ``w``)."""
    return normalise_name(name).translate(_LOOKALIKE).replace("rn", "m").replace("vv", "w")


def _scripts(name: str) -> set[str]:
    """Which of Latin, Cyrillic and Greek the letters of ``name`` come from."""
    found = {unicodedata.name(ch, "").split(" ", 1)[0] for ch in name if ch.isalpha()}
    return found & set(_MIXED)


def _check_name(name: str) -> str:
    """A new account's name, normalised; refused when invalid or mixing look-alike scripts."""
    name = normalise_name(name)
    if not _NAME.match(name):
        raise AuthError(
            Msg(
                f"{name[:64]!r} is not a valid account name: use 1-64 letters, digits, '.', '_', '-' or '@'",
                f"“{name[:64]}”不是有效的账户名:请用 1-64 个字母、数字或“.”“_”“-”“@”",
            )
        )
    if len(_scripts(name)) > 1:
        raise AuthError(
            Msg(
                f"{name!r} mixes Latin with Cyrillic or Greek letters, which look alike: use one alphabet",
                f"“{name}”混用了拉丁字母与西里尔或希腊字母(外形相似):请只用一种字母",
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


def slow_down_s(failures: int) -> float:
    """The wait before checking a password for an account with ``failures`` recent failed
    sign-ins from any client: none below ``SLOW_AFTER``, then 1, 2, 4, 8 and at most
    ``MAX_DELAY_S`` seconds. It slows a guesser down and never refuses the account."""
    if failures < SLOW_AFTER:
        return 0.0
    return float(min(2.0 ** min(failures - SLOW_AFTER, 16), MAX_DELAY_S))


def _ip(text) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(str(text).strip().strip("[]"))
    except ValueError:
        return None
    return getattr(ip, "ipv4_mapped", None) or ip


def client_address(peer, forwarded=(), trusted=()) -> str:
    """The client address failed sign-ins are counted under.

    ``peer`` is the address at the other end of the socket. ``forwarded`` (the values of the
    ``X-Forwarded-For`` headers) counts only when ``peer`` is one of the ``trusted`` proxies
    (addresses or networks), and then only its rightmost entry that is not itself a trusted
    proxy: the address our proxy saw. Entries to its left are whatever the client sent."""
    nets = []
    for entry in trusted:
        try:
            nets.append(ipaddress.ip_network(str(entry).strip(), strict=False))
        except ValueError:
            continue
    peer_ip = _ip(peer) if peer else None
    if peer_ip is None:
        return str(peer or "unknown")[:64]
    if not any(peer_ip in net for net in nets):
        return str(peer_ip)
    entries = [e for value in forwarded for e in str(value).split(",") if e.strip()]
    for entry in reversed(entries):
        ip = _ip(entry)
        if ip is None:  # not written by our proxy: the proxy's own address counts
            break
        if not any(ip in net for net in nets):
            return str(ip)
    return str(peer_ip)


def _too_many() -> AuthError:
    minutes = WINDOW_S // 60
    return AuthError(
        Msg(
            f"too many failed sign-ins from this address; try again in {minutes} minutes or ask an admin "
            "to reset the password",
            f"登录失败次数过多(此地址);请 {minutes} 分钟后再试,或请管理员重设密码",
        )
    )


def _no_account(name: str) -> AuthError:
    return AuthError(Msg(f"there is no account {name!r}", f"没有账户“{name}”"))


class Accounts:
    """Accounts, sign-in and sessions over a store's database connection. ``clock`` and
    ``sleep`` (the wait of :func:`slow_down_s`) can be replaced in tests."""

    def __init__(self, store, clock=time.time, sleep=time.sleep):
        from layers.edits.store import _is_postgres, ensure_schema

        self._db = store._db
        self._clock = clock
        self._sleep = sleep
        self._secret: bytes | None = None
        if _is_postgres(self._db):
            # PostgreSQL's REAL has 6 digits: times need DOUBLE PRECISION there. The DDL runs
            # once per process and database (ensure_schema), the old table's drop with it.
            ensure_schema(
                self._db, _SCHEMA.replace(" REAL ", " DOUBLE PRECISION ") + f"DROP TABLE IF EXISTS {_LEGACY};"
            )
        else:
            ensure_schema(self._db, _SCHEMA)
            if (
                not getattr(self._db, "read_only", False)
                and self._db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (_LEGACY,)).fetchone()
            ):
                self._db.execute(f"DROP TABLE IF EXISTS {_LEGACY}")

    @contextmanager
    def _write(self):
        """One write transaction: writers take turns (see ``store._begin_write``)."""
        from layers.edits.store import _begin_write, _rollback

        _begin_write(self._db)
        try:
            yield
            self._db.execute("COMMIT")
        except BaseException:
            _rollback(self._db)
            raise

    def _find(self, name) -> str | None:
        """The stored name of the account ``name`` stands for: a name exactly as stored, else
        its normalised form; a name stored before normalisation (``Zhang``) is found by its
        normalised form when it is the only one that matches."""
        raw = str(name or "").strip()[:64]
        norm = normalise_name(raw)[:64]
        for candidate in dict.fromkeys((raw, norm)):
            row = self._db.execute("SELECT name FROM accounts WHERE name=?", (candidate,)).fetchone()
            if row:
                return row[0]
        legacy = [
            r[0] for r in self._db.execute("SELECT name FROM accounts").fetchall() if normalise_name(r[0]) == norm
        ]
        return legacy[0] if len(legacy) == 1 else None

    def _key(self, kind: str, value: str) -> str:
        """A keyed hash of an account name or a client address, as the attempts table keeps them."""
        if self._secret is None:
            row = self._db.execute("SELECT key FROM auth_key WHERE id=1").fetchone()
            if row is None:
                self._db.execute(
                    "INSERT INTO auth_key (id, key) VALUES (1, ?) ON CONFLICT (id) DO NOTHING", (secrets.token_hex(32),)
                )
                row = self._db.execute("SELECT key FROM auth_key WHERE id=1").fetchone()
            self._secret = bytes.fromhex(row[0])
        return hmac.new(self._secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    def _keep_an_admin(self, stored: str, new_role: str | None) -> None:
        """Refuse to remove (``new_role`` None) or demote the last admin; inside a write."""
        role = self._db.execute("SELECT role FROM accounts WHERE name=?", (stored,)).fetchone()[0]
        if role != "admin" or new_role == "admin":
            return
        if self._db.execute("SELECT COUNT(*) FROM accounts WHERE role='admin'").fetchone()[0] <= 1:
            raise AuthError(
                Msg(
                    f"{stored!r} is the last admin; make another account admin first",
                    f"“{stored}”是最后一个管理员;请先将另一个账户设为管理员",
                )
            )

    # -- managing accounts ---------------------------------------------------------------------
    def add(self, name: str, password: str, role: str) -> None:
        name, role = _check_name(name), _check_role(role)
        pw_hash = _HASHER.hash(_check_password(password))
        now = _now_text()
        with self._write():
            for (other,) in self._db.execute("SELECT name FROM accounts").fetchall():
                if normalise_name(other) == name:
                    raise AuthError(
                        Msg(
                            f"there is already an account {other!r}; use 'users passwd' to change its password",
                            f"已有账户“{other}”;修改密码请用 users passwd",
                        )
                    )
                if skeleton(other) == skeleton(name):
                    raise AuthError(
                        Msg(
                            f"{name!r} looks like the existing account {other!r}; choose a name that looks different",
                            f"“{name}”与已有账户“{other}”外形相似;请换一个容易区分的名称",
                        )
                    )
            self._db.execute(
                "INSERT INTO accounts (name, role, pw_hash, created_at, updated_at) VALUES (?,?,?,?,?)",
                (name, role, pw_hash, now, now),
            )

    def remove(self, name: str) -> None:
        with self._write():
            stored = self._find(name)
            if stored is None:
                raise _no_account(normalise_name(name)[:64])
            self._keep_an_admin(stored, None)
            self._db.execute("DELETE FROM accounts WHERE name=?", (stored,))
            self._db.execute("DELETE FROM sessions WHERE name=?", (stored,))

    def set_password(self, name: str, password: str) -> None:
        pw_hash = _HASHER.hash(_check_password(password))
        account = self._key("account", normalise_name(name)[:64])
        with self._write():
            stored = self._find(name)
            if stored is None:
                raise _no_account(normalise_name(name)[:64])
            self._db.execute("UPDATE accounts SET pw_hash=?, updated_at=? WHERE name=?", (pw_hash, _now_text(), stored))
            # A new password ends the account's sessions and forgives its failed attempts.
            self._db.execute("DELETE FROM sessions WHERE name=?", (stored,))
            self._db.execute("DELETE FROM auth_attempts WHERE account=?", (account,))

    def set_role(self, name: str, role: str) -> None:
        role = _check_role(role)
        with self._write():
            stored = self._find(name)
            if stored is None:
                raise _no_account(normalise_name(name)[:64])
            self._keep_an_admin(stored, role)
            self._db.execute("UPDATE accounts SET role=?, updated_at=? WHERE name=?", (role, _now_text(), stored))

    def list(self):
        """Every account: name, role, created_at, updated_at (never a hash)."""
        from layers.edits.store import _frame

        return _frame(self._db, "SELECT name, role, created_at, updated_at FROM accounts ORDER BY name")

    def has_editor(self) -> bool:
        return (
            self._db.execute("SELECT 1 FROM accounts WHERE role IN ('editor','admin') LIMIT 1").fetchone() is not None
        )

    # -- signing in ----------------------------------------------------------------------------
    def _count(self, where: str, params: tuple, since: float) -> int:
        sql = f"SELECT COUNT(*) FROM auth_attempts WHERE {where} AND at>?"
        return self._db.execute(sql, (*params, since)).fetchone()[0]

    def _reserve(self, account: str, client: str, now: float) -> tuple[str, int]:
        """Check the limits and reserve this attempt, in one write transaction: concurrent
        sign-ins see each other's reservations, so none passes a limit while others are being
        checked. Returns the attempt's id and the account's earlier attempts in the window."""
        since = now - WINDOW_S
        attempt = secrets.token_hex(16)
        with self._write():
            self._db.execute("DELETE FROM auth_attempts WHERE at<=?", (since,))
            if (
                self._count("account=? AND client=?", (account, client), since) >= MAX_FAILURES_PAIR
                or self._count("client=?", (client,), since) >= MAX_FAILURES_CLIENT
            ):
                raise _too_many()
            failures = self._count("account=?", (account,), since)
            self._db.execute(
                "INSERT INTO auth_attempts (id, account, client, at) VALUES (?,?,?,?)", (attempt, account, client, now)
            )
        return attempt, failures

    def sign_in(self, name: str, password: str, client: str = "unknown", session_s: float = SESSION_S) -> str:
        """Check the password and return a new session token, or raise :class:`AuthError`.

        Refused, whatever the password, while this client has ``MAX_FAILURES_PAIR`` failures
        for this account or ``MAX_FAILURES_CLIENT`` in all within ``WINDOW_S``; slowed down
        (:func:`slow_down_s`), never refused, by the account's failures from other clients."""
        now = self._clock()
        account = self._key("account", normalise_name(name)[:64])
        who = self._key("client", str(client)[:64])
        attempt, failures = self._reserve(account, who, now)
        wait = slow_down_s(failures)
        if wait:
            self._sleep(wait)
        stored = self._find(name)
        row = self._db.execute("SELECT pw_hash FROM accounts WHERE name=?", (stored,)).fetchone() if stored else None
        ok = False
        try:
            ok = _HASHER.verify(row[0] if row else _DUMMY, password or "") and row is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        if not ok:  # the reservation stays: it is this failure
            raise AuthError(Msg("wrong name or password", "账户名或密码错误"))
        self._db.execute("DELETE FROM auth_attempts WHERE id=? OR (account=? AND client=?)", (attempt, account, who))
        token = secrets.token_urlsafe(32)
        self._db.execute("DELETE FROM sessions WHERE expires<=?", (now,))
        self._db.execute(
            "INSERT INTO sessions (token_hash, name, expires) VALUES (?,?,?)",
            (_token_hash(token), stored, now + session_s),
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
