"""Whose turn it is: notifications derived from workflow events (issue 21).

A notification tells one person that a submission needs them (it reached their stage), or that
something happened to their draft (returned with an opinion, a block was 放行, approved for
publication). Rows are written inside the workflow transaction that made the event, so they
exist exactly when the event does; but they are a *derived* table, not a record of truth:
``audit verify`` ignores them and the audit event they name (``event_seq``) stays the fact.

E-mail is not sent here (no I/O inside a transaction): ``record`` returns the new rows and the
caller hands them to a mailer after commit. Addresses live in ``user_contacts`` (set by an admin).
No Flask.
"""

from __future__ import annotations

import re
from typing import Iterable

from . import audit
from .accounts import Actor

__all__ = ["KIND_LABELS", "record", "unread_count", "for_user", "mark_read", "mark_all_read", "set_email",
           "email_of", "emails", "stage_recipients", "latest_return", "set_mail_status"]

KIND_LABELS = {
    "turn": "待您审核",
    "returned": "稿件被退回",
    "released": "阻断问题已放行",
    "approved": "审核通过，待发布",
    "published": "稿件已发布",
}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _actors(db, where: str, params: Iterable = ()) -> list[Actor]:
    from .accounts import _actor

    return [_actor(row) for row in db.query(f"SELECT * FROM users WHERE {where}", list(params))]


def stage_recipients(db, sub: dict, stage: dict) -> list[int]:
    """Everyone who may act at ``stage`` of this submission: eligible, not the author, and not
    already acting at another stage of it (the workflow refuses them there anyway)."""
    from .workflow import eligible

    acted = {}
    for row in db.conn.execute("SELECT actor_id, stage_key FROM decisions WHERE submission_id = ?", [sub["id"]]):
        acted.setdefault(row[0], set()).add(row[1])
    out = []
    for actor in _actors(db, "active = 1 AND id != ?", [sub["author_id"]]):
        if eligible(actor, stage) and not (acted.get(actor.id, set()) - {stage["key"]}):
            out.append(actor.id)
    return out


def record(db, *, user_ids: Iterable[int], sub: dict, kind: str, event: dict, stage: str | None = None,
           opinion: str | None = None) -> list[dict]:
    """Insert one notification per recipient (inside the caller's transaction); return them."""
    title = sub.get("title") or sub["id"]
    body = {
        "turn": f"稿件「{title}」已到「{stage}」环节，等待您审核。",
        "returned": f"您的稿件「{title}」在「{stage}」环节被退回修改。",
        "released": f"您的稿件「{title}」中的阻断问题已由审核人放行，稿件已自动送审。",
        "approved": f"您的稿件「{title}」已通过全部审核环节，可以发布。",
        "published": f"稿件「{title}」已发布。",
    }[kind]
    rows = []
    for user_id in dict.fromkeys(user_ids):
        row = {"user_id": user_id, "submission_id": sub["id"], "kind": kind, "title": title, "body": body,
               "stage": stage, "opinion": opinion or None, "event_seq": event["seq"], "created_at": event["ts"],
               "read_at": None, "mail_status": None}
        row["id"] = db["notifications"].insert(row).last_pk
        rows.append(row)
    return rows


def unread_count(db, user_id: int) -> int:
    return db.conn.execute("SELECT count(*) FROM notifications WHERE user_id = ? AND read_at IS NULL",
                           [user_id]).fetchone()[0]


def for_user(db, user_id: int, limit: int = 100) -> list[dict]:
    return [dict(r, kind_label=KIND_LABELS.get(r["kind"], r["kind"])) for r in db.query(
        "SELECT * FROM notifications WHERE user_id = ? ORDER BY id DESC LIMIT ?", [user_id, limit])]


def mark_read(db, user_id: int, submission_id: str) -> None:
    """Opening a draft counts as having seen what was said about it."""
    with audit.transaction(db):
        db.conn.execute("UPDATE notifications SET read_at = ? WHERE user_id = ? AND submission_id = ? "
                        "AND read_at IS NULL", [audit.now_cst(), user_id, submission_id])


def mark_all_read(db, user_id: int) -> None:
    with audit.transaction(db):
        db.conn.execute("UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL",
                        [audit.now_cst(), user_id])


def set_mail_status(db, ids: Iterable[int], status: str) -> None:
    with audit.transaction(db):
        for nid in ids:
            db.conn.execute("UPDATE notifications SET mail_status = ? WHERE id = ?", [status, nid])


# -- e-mail addresses ------------------------------------------------------------------------------

def set_email(db, user: Actor | dict, email: str, *, by: Actor) -> None:
    """An admin sets (or clears, with "") a user's notification address; audited."""
    email = (email or "").strip()
    if email and not _EMAIL.match(email):
        raise ValueError(f"邮箱地址格式不正确：{email}")
    user_id = user["id"] if isinstance(user, dict) else user.id
    name = user["name"] if isinstance(user, dict) else user.name
    with audit.transaction(db):
        before = email_of(db, user_id)
        if before == (email or None):
            return
        db.conn.execute("INSERT INTO user_contacts (user_id, email, updated_at) VALUES (?, ?, ?) "
                        "ON CONFLICT(user_id) DO UPDATE SET email = excluded.email, updated_at = excluded.updated_at",
                        [user_id, email or None, audit.now_cst()])
        audit.append(db, "user.update", actor=by, payload={"name": name, "changes": {"email": email or None}})


def email_of(db, user_id: int) -> str | None:
    row = db.conn.execute("SELECT email FROM user_contacts WHERE user_id = ?", [user_id]).fetchone()
    return row[0] if row else None


def emails(db) -> dict[int, str]:
    return {r[0]: r[1] for r in db.conn.execute("SELECT user_id, email FROM user_contacts WHERE email IS NOT NULL")}


# -- the reason a draft came back ------------------------------------------------------------------

def latest_return(db, sid: str) -> dict | None:
    """The last rejection of a submission (stage, reviewer, opinion, time) while it is rejected."""
    row = db.conn.execute(
        "SELECT d.stage_name, d.opinion, d.created_at, d.version, u.display_name, u.name, u.title "
        "FROM decisions d JOIN submissions s ON s.id = d.submission_id LEFT JOIN users u ON u.id = d.actor_id "
        "WHERE d.submission_id = ? AND d.decision = 'reject' AND s.status = 'rejected' "
        "ORDER BY d.id DESC LIMIT 1", [sid]).fetchone()
    if row is None:
        return None
    return {"stage": row[0], "opinion": row[1], "created_at": row[2], "version": row[3],
            "actor": row[4] or row[5], "actor_title": row[6] or ""}
