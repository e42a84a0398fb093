"""Login throttling per user name and per client address. No Flask.

Each failed login counts against two keys, ``user:<name>`` and ``addr:<address>``, within a window.
Once a key reaches its limit it is locked until the window has passed, and every login attempt on
it is refused *before* the password is checked: the answer does not depend on whether the password
was right, and refused attempts cost no scrypt CPU. A successful login clears the user's key (not
the address's, so one known account cannot reset a guessing run against others).

The lock is recorded once as an audit event ``login.throttle`` (when it starts), not per refused
attempt, so an attacker cannot grow the audit trail without bound.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from . import audit

__all__ = ["ThrottlePolicy", "locked_for", "record_failure", "record_success", "clear_user"]


@dataclass(frozen=True)
class ThrottlePolicy:
    per_user: int = 10        # failed logins for one user name within the window
    per_address: int = 30     # failed logins from one address (any names) within the window
    window: float = 900.0     # seconds; also how long a lock lasts

    def limit(self, key: str) -> int:
        return self.per_user if key.startswith("user:") else self.per_address


def _keys(name: str, address: str) -> list[str]:
    return [f"user:{(name or '').strip().lower()[:80]}", f"addr:{address or '-'}"]


def locked_for(db, name: str, address: str, *, now: float | None = None) -> int:
    """Seconds until a login for ``name`` from ``address`` may be tried again (0: not locked)."""
    now = time.time() if now is None else now
    keys = _keys(name, address)
    rows = db.conn.execute(
        f"SELECT max(locked_until) FROM login_throttle WHERE key IN ({','.join('?' * len(keys))})", keys).fetchone()
    until = rows[0] or 0.0
    return max(0, math.ceil(until - now))


def record_failure(db, name: str, address: str, policy: ThrottlePolicy, *, now: float | None = None) -> int:
    """Count one failed login; return the seconds of a lock that this failure started (0 if none)."""
    now = time.time() if now is None else now
    started = 0
    with audit.transaction(db):
        for key in _keys(name, address):
            row = db.conn.execute("SELECT failures, window_start, locked_until FROM login_throttle WHERE key = ?",
                                  [key]).fetchone()
            failures, window_start, locked_until = row if row else (0, now, 0.0)
            if now - window_start > policy.window:
                failures, window_start = 0, now
            failures += 1
            if failures >= policy.limit(key) and (locked_until or 0) <= now:
                locked_until = now + policy.window
                started = max(started, int(policy.window))
                audit.append(db, "login.throttle", payload={
                    "key": key.split(":", 1)[0], "name": name[:80] if key.startswith("user:") else None,
                    "address": address, "failures": failures, "locked_seconds": int(policy.window)})
            db.conn.execute(
                "INSERT INTO login_throttle (key, failures, window_start, locked_until) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET failures = excluded.failures, "
                "window_start = excluded.window_start, locked_until = excluded.locked_until",
                [key, failures, window_start, locked_until or 0.0])
    return started


def record_success(db, name: str) -> None:
    clear_user(db, name)


def clear_user(db, name: str) -> None:
    """Forget the failures of one user name (a successful login, or an administrator's password reset)."""
    with audit.transaction(db):
        db.conn.execute("DELETE FROM login_throttle WHERE key = ?", [_keys(name, "")[0]])
