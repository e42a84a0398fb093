"""Server-side login sessions. No Flask: the web layer keeps only the random session token in its
(signed) cookie; whether that token still means "logged in" is decided here, from the table.

So logging out, a password change and deactivating a user end every copy of a session at once,
and a stolen or leaked cookie signing key cannot mint a session.
"""

from __future__ import annotations

import hashlib
import secrets
import time

from . import audit

__all__ = ["DEFAULT_LIFETIME", "open_session", "session_user_id", "revoke_session", "revoke_user_sessions"]

DEFAULT_LIFETIME = 12 * 3600  # one working day; absolute, so no write is needed per request


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(db, user_id: int, *, lifetime: float = DEFAULT_LIFETIME, address: str = "",
                 user_agent: str = "") -> str:
    """Start a session for ``user_id``; return the token to put in the cookie (never stored)."""
    token = secrets.token_urlsafe(32)
    now = time.time()
    with audit.transaction(db):
        # Expired rows are dropped here, on the rare login write, rather than by a background job.
        db.conn.execute("DELETE FROM sessions WHERE expires_at < ?", [now - 86400])
        db.conn.execute(
            "INSERT INTO sessions (id, user_id, created_at, expires_at, address, user_agent) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [_digest(token), user_id, audit.now_cst(), now + lifetime, address[:64], user_agent[:200]])
    return token


def session_user_id(db, token: str | None) -> int | None:
    """The user of a live session (not revoked, not expired), else None."""
    if not token or not isinstance(token, str):
        return None
    row = db.conn.execute("SELECT user_id FROM sessions WHERE id = ? AND revoked_at IS NULL AND expires_at > ?",
                          [_digest(token), time.time()]).fetchone()
    return row[0] if row else None


def revoke_session(db, token: str | None) -> None:
    if not token or not isinstance(token, str):
        return
    with audit.transaction(db):
        db.conn.execute("UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                        [audit.now_cst(), _digest(token)])


def revoke_user_sessions(db, user_id: int) -> int:
    """End every session of one user (password change, deactivation); return how many."""
    with audit.transaction(db):
        return db.conn.execute("UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
                               [audit.now_cst(), user_id]).rowcount
