"""Cross-checks between the workflow's state tables and the audit chain, in both directions.

The chain is the record of truth, but the publish gate reads ``submissions``, ``decisions``,
``overrides`` and ``publications``. Each of those rows names the event that made it
(``event_seq`` and ``event_hash``), and ``verify`` checks that:

- every state row matches its event field by field (an approval edited into a rejection, or a
  decision row inserted without an event, is caught here);
- every event that declared state rows (``payload.binds``) has them, and each submission is in
  the state its events lead to when replayed (a deleted decision or a status set by hand is caught).

Events from before binding existed carry no ``binds``; their rows are still checked against them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

__all__ = ["BINDS", "StateProblem", "STATE_ACTIONS", "check"]

# What each state-changing workflow event writes (recorded in its payload as "binds").
BINDS = {
    "submission.create": ["submissions", "versions"],
    "submission.resubmit": ["submissions", "versions"],
    "submission.blocked": ["submissions"],
    "submission.submit": ["submissions"],
    "review.approve": ["decisions", "submissions"],
    "review.reject": ["decisions", "submissions"],
    "publish.allow": ["publications", "submissions"],
    "finding.override": ["overrides"],
}
STATE_ACTIONS = frozenset(BINDS)

TABLE_LABELS = {"submissions": "稿件", "versions": "稿件版本", "decisions": "审核意见",
                "overrides": "放行记录", "publications": "发布记录"}


@dataclass(frozen=True)
class StateProblem:
    seq: int | None   # the event involved, when there is one
    message: str


def _text_sha(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


def _row_label(table: str, row_id) -> str:
    return f"{table} 表（{TABLE_LABELS[table]}）第 {row_id} 行"


# Field of the state row -> how to read the same fact from its event.
_EVENT_FIELDS = {
    "decisions": {
        "submission_id": lambda e: e["submission_id"], "version": lambda e: e["version"],
        "content_sha256": lambda e: e["content_sha256"], "actor_id": lambda e: e["actor_id"],
        "decision": lambda e: e["decision"], "opinion": lambda e: e["opinion"] or "",
        "stage_name": lambda e: e["stage"], "created_at": lambda e: e["ts"],
        "round": lambda e: e["payload"].get("round"), "stage_key": lambda e: e["payload"].get("stage_key"),
    },
    "overrides": {
        "submission_id": lambda e: e["submission_id"], "content_sha256": lambda e: e["content_sha256"],
        "finding_key": lambda e: e["payload"].get("finding_key"), "reason": lambda e: e["opinion"],
        "actor_id": lambda e: e["actor_id"], "stage_name": lambda e: e["stage"],
        "created_at": lambda e: e["ts"],
    },
    "publications": {
        "submission_id": lambda e: e["submission_id"], "content_sha256": lambda e: e["content_sha256"],
        "url": lambda e: e["payload"].get("url"), "actor_id": lambda e: e["actor_id"],
        "created_at": lambda e: e["ts"],
    },
}
_EVENT_ACTIONS = {"decisions": ("review.approve", "review.reject"), "overrides": ("finding.override",),
                  "publications": ("publish.allow",)}


def _rows(db, table: str) -> list[dict]:
    cursor = db.conn.execute(f"SELECT * FROM [{table}] ORDER BY rowid")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values)) for values in cursor]


def _check_event_rows(db, table: str, events: dict[int, dict]) -> StateProblem | None:
    """Each row of an event-made table against its event, then each declaring event against its row."""
    seen: dict[int, object] = {}
    for row in _rows(db, table):
        label = _row_label(table, row["id"])
        event = events.get(row["event_seq"]) if row["event_seq"] is not None else None
        if event is None or event["action"] not in _EVENT_ACTIONS[table]:
            return StateProblem(row["event_seq"], f"{label}没有对应的审计记录（指向第 {row['event_seq']} 条）"
                                "——该行可能是绕过审核流程直接写入的")
        if row["event_seq"] in seen:
            return StateProblem(row["event_seq"], f"{label}与第 {seen[row['event_seq']]} 行指向同一条审计记录"
                                f"（第 {row['event_seq']} 条）")
        seen[row["event_seq"]] = row["id"]
        if row.get("event_hash") != event["entry_hash"]:
            return StateProblem(event["seq"], f"{label}记录的审计摘要与第 {event['seq']} 条审计记录不符")
        for field, read in _EVENT_FIELDS[table].items():
            if row[field] != read(event):
                return StateProblem(event["seq"], f"{label}的 {field} 为 {row[field]!r}，"
                                    f"与第 {event['seq']} 条审计记录（{read(event)!r}）不符——该行被修改")
    for seq, event in events.items():
        if table in event["payload"].get("binds", ()) and seq not in seen:
            return StateProblem(seq, f"第 {seq} 条审计记录（{event['action']}）对应的 {table} 表"
                                f"（{TABLE_LABELS[table]}）记录缺失——该行被删除")
    return None


def _replay(events: list[dict]) -> dict:
    """The submission state its events lead to (the same transitions as ``workflow.py``)."""
    state = {"status": None, "round": 0, "stage_index": 0, "current_version": None,
             "approved_sha256": None, "workflow": {}}
    for event in events:
        action, payload = event["action"], event["payload"]
        if action == "submission.create":
            state.update(status="blocked", current_version=event["version"])
        elif action == "submission.resubmit":
            state["current_version"] = event["version"]
        elif action == "submission.blocked":
            state["status"] = "blocked"
        elif action == "submission.submit":
            state.update(status="in_review", round=payload.get("round"), stage_index=0,
                         approved_sha256=None, workflow=payload.get("workflow") or {})
        elif action == "review.reject":
            state["status"] = "rejected"
        elif action == "review.approve":
            if state["stage_index"] + 1 < len(state["workflow"].get("stages", [])):
                state["stage_index"] += 1
            else:
                state.update(status="approved", approved_sha256=event["content_sha256"])
        elif action == "publish.allow":
            state["status"] = "published"
    return state


def _check_submissions(db, events: dict[int, dict]) -> StateProblem | None:
    by_submission: dict[str, list[dict]] = {}
    for event in events.values():
        if event["submission_id"] is not None and event["action"] != "finding.override":
            by_submission.setdefault(event["submission_id"], []).append(event)
    rows = {row["id"]: row for row in _rows(db, "submissions")}
    for sid, row in rows.items():
        label = f"submissions 表（稿件）中的稿件 {sid}"
        history = sorted(by_submission.get(sid, []), key=lambda e: e["seq"])
        if not history or history[0]["action"] != "submission.create":
            return StateProblem(None, f"{label}没有“提交稿件”审计记录——该稿件可能是绕过审核流程直接写入的")
        last = history[-1]
        if row.get("event_seq") != last["seq"] or row.get("event_hash") != last["entry_hash"]:
            return StateProblem(last["seq"], f"{label}记录的最后一次变更（第 {row.get('event_seq')} 条）"
                                f"与审计链不符：最后一条变更记录为第 {last['seq']} 条")
        expected = _replay(history)
        actual = dict(row, workflow=json.loads(row["workflow"] or "{}"))
        for field, value in expected.items():
            if actual[field] != value:
                return StateProblem(last["seq"], f"{label}的 {field} 为 {actual[field]!r}，按审计记录应为 "
                                    f"{value!r}——该行被修改")
    for sid, history in by_submission.items():
        declared = [e for e in history if "submissions" in e["payload"].get("binds", ())]
        if declared and sid not in rows:
            return StateProblem(declared[0]["seq"], f"第 {declared[0]['seq']} 条审计记录所述稿件 {sid} 在 "
                                "submissions 表中不存在——该行被删除")
    return None


def _check_versions(db, events: dict[int, dict]) -> StateProblem | None:
    made = {(e["submission_id"], e["version"]): e for e in events.values()
            if e["action"] in ("submission.create", "submission.resubmit")}
    found = set()
    for row in _rows(db, "versions"):
        label = _row_label("versions", row["id"])
        event = made.get((row["submission_id"], row["number"]))
        if event is None:
            return StateProblem(None, f"{label}（稿件 {row['submission_id']} 第 {row['number']} 版）没有对应的审计记录")
        found.add((row["submission_id"], row["number"]))
        stored = event["payload"].get("stored") or {}
        if row["content_sha256"] != event["content_sha256"] or any(
                stored.get(f) not in (None, _text_sha(row[f])) for f in ("draft", "report")):
            return StateProblem(event["seq"], f"{label}的内容与第 {event['seq']} 条审计记录不符——稿件或检查报告被修改")
    for key, event in made.items():
        if "versions" in event["payload"].get("binds", ()) and key not in found:
            return StateProblem(event["seq"], f"第 {event['seq']} 条审计记录所述稿件版本 {key[0]} 第 {key[1]} 版缺失")
    return None


def check(db, events: dict[int, dict]) -> StateProblem | None:
    """The first disagreement between the state tables and ``events`` (seq -> event with decoded
    payload, every event whose action is in ``STATE_ACTIONS``)."""
    if not db["submissions"].exists():
        return None
    for table in ("decisions", "overrides", "publications"):
        problem = _check_event_rows(db, table, events)
        if problem:
            return problem
    return _check_versions(db, events) or _check_submissions(db, events)
