"""Bookkeeping that must not grow without bound: anonymous checks and Idempotency-Key rows.

- An anonymous ``/check`` is counted per day and verdict (``anonymous_check_counts``) instead of
  adding an audit event each: anyone may call it, and a trail that anyone can fill is neither a
  record of who did what nor bounded. Checks by a token or a session are audited as before.
- An Idempotency-Key's stored answer expires after ``IDEMPOTENCY_TTL_SECONDS`` (default one day,
  as Stripe and the IETF draft suggest), and a reservation whose request never finished (the
  process died mid-request) after ``IDEMPOTENCY_RESERVATION_SECONDS`` (default five minutes, far
  beyond what a check may cost under its CPU budget), so a retry is not refused with 409 forever.
  Both are purged before any request that carries a key, and only when an expired row exists (an
  indexed look-up; nothing is written otherwise).

The tables and indexes are their own sqlite-utils ``Migrations("pubgate-housekeeping")``, beside
the workflow schema in ``migrations.py``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, request
from sqlite_utils import Migrations

from .. import audit

__all__ = ["init_app", "ensure_schema", "count_anonymous_check", "anonymous_check_counts", "expire_idempotency",
           "DEFAULTS"]

DEFAULTS = {
    "IDEMPOTENCY_TTL_SECONDS": 24 * 3600,
    "IDEMPOTENCY_RESERVATION_SECONDS": 300,
}

migrations = Migrations("pubgate-housekeeping")


@migrations()
def m001_counts_and_expiry(db) -> None:
    db["anonymous_check_counts"].create({"day": str, "verdict": str, "count": int},
                                        pk=("day", "verdict"), not_null={"count"}, strict=True)
    # Expiry look-ups: the oldest answer, and the oldest unfinished reservation (status 0).
    db.execute("CREATE INDEX IF NOT EXISTS idempotency_created_at ON idempotency (created_at)")
    db.execute("CREATE INDEX IF NOT EXISTS idempotency_reserved_at ON idempotency (created_at) WHERE status = 0")


def ensure_schema(db) -> None:
    migrations.apply(db)


def _day() -> str:
    return datetime.now(audit.CST).date().isoformat()


def count_anonymous_check(db, verdict: str) -> None:
    with audit.transaction(db):
        db.conn.execute("INSERT INTO anonymous_check_counts (day, verdict, count) VALUES (?, ?, 1) "
                        "ON CONFLICT (day, verdict) DO UPDATE SET count = count + 1", [_day(), verdict])


def anonymous_check_counts(db) -> dict[str, dict[str, int]]:
    """{day: {verdict: count}} of anonymous checks, oldest day first."""
    out: dict[str, dict[str, int]] = {}
    for day, verdict, count in db.conn.execute(
            "SELECT day, verdict, count FROM anonymous_check_counts ORDER BY day, verdict"):
        out.setdefault(day, {})[verdict] = count
    return out


def _cutoff(seconds: float) -> str:
    # created_at is audit.now_cst(): ISO 8601 at +08:00, so the strings order as the times do.
    return (datetime.now(audit.CST) - timedelta(seconds=float(seconds))).isoformat(timespec="milliseconds")


def expire_idempotency(db, answer_ttl: float, reservation_ttl: float) -> int:
    """Delete answers older than ``answer_ttl`` and reservations older than ``reservation_ttl``
    seconds; return how many rows went. Writes only when something has expired."""
    answers, reservations = _cutoff(answer_ttl), _cutoff(reservation_ttl)
    conn = db.conn
    expired = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM idempotency WHERE status = 0 AND created_at < ?) "
        "OR EXISTS (SELECT 1 FROM idempotency WHERE created_at < ?)", [reservations, answers]).fetchone()[0]
    if not expired:
        return 0
    with audit.transaction(db):
        return conn.execute("DELETE FROM idempotency WHERE created_at < ? OR (status = 0 AND created_at < ?)",
                            [answers, reservations]).rowcount


def init_app(app: Flask) -> None:
    from ..migrations import open_db
    from .db import get_db

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    db = open_db(app.config["DATABASE"])
    try:
        ensure_schema(db)
    finally:
        db.close()

    @app.before_request
    def expire_idempotency_keys():
        if "Idempotency-Key" in request.headers:
            expire_idempotency(get_db(), app.config["IDEMPOTENCY_TTL_SECONDS"],
                               app.config["IDEMPOTENCY_RESERVATION_SECONDS"])
