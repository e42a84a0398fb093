"""Who may publish a submission (issue 18, review-workflow.md §1 "enforce on the server").

Only three kinds of caller: the submitter, a reviewer who approved the final stage (终审) of the
submission in its current round, and a CMS service account (an API token with the ``publish``
scope). Everyone else is refused before the publish gate runs, so a refusal never reveals the
approved content's hash to someone who could then replay it. No Flask.
"""

from __future__ import annotations

import json

from .accounts import Actor
from .workflow import Forbidden, NotFound

__all__ = ["PUBLISH_SCOPE", "may_publish", "require_publish_right", "may_read"]

PUBLISH_SCOPE = "publish"


def _submission(db, sid) -> dict:
    row = db.conn.execute("SELECT author_id, workflow, round FROM submissions WHERE id = ?",
                          [sid if isinstance(sid, str) else ""]).fetchone()
    if row is None:
        raise NotFound("稿件不存在", f"找不到编号为 {sid} 的稿件")
    return {"author_id": row[0], "workflow": json.loads(row[1]), "round": row[2]}


def _final_approver(db, actor: Actor, sid: str, sub: dict) -> bool:
    stages = sub["workflow"].get("stages") or []
    if not stages:
        return False
    return db.conn.execute(
        "SELECT 1 FROM decisions WHERE submission_id = ? AND round = ? AND stage_key = ? AND actor_id = ? "
        "AND decision = 'approve' LIMIT 1", [sid, sub["round"], stages[-1]["key"], actor.id]).fetchone() is not None


def may_publish(db, actor: Actor, sid: str) -> bool:
    sub = _submission(db, sid)
    if actor.role == "inspector":
        return False
    if PUBLISH_SCOPE in actor.scopes or sub["author_id"] == actor.id:
        return True
    return _final_approver(db, actor, sid, sub)


def require_publish_right(db, actor: Actor, sid: str) -> None:
    if not may_publish(db, actor, sid):
        raise Forbidden("没有发布权限", "只有稿件提交人、该稿件的终审人，或具有发布权限（publish）的 CMS 服务账号"
                                      "令牌可以发布此稿件")


def may_read(actor: Actor, db, sid: str) -> bool:
    """Whether the caller may read the submission (the same rule as ``ReviewService.can_view``)."""
    sub = _submission(db, sid)
    return actor.role in ("reviewer", "admin", "inspector") or sub["author_id"] == actor.id
