"""Tables for access security: server-side sessions, login throttling, API token expiry and scopes.

Kept in its own sqlite-utils ``Migrations("pubgate-security")`` so it evolves independently of the
workflow schema in ``migrations.py`` (the same pattern as ``site_dictionary``'s dictionary tables).
Applied where the service and the command line open the database.
"""

from __future__ import annotations

from sqlite_utils import Migrations

__all__ = ["migrations", "ensure_schema"]

migrations = Migrations("pubgate-security")


@migrations()
def m001_sessions_throttle_tokens(db) -> None:
    # A session is a random token in the (signed) cookie; only its SHA-256 is stored, so a copy of
    # the database does not hand out live sessions. Logout and password changes set revoked_at.
    db["sessions"].create({
        "id": str,            # sha256 of the cookie token
        "user_id": int,
        "created_at": str,
        "expires_at": float,  # Unix time; absolute lifetime, not sliding (no write per request)
        "revoked_at": str,
        "address": str,
        "user_agent": str,
    }, pk="id", not_null={"user_id", "created_at", "expires_at"}, strict=True)
    db["sessions"].create_index(["user_id"])
    # Failed logins per key ("user:<name>" or "addr:<address>") within a sliding window.
    db["login_throttle"].create({
        "key": str, "failures": int, "window_start": float, "locked_until": float,
    }, pk="key", not_null={"failures", "window_start"}, defaults={"locked_until": 0.0}, strict=True)
    # Tokens made before this migration never expire (NULL) and carry no scopes.
    db["api_tokens"].add_column("expires_at", str)
    db["api_tokens"].add_column("scopes", str)
    db["api_tokens"].add_column("prefix", str)
    db["api_tokens"].add_column("revoked_at", str)


_ready: set[str] = set()


def ensure_schema(db) -> None:
    """Create or migrate the security tables (idempotent; cheap after the first call per file)."""
    marker = db.conn.execute("PRAGMA database_list").fetchone()[2] or str(id(db.conn))
    if marker in _ready and db["sessions"].exists():
        return
    migrations.apply(db)
    _ready.add(marker)
