"""The service database: schema migrations (sqlite-utils ``Migrations``) and how to open it.

The hash-chained ``audit_event`` table is the record of truth (review-workflow.md §4). It is created
here with the triggers that make it append-only and must never be ``transform()``-ed: later
migrations may only ``add_column`` to it. The other tables hold the workflow's current state
(users, submissions, versions, decisions, …); every change to them is also an audit event, and
the rows that the publish gate relies on name the event that made them (``event_hash``).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database, Migrations

__all__ = ["migrations", "migrate", "open_db", "APPEND_ONLY_TRIGGERS", "SCHEMA_VERSION"]

migrations = Migrations("pubgate")

APPEND_ONLY_TRIGGERS = ("audit_event_no_update", "audit_event_no_delete", "audit_event_tail_only")
# Rows made once by one event and never changed afterwards.
EVENT_MADE_TABLES = ("decisions", "overrides", "publications")
SCHEMA_VERSION = 1


@migrations()
def m001_audit_event(db: Database) -> None:
    db["audit_event"].create({
        "seq": int,
        "event_id": str,
        "ts": str,
        "action": str,
        "stage": str,
        "actor_id": int,
        "actor_name": str,
        "actor_role": str,
        "actor_title": str,
        "actor_unit": str,
        "submission_id": str,
        "version": int,
        "content_sha256": str,
        "decision": str,
        "opinion": str,
        "payload": str,
        "prev_hash": str,
        "entry_hash": str,
        "hash_alg": str,
    }, pk="seq", not_null={"event_id", "ts", "action", "payload", "prev_hash", "entry_hash", "hash_alg"},
        strict=True)
    db["audit_event"].create_index(["event_id"], unique=True)
    db["audit_event"].create_index(["submission_id", "seq"])
    db.execute(
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END")
    db.execute(
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END")


@migrations()
def m002_accounts(db: Database) -> None:
    db["users"].create({
        "id": int,
        "name": str,
        "display_name": str,
        "role": str,
        "title": str,        # 职务, e.g. 科室负责人 — recorded on every event as it was then
        "unit": str,
        "groups": str,       # JSON list; workflow stages may require one of them
        "password_hash": str,
        "active": int,
        "created_at": str,
    }, pk="id", not_null={"name", "role", "password_hash", "active", "created_at"},
        defaults={"active": 1, "groups": "[]", "title": "", "unit": "", "display_name": ""}, strict=True)
    db["users"].create_index(["name"], unique=True)
    db["api_tokens"].create({
        "id": int,
        "user_id": int,
        "label": str,
        "token_hash": str,
        "created_at": str,
        "revoked": int,
    }, pk="id", not_null={"user_id", "token_hash", "created_at", "revoked"}, defaults={"revoked": 0},
        foreign_keys=[("user_id", "users", "id")], strict=True)
    db["api_tokens"].create_index(["token_hash"], unique=True)
    db["settings"].create({"key": str, "value": str}, pk="key", strict=True)


@migrations()
def m003_workflow(db: Database) -> None:
    db["workflows"].create({
        "key": str,
        "config": str,        # JSON: name, priority, match {channel, doc_type}, stages [...]
        "updated_at": str,
        "updated_by": int,
    }, pk="key", not_null={"config", "updated_at"}, strict=True)
    db["submissions"].create({
        "id": str,
        "external_id": str,
        "title": str,
        "unit": str,
        "channel": str,
        "doc_type": str,
        "author_id": int,
        "status": str,        # blocked | in_review | rejected | approved | published
        "round": int,         # incremented each time the submission (re)enters review
        "stage_index": int,
        "workflow": str,      # JSON snapshot of the workflow chosen for the current round
        "current_version": int,
        "approved_sha256": str,
        "created_at": str,
        "updated_at": str,
    }, pk="id", not_null={"author_id", "status", "round", "stage_index", "workflow", "current_version",
                          "created_at", "updated_at"},
        foreign_keys=[("author_id", "users", "id")], strict=True)
    db["submissions"].create_index(["status", "stage_index"])
    db["submissions"].create_index(["author_id"])
    db["versions"].create({
        "id": int,
        "submission_id": str,
        "number": int,
        "content_sha256": str,
        "draft": str,         # the draft JSON as submitted (the content under review)
        "report": str,        # the submit-stage report JSON
        "verdict": str,
        "created_by": int,
        "created_at": str,
    }, pk="id", not_null={"submission_id", "number", "content_sha256", "draft", "report", "verdict",
                          "created_at"},
        foreign_keys=[("submission_id", "submissions", "id")], strict=True)
    db["versions"].create_index(["submission_id", "number"], unique=True)
    db["decisions"].create({
        "id": int,
        "submission_id": str,
        "round": int,
        "stage_index": int,
        "stage_key": str,
        "stage_name": str,
        "version": int,
        "content_sha256": str,
        "actor_id": int,
        "decision": str,      # approve | reject
        "opinion": str,
        "created_at": str,
        "event_seq": int,
    }, pk="id", not_null={"submission_id", "round", "stage_index", "stage_key", "version",
                          "content_sha256", "actor_id", "decision", "created_at"},
        foreign_keys=[("submission_id", "submissions", "id"), ("actor_id", "users", "id")], strict=True)
    # One decision per stage per round: a double click or a race cannot record two.
    db["decisions"].create_index(["submission_id", "round", "stage_index"], unique=True)
    db["overrides"].create({
        "id": int,
        "submission_id": str,
        "content_sha256": str,
        "finding_key": str,
        "rule": str,
        "reason": str,
        "actor_id": int,
        "stage_name": str,
        "created_at": str,
        "event_seq": int,
    }, pk="id", not_null={"submission_id", "content_sha256", "finding_key", "rule", "reason", "actor_id",
                          "created_at"},
        foreign_keys=[("submission_id", "submissions", "id"), ("actor_id", "users", "id")], strict=True)
    db["overrides"].create_index(["submission_id", "content_sha256", "finding_key"], unique=True)
    db["acknowledgements"].create({
        "id": int,
        "submission_id": str,
        "content_sha256": str,
        "finding_key": str,
        "actor_id": int,
        "created_at": str,
    }, pk="id", not_null={"submission_id", "content_sha256", "finding_key", "actor_id", "created_at"},
        strict=True)
    db["acknowledgements"].create_index(["submission_id", "content_sha256", "finding_key"], unique=True)
    db["publications"].create({
        "id": int,
        "submission_id": str,
        "content_sha256": str,
        "url": str,
        "actor_id": int,
        "created_at": str,
        "event_seq": int,
    }, pk="id", not_null={"submission_id", "content_sha256", "actor_id", "created_at"},
        foreign_keys=[("submission_id", "submissions", "id")], strict=True)


@migrations()
def m004_requests(db: Database) -> None:
    # Stored answers of requests that carried an Idempotency-Key (IETF draft, -07).
    db["idempotency"].create({
        "key": str,           # client id + ":" + Idempotency-Key
        "fingerprint": str,   # SHA-256 of method, path and raw body
        "status": int,
        "body": str,
        "content_type": str,
        "created_at": str,
    }, pk="key", not_null={"fingerprint", "status", "body", "created_at"}, strict=True)
    # webhook-id values of signed requests seen inside the replay window.
    db["signed_requests"].create({"webhook_id": str, "seen_at": float}, pk="webhook_id", strict=True)


@migrations()
def m005_chain_binding(db: Database) -> None:
    # REPLACE resolves a conflict by deleting the old row, and that delete fires no DELETE trigger
    # (unless recursive_triggers is on); UPSERT turns into an UPDATE. Refuse every INSERT that is
    # not a new tail before SQLite gets that far.
    db.execute(
        "CREATE TRIGGER audit_event_tail_only BEFORE INSERT ON audit_event "
        "WHEN NEW.seq IS NOT (SELECT coalesce(max(seq), 0) + 1 FROM audit_event) "
        "OR EXISTS (SELECT 1 FROM audit_event WHERE event_id = NEW.event_id) "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: only a new tail may be inserted'); END")
    # Each state row names the event that made it (the submission: the event that last changed it).
    for table in EVENT_MADE_TABLES:
        db[table].add_column("event_hash", str)
        db.execute(f"UPDATE [{table}] SET event_hash = (SELECT entry_hash FROM audit_event "
                   f"WHERE audit_event.seq = [{table}].event_seq)")
    db["submissions"].add_column("event_seq", int)
    db["submissions"].add_column("event_hash", str)
    state_actions = ("submission.create", "submission.resubmit", "submission.blocked", "submission.submit",
                     "review.approve", "review.reject", "publish.allow")
    marks = ", ".join("?" for _ in state_actions)
    db.execute(
        "UPDATE submissions SET event_seq = (SELECT max(seq) FROM audit_event WHERE audit_event.submission_id "
        f"= submissions.id AND action IN ({marks}))", state_actions)
    db.execute("UPDATE submissions SET event_hash = (SELECT entry_hash FROM audit_event "
               "WHERE audit_event.seq = submissions.event_seq)")
    for table in EVENT_MADE_TABLES:
        for verb in ("UPDATE", "DELETE"):
            db.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON [{table}] "
                       f"BEGIN SELECT RAISE(ABORT, '{table} rows are made once by an audited event'); END")


def migrate(db: Database) -> None:
    """Apply pending migrations (idempotent)."""
    migrations.apply(db)


def open_db(path: str | Path, *, timeout: float = 30.0) -> Database:
    """A connection for one thread: WAL, a generous busy timeout, foreign keys and recursive
    triggers on.

    Writers queue on ``BEGIN IMMEDIATE`` (see ``audit.transaction``); the busy timeout decides
    how long one waits for the lock before the request fails with 503.
    """
    conn = sqlite3.connect(str(path), timeout=timeout, check_same_thread=False)
    db = Database(conn)
    with db.ensure_autocommit_on():
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        # REPLACE deletes conflicting rows; with recursive triggers on, those deletes fire the
        # append-only DELETE triggers instead of passing silently.
        conn.execute("PRAGMA recursive_triggers=ON")
        conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
    return db


@migrations()
def m006_notifications(db: Database) -> None:
    # Derived from workflow events (issue 21), not a record of truth: ``audit verify`` ignores
    # these rows; each names the event it came from. Read marks and mail status change freely.
    db["notifications"].create({
        "id": int,
        "user_id": int,
        "submission_id": str,
        "kind": str,          # turn | returned | released | approved | published
        "title": str,
        "body": str,
        "stage": str,
        "opinion": str,
        "event_seq": int,
        "created_at": str,
        "read_at": str,
        "mail_status": str,   # None (no mail configured or no address) | sent | failed: …
    }, pk="id", not_null={"user_id", "submission_id", "kind", "body", "created_at"},
        foreign_keys=[("user_id", "users", "id"), ("submission_id", "submissions", "id")], strict=True)
    db["notifications"].create_index(["user_id", "read_at"])
    db["user_contacts"].create({"user_id": int, "email": str, "updated_at": str}, pk="user_id",
                               foreign_keys=[("user_id", "users", "id")], strict=True)
