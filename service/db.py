"""One sqlite-utils Database per app and worker thread, reused across requests.

SQLite connections belong to one thread. Keeping one open per worker thread (waitress has a
fixed pool) avoids reopening per request, and above all avoids closing the last connection to a
WAL database, which checkpoints and removes the WAL file on every request.
"""

from __future__ import annotations

import threading

from flask import Flask, current_app, g

from ..migrations import migrate, open_db
from ..workflow import seed_workflows

__all__ = ["get_db", "init_app", "prepare_database"]


def get_db():
    if "pubgate_db" not in g:
        local = current_app.extensions["pubgate"]["connections"]
        db = getattr(local, "db", None)
        if db is None:
            db = local.db = open_db(current_app.config["DATABASE"], timeout=current_app.config["DB_TIMEOUT"])
        g.pubgate_db = db
    return g.pubgate_db


def release_db(_exc=None) -> None:
    """End of request: never leave a transaction open on the reused connection."""
    db = g.pop("pubgate_db", None)
    if db is not None and db.conn.in_transaction:
        db.conn.execute("ROLLBACK")


def prepare_database(path: str) -> dict:
    """Create or migrate the database and seed the workflow presets; return facts for the log."""
    db = open_db(path)
    try:
        created = not db["audit_event"].exists()
        migrate(db)
        seed_workflows(db)
        from ..site_dictionary import ensure_schema

        ensure_schema(db)
        users = db.conn.execute("SELECT count(*) FROM users").fetchone()[0]
        return {"created": created, "users": users}
    finally:
        db.close()


def init_app(app: Flask) -> None:
    facts = prepare_database(app.config["DATABASE"])  # the session key lives outside it (security.py)
    state = app.extensions.setdefault("pubgate", {})
    state["database_facts"] = facts
    state["connections"] = threading.local()  # closed when the worker thread ends
    app.teardown_appcontext(release_db)
