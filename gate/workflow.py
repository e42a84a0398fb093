"""The review workflow (三审): submissions, versions, decisions, overrides and the publish gate.

No Flask here: the web layer translates HTTP into these calls and ``WorkflowError`` back into
problem+json. Every state change and its audit event commit in one ``BEGIN IMMEDIATE``
transaction. The rules enforced here, whatever the client:

- the author cannot review their own submission; one person acts at one stage of a submission;
- a decision names the content hash it approves (stale → 409) and the stage it acts at;
- a reject needs an opinion; a block finding goes to review only with a reviewer's override and
  reason; drafters may acknowledge warnings, never override a block;
- the publish gate allows only content whose hash passed every stage of the current round.

Workflows (stages, who may act, per-channel/doc_type variants) are data in the ``workflows``
table, seeded with the presets below; each round snapshots the workflow it runs under.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import secrets
from datetime import datetime
from typing import Any, Iterable

from . import audit, notifications
from .accounts import ROLES, Actor, get_user
from .model import CHANNELS, DOC_TYPES, Draft, DraftError

__all__ = [
    "WorkflowError", "Invalid", "Forbidden", "NotFound", "Conflict", "Refused",
    "DEFAULT_WORKFLOWS", "STATUS_LABELS", "DECISION_LABELS", "ReviewService", "finding_key",
    "validate_workflow", "seed_workflows", "load_workflows", "save_workflow", "choose_workflow",
    "eligible",
]

STATUS_LABELS = {
    "blocked": "含阻断问题，未送审",
    "in_review": "审核中",
    "rejected": "已退回修改",
    "approved": "审核通过，待发布",
    "published": "已发布",
}
DECISION_LABELS = {"approve": "同意", "reject": "退回修改"}


class WorkflowError(Exception):
    """A request the workflow refuses; ``status`` is the HTTP status the web layer uses."""

    status = 422

    def __init__(self, title: str, detail: str, **extra: Any):
        super().__init__(detail)
        self.title = title
        self.detail = detail
        self.extra = extra


class Invalid(WorkflowError):
    status = 400


class Forbidden(WorkflowError):
    status = 403


class NotFound(WorkflowError):
    status = 404


class Conflict(WorkflowError):
    status = 409


class Refused(WorkflowError):
    status = 422


def _stage(key: str, name: str, **extra) -> dict:
    return {"key": key, "name": name, "roles": ["reviewer"], "groups": [], "users": [],
            "can_override": True, "opinion_on_approve": False, **extra}


# Presets (review-workflow.md §2.2): the default 三审, a 保密审查 variant for policy documents,
# and a new-media variant whose final signer is a different group.
DEFAULT_WORKFLOWS: list[dict] = [
    {"key": "default", "name": "三审（初审→复审→终审）", "priority": 0, "match": {},
     "stages": [_stage("first", "初审"), _stage("second", "复审"), _stage("final", "终审")]},
    {"key": "policy-secrecy", "name": "政策文件（含保密审查）", "priority": 10,
     "match": {"doc_type": ["policy"]},
     "stages": [_stage("first", "初审"), _stage("second", "复审"),
                _stage("secrecy", "保密审查", groups=["保密审查"]), _stage("final", "终审")]},
    {"key": "new-media", "name": "政务新媒体（新闻分管负责人终审）", "priority": 10,
     "match": {"channel": ["wechat", "weibo", "app"]},
     "stages": [_stage("first", "初审"), _stage("second", "复审"),
                _stage("final", "终审", groups=["新媒体终审"])]},
]

_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def finding_key(finding: dict) -> str:
    """Identifies one finding of one content version (overrides and acknowledgements bind to it)."""
    return f"{finding['rule']}|{finding['field']}|{finding.get('start')}|{finding.get('end')}"


# -- workflow configuration -------------------------------------------------------------------

def validate_workflow(config: Any) -> dict:
    """Check a workflow definition and fill defaults; raise Invalid with a Chinese message."""
    def bad(detail: str):
        raise Invalid("审核流程配置无效", detail)

    if not isinstance(config, dict):
        bad("流程配置应为 JSON 对象")
    key = config.get("key")
    if not isinstance(key, str) or not _KEY.match(key):
        bad("key 应为小写字母、数字、- 或 _ 组成的标识")
    name = config.get("name")
    if not isinstance(name, str) or not name.strip():
        bad("name（流程名称）不能为空")
    priority = config.get("priority", 0)
    if not isinstance(priority, int) or isinstance(priority, bool):
        bad("priority 应为整数")
    match = config.get("match") or {}
    if not isinstance(match, dict) or set(match) - {"channel", "doc_type"}:
        bad("match 只能包含 channel 和 doc_type")
    for field, allowed in (("channel", CHANNELS), ("doc_type", DOC_TYPES)):
        values = match.get(field, [])
        if not isinstance(values, list) or any(v not in allowed for v in values):
            bad(f"match.{field} 应为数组，取值限于 {'、'.join(allowed)}")
    stages = config.get("stages")
    if not isinstance(stages, list) or not stages:
        bad("stages（审核环节）至少要有一个")
    out_stages, seen = [], set()
    for i, stage in enumerate(stages, 1):
        if not isinstance(stage, dict):
            bad(f"第 {i} 个环节应为对象")
        skey, sname = stage.get("key"), stage.get("name")
        if not isinstance(skey, str) or not _KEY.match(skey) or skey in seen:
            bad(f"第 {i} 个环节的 key 缺失、格式不对或重复")
        if not isinstance(sname, str) or not sname.strip():
            bad(f"第 {i} 个环节缺少 name")
        seen.add(skey)
        roles = stage.get("roles", ["reviewer"])
        if not isinstance(roles, list) or not roles or any(r not in ROLES for r in roles):
            bad(f"环节「{sname}」的 roles 取值限于 {'、'.join(ROLES)}")
        if "editor" in roles:
            bad(f"环节「{sname}」不能由拟稿人审核")
        for field in ("groups", "users"):
            values = stage.get(field, [])
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                bad(f"环节「{sname}」的 {field} 应为字符串数组")
        for field in ("can_override", "opinion_on_approve"):
            if not isinstance(stage.get(field, False), bool):
                bad(f"环节「{sname}」的 {field} 应为 true 或 false")
        out_stages.append({"key": skey, "name": sname.strip(), "roles": roles,
                           "groups": stage.get("groups", []), "users": stage.get("users", []),
                           "can_override": stage.get("can_override", True),
                           "opinion_on_approve": stage.get("opinion_on_approve", False)})
    if key == "default" and match:
        bad("默认流程（default）不能设置 match")
    return {"key": key, "name": name.strip(), "priority": priority,
            "match": {k: v for k, v in match.items() if v}, "stages": out_stages}


def seed_workflows(db) -> None:
    """Insert the presets into an empty ``workflows`` table (first start)."""
    with audit.transaction(db):
        if db.conn.execute("SELECT count(*) FROM workflows").fetchone()[0]:
            return
        for config in DEFAULT_WORKFLOWS:
            db["workflows"].insert({"key": config["key"], "config": json.dumps(config, ensure_ascii=False),
                                    "updated_at": audit.now_cst(), "updated_by": None})
        audit.append(db, "workflow.update", payload={"seeded": DEFAULT_WORKFLOWS})


def load_workflows(db) -> list[dict]:
    return [json.loads(r["config"]) for r in db.query("SELECT config FROM workflows ORDER BY key")]


def save_workflow(db, config: Any, *, by: Actor) -> dict:
    if by.role != "admin":
        raise Forbidden("没有权限", "只有管理员可以修改审核流程")
    config = validate_workflow(config)
    with audit.transaction(db):
        before = [json.loads(r["config"]) for r in db.query(
            "SELECT config FROM workflows WHERE key = ?", [config["key"]])]
        db["workflows"].upsert({"key": config["key"], "config": json.dumps(config, ensure_ascii=False),
                                "updated_at": audit.now_cst(), "updated_by": by.id}, pk="key")
        audit.append(db, "workflow.update", actor=by, payload={
            "key": config["key"], "before": before[0] if before else None, "after": config})
    return config


def choose_workflow(db, draft: Draft) -> dict:
    """The matching workflow with the highest priority; ``default`` when none matches."""
    best = None
    for config in load_workflows(db):
        match = config.get("match") or {}
        if any(draft_value not in match[field] for field, draft_value in
               (("channel", draft.channel), ("doc_type", draft.doc_type)) if match.get(field)):
            continue
        if best is None or config.get("priority", 0) > best.get("priority", 0):
            best = config
    return best or DEFAULT_WORKFLOWS[0]


def eligible(actor: Actor, stage: dict) -> bool:
    """May this person act at this stage (role, and group or name when the stage names them)?"""
    if not actor.active or actor.role not in stage.get("roles", ["reviewer"]):
        return False
    groups, users = stage.get("groups") or [], stage.get("users") or []
    if not groups and not users:
        return True
    return actor.name in users or bool(set(actor.groups) & set(groups))


# -- the service ------------------------------------------------------------------------------

class ReviewService:
    """The workflow over one database connection and one Gate (both owned by the caller)."""

    def __init__(self, db, gate, notifier=None):
        self.db = db
        self.gate = gate
        # Called after commit with the notifications a change wrote (the service mails them);
        # never inside the transaction, and its failure never fails the workflow action.
        self.notifier = notifier
        self._outbox: list[dict] = []

    @contextlib.contextmanager
    def _changing(self):
        """The workflow transaction; the notifications it wrote leave only once it committed."""
        self._outbox = []
        try:
            with audit.transaction(self.db):
                yield
        except BaseException:
            self._outbox = []
            raise
        outbox, self._outbox = self._outbox, []
        if outbox and self.notifier is not None:
            try:
                self.notifier(outbox)
            except Exception:  # noqa: BLE001 - mail trouble is logged, the action stands
                logging.getLogger(__name__).exception("通知发送失败")

    def _notify(self, sub: dict, kind: str, event: dict, user_ids, *, stage: str | None = None,
                opinion: str | None = None) -> None:
        self._outbox += notifications.record(self.db, user_ids=user_ids, sub=sub, kind=kind, event=event,
                                             stage=stage, opinion=opinion)

    # ---- reading --------------------------------------------------------------------------
    def _submission(self, sid: str) -> dict:
        if not isinstance(sid, str):
            raise NotFound("稿件不存在", "稿件编号无效")
        rows = list(self.db.query("SELECT * FROM submissions WHERE id = ?", [sid]))
        if not rows:
            raise NotFound("稿件不存在", f"找不到编号为 {sid} 的稿件")
        sub = rows[0]
        sub["workflow"] = json.loads(sub["workflow"])
        return sub

    def _version(self, sid: str, number: int) -> dict:
        row = list(self.db.query("SELECT * FROM versions WHERE submission_id = ? AND number = ?",
                                 [sid, number]))[0]
        row["draft"] = json.loads(row["draft"])
        row["report"] = json.loads(row["report"])
        return row

    def can_view(self, actor: Actor, sub: dict) -> bool:
        return actor.role in ("reviewer", "admin", "inspector") or sub["author_id"] == actor.id

    def get(self, actor: Actor, sid: str) -> dict:
        """Everything about one submission, as the detail page and the API show it."""
        sub = self._submission(sid)
        if not self.can_view(actor, sub):
            raise Forbidden("没有权限", "只能查看自己提交的稿件")
        versions = [self._version(sid, n["number"]) for n in self.db.query(
            "SELECT number FROM versions WHERE submission_id = ? ORDER BY number", [sid])]
        current = versions[-1]
        users = {}

        def who(user_id):
            if user_id is None:
                return None
            if user_id not in users:
                user = get_user(self.db, user_id=user_id)
                users[user_id] = user.to_dict() if user else {"id": user_id, "name": "?"}
            return users[user_id]

        decisions = [dict(d, actor=who(d["actor_id"]), decision_label=DECISION_LABELS[d["decision"]])
                     for d in self.db.query(
                         "SELECT * FROM decisions WHERE submission_id = ? ORDER BY id", [sid])]
        overrides = [dict(o, actor=who(o["actor_id"])) for o in self.db.query(
            "SELECT * FROM overrides WHERE submission_id = ? ORDER BY id", [sid])]
        acks = list(self.db.query(
            "SELECT * FROM acknowledgements WHERE submission_id = ? ORDER BY id", [sid]))
        publications = [dict(p, actor=who(p["actor_id"])) for p in self.db.query(
            "SELECT * FROM publications WHERE submission_id = ? ORDER BY id", [sid])]
        stages = sub["workflow"].get("stages", [])
        stage = stages[sub["stage_index"]] if sub["status"] == "in_review" else None
        return {
            "id": sub["id"], "external_id": sub["external_id"], "title": sub["title"], "unit": sub["unit"],
            "channel": sub["channel"], "doc_type": sub["doc_type"], "author": who(sub["author_id"]),
            "status": sub["status"], "status_label": STATUS_LABELS[sub["status"]], "round": sub["round"],
            "workflow": sub["workflow"], "current_stage": stage, "current_version": sub["current_version"],
            "content_sha256": current["content_sha256"], "approved_sha256": sub["approved_sha256"],
            "created_at": sub["created_at"], "updated_at": sub["updated_at"],
            "report": current["report"], "versions": versions, "decisions": decisions,
            "overrides": overrides, "acknowledgements": acks, "publications": publications,
            "missing_overrides": self._missing_overrides(sid, current),
        }

    def summary(self, sub: dict) -> dict:
        workflow = sub["workflow"] if isinstance(sub["workflow"], dict) else json.loads(sub["workflow"])
        stage = workflow["stages"][sub["stage_index"]] if sub["status"] == "in_review" else None
        author = get_user(self.db, user_id=sub["author_id"])
        return {"id": sub["id"], "external_id": sub["external_id"], "title": sub["title"],
                "unit": sub["unit"], "channel": sub["channel"], "doc_type": sub["doc_type"],
                "status": sub["status"], "status_label": STATUS_LABELS[sub["status"]],
                "stage": stage and {"key": stage["key"], "name": stage["name"]},
                "author": author.label if author else None, "round": sub["round"],
                "current_version": sub["current_version"], "updated_at": sub["updated_at"],
                "returned": notifications.latest_return(self.db, sub["id"]) if sub["status"] == "rejected"
                else None}

    def mine(self, actor: Actor) -> list[dict]:
        return [self.summary(s) for s in self.db.query(
            "SELECT * FROM submissions WHERE author_id = ? ORDER BY updated_at DESC", [actor.id])]

    def all(self, status: str | None = None) -> list[dict]:
        if status:
            rows = self.db.query("SELECT * FROM submissions WHERE status = ? ORDER BY updated_at DESC",
                                 [status])
        else:
            rows = self.db.query("SELECT * FROM submissions ORDER BY updated_at DESC")
        return [self.summary(s) for s in rows]

    def queue(self, actor: Actor) -> dict:
        """Submissions waiting for this person, grouped by stage name, plus blocked drafts that
        need a reviewer's override."""
        by_stage: dict[str, list] = {}
        acted = self._stages_acted(actor)
        for sub in self.db.query("SELECT * FROM submissions WHERE status = 'in_review' "
                                 "AND author_id != ? ORDER BY updated_at", [actor.id]):
            stage = json.loads(sub["workflow"])["stages"][sub["stage_index"]]
            other = acted.get(sub["id"], set()) - {stage["key"]}
            if eligible(actor, stage) and not other:
                by_stage.setdefault(stage["name"], []).append(self.summary(sub))
        blocked = []
        if actor.role == "reviewer":
            blocked = [self.summary(s) for s in self.db.query(
                "SELECT * FROM submissions WHERE status = 'blocked' AND author_id != ? ORDER BY updated_at",
                [actor.id])]
        return {"stages": by_stage, "blocked": blocked}

    def _stages_acted(self, actor: Actor, sid: str | None = None) -> dict[str, set]:
        sql = "SELECT submission_id, stage_key FROM decisions WHERE actor_id = ?"
        params: list = [actor.id]
        if sid:
            sql += " AND submission_id = ?"
            params.append(sid)
        out: dict[str, set] = {}
        for row in self.db.query(sql, params):
            out.setdefault(row["submission_id"], set()).add(row["stage_key"])
        return out

    def last_reviewed_version(self, actor: Actor, sid: str) -> int | None:
        rows = list(self.db.query("SELECT max(version) AS v FROM decisions WHERE submission_id = ? "
                                  "AND actor_id = ?", [sid, actor.id]))
        return rows[0]["v"] if rows else None

    # ---- helpers --------------------------------------------------------------------------
    def _check(self, draft_data: Any, stage: str = "submit"):
        try:
            draft = Draft.from_dict(draft_data)
        except DraftError as exc:
            raise Invalid("稿件格式错误", exc.message, field=exc.field) from None
        return draft, self.gate.check(draft, stage=stage)

    def _missing_overrides(self, sid: str, version: dict) -> list[dict]:
        done = {r["finding_key"] for r in self.db.query(
            "SELECT finding_key FROM overrides WHERE submission_id = ? AND content_sha256 = ?",
            [sid, version["content_sha256"]])}
        return [f for f in version["report"]["findings"]
                if f["severity"] == "block" and finding_key(f) not in done]

    def _touch(self, sid: str, **changes) -> None:
        changes["updated_at"] = audit.now_cst()
        self.db["submissions"].update(sid, changes)

    def _bind(self, sid: str, event: dict) -> None:
        """The submission row names the event that last changed it (``verify`` replays up to it)."""
        self.db.conn.execute("UPDATE submissions SET event_seq = ?, event_hash = ? WHERE id = ?",
                             [event["seq"], event["entry_hash"], sid])

    def _require_author(self, actor: Actor, sub: dict) -> None:
        if sub["author_id"] != actor.id:
            raise Forbidden("没有权限", "只有稿件的拟稿人可以修改、确认或送审该稿件")

    def _add_version(self, actor: Actor, sid: str, number: int, draft: Draft, report) -> dict:
        row = {"submission_id": sid, "number": number, "content_sha256": report.content_sha256,
               "draft": json.dumps(draft.raw, ensure_ascii=False),
               "report": json.dumps(report.to_dict(), ensure_ascii=False),
               "verdict": str(report.verdict), "created_by": actor.id, "created_at": audit.now_cst()}
        self.db["versions"].insert(row)
        version = self._version(sid, number)
        # Digests of the stored texts go into the event, so the draft reviewers saw stays bound to it.
        version["stored"] = {f: hashlib.sha256(row[f].encode("utf-8")).hexdigest() for f in ("draft", "report")}
        return version

    def _record_acks(self, actor: Actor, sid: str, version: dict, keys: Iterable[str],
                     reasons: dict | None = None) -> list[dict]:
        """``reasons`` (finding key -> why the author leaves it as is, from the editor's 忽略)
        go into the event with each finding and, joined, as its opinion."""
        keys = list(dict.fromkeys(keys or []))
        reasons = {k: v.strip() for k, v in (reasons or {}).items()
                   if isinstance(k, str) and isinstance(v, str) and v.strip()}
        if not all(isinstance(k, str) for k in keys):
            raise Invalid("请求格式错误", "acknowledge 应为问题标识（字符串）数组")
        warnings = {finding_key(f): f for f in version["report"]["findings"] if f["severity"] != "block"}
        blocks = {finding_key(f) for f in version["report"]["findings"] if f["severity"] == "block"}
        for key in keys:
            if key in blocks:
                raise Refused("拟稿人不能放行阻断问题", f"问题 {key} 为阻断级，只能修改，或由审核人填写理由后放行")
            if key not in warnings:
                raise Refused("问题不存在", f"当前版本没有标识为 {key} 的警告")
        shown = []
        for key in keys:
            inserted = self.db.conn.execute(
                "INSERT OR IGNORE INTO acknowledgements (submission_id, content_sha256, finding_key, "
                "actor_id, created_at) VALUES (?, ?, ?, ?, ?)",
                [sid, version["content_sha256"], key, actor.id, audit.now_cst()]).rowcount
            if inserted:
                shown.append(dict(warnings[key], reason=reasons[key]) if key in reasons else warnings[key])
        if shown:
            opinion = "；".join(f"「{f['text'] or f['rule']}」：{f['reason']}" for f in shown if f.get("reason"))
            audit.append(self.db, "warning.acknowledge", actor=actor, submission_id=sid,
                         version=version["number"], content_sha256=version["content_sha256"],
                         opinion=opinion or None, payload={"acknowledged": shown})
        return shown

    def _enter_review(self, actor: Actor, sub: dict, version: dict, draft: Draft, cause: str | None = None) -> str:
        """Send the current version to the first stage, or park it as blocked; ``cause``
        "override" marks the automatic return to review after a reviewer's 放行."""
        missing = self._missing_overrides(sub["id"], version)
        if missing:
            self._touch(sub["id"], status="blocked")
            event = audit.append(self.db, "submission.blocked", actor=actor, submission_id=sub["id"],
                                 version=version["number"], content_sha256=version["content_sha256"],
                                 payload={"blocking": missing, "ruleset": version["report"]["ruleset"]},
                                 binds=True)
            self._bind(sub["id"], event)
            return "blocked"
        workflow = choose_workflow(self.db, draft)
        round_ = sub["round"] + 1
        self._touch(sub["id"], status="in_review", round=round_, stage_index=0,
                    workflow=json.dumps(workflow, ensure_ascii=False), approved_sha256=None)
        event = audit.append(self.db, "submission.submit", actor=actor, stage=workflow["stages"][0]["name"],
                             submission_id=sub["id"], version=version["number"],
                             content_sha256=version["content_sha256"],
                             payload={"round": round_, "workflow": workflow,
                                      **({"cause": cause} if cause else {})}, binds=True)
        self._bind(sub["id"], event)
        first = workflow["stages"][0]
        self._notify(sub, "turn", event, notifications.stage_recipients(self.db, sub, first), stage=first["name"])
        return "in_review"

    # ---- editor actions -------------------------------------------------------------------
    def submit(self, actor: Actor, draft_data: Any, *, acknowledge: Iterable[str] = (),
               note: str = "") -> dict:
        """Save a new submission (version 1) and send it to review; a blocked draft is kept with
        status ``blocked`` (the caller answers 422)."""
        if actor.role not in ("editor", "admin"):
            raise Forbidden("没有权限", "只有拟稿人可以提交稿件")
        if not isinstance(note, str):
            raise Invalid("请求格式错误", "note（送审说明）应为字符串")
        draft, report = self._check(draft_data)
        sid = f"S{datetime.now(audit.CST):%Y%m%d}-{secrets.token_hex(4)}"
        with self._changing():
            now = audit.now_cst()
            self.db["submissions"].insert({
                "id": sid, "external_id": draft.id, "title": draft.title, "unit": draft.unit,
                "channel": draft.channel, "doc_type": draft.doc_type, "author_id": actor.id,
                "status": "blocked", "round": 0, "stage_index": 0, "workflow": "{}",
                "current_version": 1, "approved_sha256": None, "created_at": now, "updated_at": now})
            version = self._add_version(actor, sid, 1, draft, report)
            event = audit.append(self.db, "submission.create", actor=actor, submission_id=sid, version=1,
                                 content_sha256=report.content_sha256, opinion=note or None,
                                 payload={"title": draft.title, "external_id": draft.id,
                                          "verdict": str(report.verdict), "ruleset": report.ruleset,
                                          "findings_shown": report.to_dict()["findings"],
                                          "stored": version["stored"]}, binds=True)
            self._bind(sid, event)
            self._record_acks(actor, sid, version, acknowledge)
            self._enter_review(actor, self._submission(sid), version, draft)
        return self.get(actor, sid)

    def resubmit(self, actor: Actor, sid: str, draft_data: Any, *, acknowledge: Iterable[str] = (),
                 note: str = "", reasons: dict | None = None) -> dict:
        """A new version after a rejection or a block (or during review): review restarts at the
        first stage, since every stage must pass the same content."""
        draft, report = self._check(draft_data)
        with self._changing():
            sub = self._submission(sid)
            self._require_author(actor, sub)
            if sub["status"] == "published":
                raise Refused("稿件已发布", "已发布的稿件不能再修改，请新建稿件（更正）")
            current = self._version(sid, sub["current_version"])
            if current["content_sha256"] == report.content_sha256:
                raise Refused("内容未修改", "新版本与当前版本内容相同；如需重新送审请使用“送审”")
            number = sub["current_version"] + 1
            self._touch(sid, current_version=number, title=draft.title, unit=draft.unit,
                        channel=draft.channel, doc_type=draft.doc_type)
            version = self._add_version(actor, sid, number, draft, report)
            event = audit.append(self.db, "submission.resubmit", actor=actor, submission_id=sid,
                                 version=number, content_sha256=report.content_sha256, opinion=note or None,
                                 payload={"previous_sha256": current["content_sha256"],
                                          "previous_status": sub["status"], "verdict": str(report.verdict),
                                          "ruleset": report.ruleset,
                                          "findings_shown": report.to_dict()["findings"],
                                          "stored": version["stored"]}, binds=True)
            self._bind(sid, event)
            self._record_acks(actor, sid, version, acknowledge, reasons)
            self._enter_review(actor, self._submission(sid), version, draft)
        return self.get(actor, sid)

    def send_to_review(self, actor: Actor, sid: str) -> dict:
        """Send the current version again (after reviewer overrides, or after a rejection the
        author disagrees with)."""
        with self._changing():
            sub = self._submission(sid)
            self._require_author(actor, sub)
            if sub["status"] not in ("blocked", "rejected"):
                raise Conflict("状态冲突", f"稿件当前状态为「{STATUS_LABELS[sub['status']]}」，不能送审")
            version = self._version(sid, sub["current_version"])
            self._enter_review(actor, sub, version, Draft.from_dict(version["draft"]))
        return self.get(actor, sid)

    def acknowledge(self, actor: Actor, sid: str, keys: Iterable[str], reasons: dict | None = None) -> list[dict]:
        with audit.transaction(self.db):
            sub = self._submission(sid)
            self._require_author(actor, sub)
            return self._record_acks(actor, sid, self._version(sid, sub["current_version"]), keys, reasons)

    # ---- reviewer actions -----------------------------------------------------------------
    def _apply_overrides(self, actor: Actor, sub: dict, version: dict, items: Any) -> list[dict]:
        if items in (None, []):
            return []
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise Invalid("请求格式错误", "overrides 应为对象数组：[{\"finding\": 标识, \"reason\": 理由}]")
        if actor.role != "reviewer":
            raise Forbidden("没有权限", "只有审核人可以放行阻断问题，拟稿人只能确认警告")
        if sub["author_id"] == actor.id:
            raise Forbidden("没有权限", "不能放行自己稿件中的阻断问题")
        stage = sub["workflow"]["stages"][sub["stage_index"]] if sub["status"] == "in_review" else None
        if stage is not None and not stage.get("can_override", True):
            raise Forbidden("没有权限", f"「{stage['name']}」环节不允许放行阻断问题")
        blocks = {finding_key(f): f for f in version["report"]["findings"] if f["severity"] == "block"}
        recorded = []
        for item in items:
            key, reason = item.get("finding"), item.get("reason")
            if not isinstance(key, str) or not isinstance(reason, str):
                raise Invalid("请求格式错误", "overrides 中的 finding、reason 应为字符串")
            if key not in blocks:
                raise Refused("问题不存在", f"当前版本没有标识为 {key} 的阻断问题")
            if not reason.strip():
                raise Refused("缺少放行理由", f"放行阻断问题「{blocks[key]['text'] or blocks[key]['rule']}」必须填写理由")
            stage_name = stage["name"] if stage else "送审前"
            event = audit.append(self.db, "finding.override", actor=actor, stage=stage_name,
                                 submission_id=sub["id"], version=version["number"],
                                 content_sha256=version["content_sha256"], opinion=reason.strip(),
                                 payload={"finding": blocks[key], "finding_key": key}, binds=True)
            inserted = self.db.conn.execute(
                "INSERT OR IGNORE INTO overrides (submission_id, content_sha256, finding_key, rule, reason, "
                "actor_id, stage_name, created_at, event_seq, event_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [sub["id"], version["content_sha256"], key, blocks[key]["rule"], reason.strip(), actor.id,
                 stage_name, event["ts"], event["seq"], event["entry_hash"]]).rowcount
            if not inserted:
                raise Conflict("重复放行", f"问题 {key} 已被放行")
            recorded.append({"finding": blocks[key], "reason": reason.strip()})
        return recorded

    def override(self, actor: Actor, sid: str, content_sha256: Any, items: Any) -> list[dict]:
        if not isinstance(content_sha256, str):
            raise Invalid("请求格式错误", "content_sha256 应为字符串")
        with self._changing():
            sub = self._submission(sid)
            if sub["status"] == "published":
                raise Conflict("状态冲突", "稿件已发布")
            version = self._version(sid, sub["current_version"])
            if content_sha256 != version["content_sha256"]:
                raise Conflict("版本已过期", "稿件已有新版本，请刷新后再操作",
                               current_sha256=version["content_sha256"])
            if not items:
                raise Invalid("请求格式错误", "overrides 不能为空")
            recorded = self._apply_overrides(actor, sub, version, items)
            if sub["status"] == "blocked" and not self._missing_overrides(sid, version):
                # Every block is 放行: the draft goes back into review by itself (issue 21); the
                # author is told, the first stage is told by _enter_review.
                seq, _ = audit.head(self.db)
                self._notify(sub, "released", {"seq": seq, "ts": audit.now_cst()}, [sub["author_id"]])
                self._enter_review(actor, self._submission(sid), version, Draft.from_dict(version["draft"]),
                                   cause="override")
            return recorded

    def decide(self, actor: Actor, sid: str, *, stage: Any, decision: Any, opinion: Any,
               content_sha256: Any, overrides: Any = None) -> dict:
        if decision not in ("approve", "reject"):
            raise Invalid("请求格式错误", "decision 应为 approve（同意）或 reject（退回修改）")
        if opinion is not None and not isinstance(opinion, str):
            raise Invalid("请求格式错误", "opinion（审核意见）应为字符串")
        if not isinstance(stage, str) or not isinstance(content_sha256, str):
            raise Invalid("请求格式错误", "stage、content_sha256 应为字符串")
        opinion = (opinion or "").strip()
        if decision == "reject" and not opinion:
            raise Refused("缺少审核意见", "退回修改时必须填写审核意见")
        with self._changing():
            sub = self._submission(sid)
            if sub["author_id"] == actor.id:
                raise Forbidden("没有权限", "不能审核自己提交的稿件")
            if sub["status"] != "in_review":
                raise Conflict("状态冲突", f"稿件当前状态为「{STATUS_LABELS[sub['status']]}」，不在审核中")
            stages = sub["workflow"]["stages"]
            current = stages[sub["stage_index"]]
            if stage != current["key"]:
                raise Conflict("环节已变化", f"稿件当前处于「{current['name']}」环节，请刷新后再操作",
                               current_stage=current["key"])
            if not eligible(actor, current):
                raise Forbidden("没有权限", f"您不能在「{current['name']}」环节审核")
            other = self._stages_acted(actor, sid).get(sid, set()) - {current["key"]}
            if other:
                names = "、".join(s["name"] for s in stages if s["key"] in other) or "其他环节"
                raise Forbidden("没有权限", f"您已在本稿件的「{names}」环节审核过，同一人不能审核两个环节")
            version = self._version(sid, sub["current_version"])
            if content_sha256 != version["content_sha256"]:
                raise Conflict("版本已过期", "稿件内容已更新，审核意见必须针对当前版本，请刷新后重新审核",
                               current_sha256=version["content_sha256"])
            if decision == "approve" and current.get("opinion_on_approve") and not opinion:
                raise Refused("缺少审核意见", f"「{current['name']}」环节同意时也须填写审核意见")
            applied = self._apply_overrides(actor, sub, version, overrides)
            missing = self._missing_overrides(sid, version)
            if decision == "approve" and missing:
                raise Refused("含未放行的阻断问题", "稿件含未放行的阻断问题，不能同意",
                              blocking=missing)
            acks = [r["finding_key"] for r in self.db.query(
                "SELECT finding_key FROM acknowledgements WHERE submission_id = ? AND content_sha256 = ?",
                [sid, version["content_sha256"]])]
            event = audit.append(
                self.db, f"review.{decision}", actor=actor, stage=current["name"], submission_id=sid,
                version=version["number"], content_sha256=version["content_sha256"], decision=decision,
                opinion=opinion or None,
                payload={"round": sub["round"], "stage_key": current["key"],
                         "findings_shown": version["report"]["findings"],
                         "acknowledged": acks, "overrides": applied,
                         "ruleset": version["report"]["ruleset"]}, binds=True)
            self.db["decisions"].insert({
                "submission_id": sid, "round": sub["round"], "stage_index": sub["stage_index"],
                "stage_key": current["key"], "stage_name": current["name"], "version": version["number"],
                "content_sha256": version["content_sha256"], "actor_id": actor.id, "decision": decision,
                "opinion": opinion, "created_at": event["ts"], "event_seq": event["seq"],
                "event_hash": event["entry_hash"]})
            self._bind(sid, event)
            if decision == "reject":
                self._touch(sid, status="rejected")
                self._notify(sub, "returned", event, [sub["author_id"]], stage=current["name"], opinion=opinion)
            elif sub["stage_index"] + 1 < len(stages):
                self._touch(sid, stage_index=sub["stage_index"] + 1)
                following = stages[sub["stage_index"] + 1]
                self._notify(sub, "turn", event, notifications.stage_recipients(self.db, sub, following),
                             stage=following["name"])
            else:
                self._touch(sid, status="approved", approved_sha256=version["content_sha256"])
                self._notify(sub, "approved", event, [sub["author_id"]], stage=current["name"])
        return self.get(actor, sid)

    # ---- the publish gate -----------------------------------------------------------------
    def publish(self, actor: Actor, sid: str, *, draft_data: Any = None, content_sha256: Any = None,
                url: Any = None) -> dict:
        """Allow publication only of the exact content approved at every stage; record it."""
        if actor.role == "inspector":
            raise Forbidden("没有权限", "检查人员不能发布稿件")
        if url is not None and not isinstance(url, str):
            raise Invalid("请求格式错误", "url 应为字符串")
        if draft_data is not None:
            try:
                sha = Draft.from_dict(draft_data).content_sha256
            except DraftError as exc:
                raise Invalid("稿件格式错误", exc.message, field=exc.field) from None
        elif isinstance(content_sha256, str) and content_sha256:
            sha = content_sha256
        else:
            raise Invalid("请求格式错误", "须提供待发布的稿件 draft，或其 content_sha256")
        sub = self._submission(sid)
        approved_version = None
        if sub["approved_sha256"]:
            approved_version = next((self._version(sid, r["number"]) for r in self.db.query(
                "SELECT number FROM versions WHERE submission_id = ? AND content_sha256 = ? "
                "ORDER BY number DESC LIMIT 1", [sid, sub["approved_sha256"]])), None)
        publish_report = None
        if approved_version is not None:  # the publish-stage rules run on the approved content
            publish_report = self.gate.check(approved_version["draft"], stage="publish").to_dict()
        refusal: WorkflowError | None = None
        with audit.transaction(self.db):
            sub = self._submission(sid)
            stages = sub["workflow"].get("stages", [])
            prior = next(iter(self.db.query(  # a repeat (CMS retry) answers with the first publication
                "SELECT url, created_at, event_seq FROM publications WHERE submission_id = ? "
                "AND content_sha256 = ? ORDER BY id LIMIT 1", [sid, sha])), None)
            if prior is not None and sub["status"] == "published":
                return {"allowed": True, "submission_id": sid, "content_sha256": sha, "url": prior["url"],
                        "published_at": prior["created_at"], "audit_seq": prior["event_seq"],
                        "already_published": True}
            if sub["status"] not in ("approved", "published"):
                refusal = Refused("未完成审核", f"稿件当前状态为「{STATUS_LABELS[sub['status']]}」，"
                                  "须通过全部审核环节后才能发布")
            elif sha != sub["approved_sha256"]:
                refusal = Conflict("内容与终审版本不一致",
                                   "待发布内容在终审后被修改，不能发布；请将修改后的稿件重新送审",
                                   approved_sha256=sub["approved_sha256"], content_sha256=sha)
            else:
                passed = {d["stage_key"] for d in self.db.query(
                    "SELECT stage_key FROM decisions WHERE submission_id = ? AND round = ? "
                    "AND decision = 'approve' AND content_sha256 = ?", [sid, sub["round"], sha])}
                lacking = [s["name"] for s in stages if s["key"] not in passed]
                if lacking or publish_report is None:
                    refusal = Refused("未完成审核", f"以下环节未同意当前内容：{'、'.join(lacking)}")
                else:
                    done = {r["finding_key"] for r in self.db.query(
                        "SELECT finding_key FROM overrides WHERE submission_id = ? AND content_sha256 = ?",
                        [sid, sha])}
                    blocking = [f for f in publish_report["findings"]
                                if f["severity"] == "block" and finding_key(f) not in done]
                    if blocking:
                        refusal = Refused("发布检查未通过", "发布前检查发现未放行的阻断问题",
                                          blocking=blocking)
            if refusal is not None:
                audit.append(self.db, "publish.refuse", actor=actor, submission_id=sid,
                             content_sha256=sha, decision="refuse", opinion=refusal.detail,
                             payload={"status": refusal.status, "title": refusal.title, **refusal.extra})
            else:
                event = audit.append(
                    self.db, "publish.allow", actor=actor, submission_id=sid,
                    version=approved_version["number"], content_sha256=sha, decision="allow",
                    payload={"url": url, "ruleset": publish_report["ruleset"],
                             "findings_shown": publish_report["findings"]}, binds=True)
                self.db["publications"].insert({
                    "submission_id": sid, "content_sha256": sha, "url": url, "actor_id": actor.id,
                    "created_at": event["ts"], "event_seq": event["seq"], "event_hash": event["entry_hash"]})
                self._touch(sid, status="published")
                self._bind(sid, event)
        if refusal is not None:
            raise refusal
        return {"allowed": True, "submission_id": sid, "content_sha256": sha, "url": url,
                "published_at": event["ts"], "audit_seq": event["seq"]}
