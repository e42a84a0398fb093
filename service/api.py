"""``/api/v1``: the check endpoint, the review workflow, the publish gate and the audit trail.

Views only translate HTTP to the core (``Gate``, ``ReviewService``, ``audit``) and back; every rule
lives in the core. Errors are problem+json (see ``errors.py``).
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, jsonify, request

from .. import audit
from ..accounts import AccountError, create_user, list_users
from ..model import Draft, DraftError
from ..publish_rights import may_read, require_publish_right
from ..spreadsheet import escape_row
from ..workflow import Invalid, WorkflowError, load_workflows, save_workflow
from .db import get_db
from .errors import problem
from .extension import get_gate, get_reviews
from .housekeeping import count_anonymous_check
from .json_input import parse_json
from .rate_limit import guard_check
from .security import Refusal, current_actor, idempotent, require_actor

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def json_body(kind: type = dict):
    """The request body as JSON of the expected top-level type, or a 400 problem."""
    value = parse_json(request.get_data(cache=True))  # every malformed input is a 400 (json_input.py)
    if not isinstance(value, kind):
        raise Invalid("请求格式错误", "请求体应为 JSON 对象")
    return value


def _field(body: dict, name: str, kind, default=None, required: bool = False):
    if name not in body or body[name] is None:
        if required:
            raise Invalid("请求格式错误", f"缺少字段 {name}")
        return default
    value = body[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        names = {str: "字符串", dict: "对象", list: "数组", bool: "布尔值", int: "整数"}
        expected = names.get(kind, "") if not isinstance(kind, tuple) else "、".join(names[k] for k in kind)
        raise Invalid("请求格式错误", f"字段 {name} 应为{expected}")
    return value


def created(payload, status: int = 200) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), status=status,
                    content_type="application/json; charset=utf-8")


# -- introspection ------------------------------------------------------------------------------

@bp.get("/health")
def health():
    gate = get_gate()
    db = get_db()
    head = db.conn.execute("SELECT seq, entry_hash FROM audit_event ORDER BY seq DESC LIMIT 1").fetchone()
    return jsonify({
        "status": "ok",
        "ruleset": gate.ruleset,
        "checks": len(gate.checks),
        "notices": gate.notices,
        "audit": {"events": head[0] if head else 0, "head": head[1] if head else audit.GENESIS},
        "check_requires_token": bool(current_app.config["CHECK_REQUIRES_TOKEN"]),
        "signature_required": bool(current_app.config["REQUIRE_SIGNATURE"]),
    })


@bp.get("/openapi.json")
def openapi():
    from .openapi import document

    # Other blueprints (e.g. dictionary administration) add their paths and schemas to
    # app.extensions["pubgate"]["openapi"] = {"paths": {...}, "schemas": {...}}.
    return jsonify(document(current_app.extensions["pubgate"].get("openapi")))


# -- the check (contracts.md §6) ----------------------------------------------------------------

@bp.post("/check")
@guard_check
@idempotent
def check():
    actor = current_actor()
    stage = request.args.get("stage", "submit")
    if stage not in ("submit", "publish"):
        raise Invalid("请求格式错误", "stage 应为 submit 或 publish")
    body = json_body()
    try:
        draft = Draft.from_dict(body)
    except DraftError as exc:
        raise Invalid("稿件格式错误", exc.message, field=exc.field) from None
    report = get_gate().check(draft, stage=stage)
    out = report.to_dict()
    if actor is None:
        # Anyone may call this: a count per day and verdict, not an audit event each (housekeeping.py).
        count_anonymous_check(get_db(), str(report.verdict))
        return created(out)
    # Stateless: the only thing stored is this event. Finding texts are left out of it, so the
    # trail does not become a copy of checked content (personal data included).
    event = audit.append(get_db(), "check.run", actor=actor, stage=stage, content_sha256=report.content_sha256,
                         decision=str(report.verdict), payload={
                             "draft_id": report.id, "verdict": str(report.verdict), "ruleset": report.ruleset,
                             "elapsed_ms": report.elapsed_ms,
                             "findings": [{k: f[k] for k in ("rule", "category", "severity", "field", "start", "end")}
                                          for f in out["findings"]]})
    out["audit"] = {"event_id": event["event_id"], "seq": event["seq"], "entry_hash": event["entry_hash"]}
    return created(out)


# -- the workflow -------------------------------------------------------------------------------

@bp.get("/submissions")
@require_actor()
def list_submissions():
    reviews = get_reviews()
    actor = current_actor()
    status = request.args.get("status")
    if actor.role == "editor" or request.args.get("mine") in ("1", "true"):
        items = [s for s in reviews.mine(actor) if not status or s["status"] == status]
    else:
        items = reviews.all(status)
    return jsonify({"items": items})


@bp.post("/submissions")
@require_actor()
@idempotent
def create_submission():
    body = json_body()
    draft = _field(body, "draft", dict, required=True)
    result = get_reviews().submit(current_actor(), draft, acknowledge=_field(body, "acknowledge", list, []),
                                  note=_field(body, "note", str, ""))
    return _submission_answer(result, 201)


def _submission_answer(result: dict, ok_status: int):
    if result["status"] == "blocked":
        # Kept as a draft (a reviewer may override its blocks), but not sent to review.
        resp = problem(422, "含阻断问题，不能送审",
                       f"稿件含 {len(result['missing_overrides'])} 处阻断问题，须修改后重新提交，"
                       "或由审核人填写理由放行后再送审", slug="blocked-draft",
                       submission_id=result["id"], status_detail="blocked",
                       content_sha256=result["content_sha256"], report=result["report"],
                       blocking=result["missing_overrides"])
        resp.headers["Location"] = f"/api/v1/submissions/{result['id']}"
        return resp
    resp = created(result, ok_status)
    resp.headers["Location"] = f"/api/v1/submissions/{result['id']}"
    return resp


@bp.get("/submissions/<sid>")
@require_actor()
def get_submission(sid):
    return created(get_reviews().get(current_actor(), sid))


@bp.post("/submissions/<sid>/versions")
@require_actor()
@idempotent
def resubmit(sid):
    body = json_body()
    draft = _field(body, "draft", dict, required=True)
    result = get_reviews().resubmit(current_actor(), sid, draft,
                                    acknowledge=_field(body, "acknowledge", list, []),
                                    note=_field(body, "note", str, ""))
    return _submission_answer(result, 201)


@bp.post("/submissions/<sid>/submit")
@require_actor()
@idempotent
def send_to_review(sid):
    return _submission_answer(get_reviews().send_to_review(current_actor(), sid), 200)


@bp.post("/submissions/<sid>/acknowledgements")
@require_actor()
@idempotent
def acknowledge(sid):
    body = json_body()
    keys = _field(body, "findings", list, required=True)
    return created({"acknowledged": get_reviews().acknowledge(current_actor(), sid, keys)})


@bp.post("/submissions/<sid>/overrides")
@require_actor()
@idempotent
def override(sid):
    body = json_body()
    recorded = get_reviews().override(current_actor(), sid, _field(body, "content_sha256", str, required=True),
                                      _field(body, "overrides", list, required=True))
    return created({"overrides": recorded}, 201)


@bp.post("/submissions/<sid>/decisions")
@require_actor()
@idempotent
def decide(sid):
    body = json_body()
    result = get_reviews().decide(
        current_actor(), sid, stage=_field(body, "stage", str, required=True),
        decision=_field(body, "decision", str, required=True), opinion=_field(body, "opinion", str, ""),
        content_sha256=_field(body, "content_sha256", str, required=True),
        overrides=_field(body, "overrides", list, None))
    return created(result, 201)


@bp.post("/submissions/<sid>/publish")
@require_actor()
@idempotent
def publish(sid):
    """Submitter, the submission's 终审 approver, or a CMS token with the ``publish`` scope only
    (publish_rights.py); a repeated call answers with the first publication and adds nothing."""
    actor, db = current_actor(), get_db()
    try:
        require_publish_right(db, actor, sid)
    except WorkflowError as exc:
        if exc.status == 403:  # recorded: an attempt to publish someone else's submission
            audit.append(db, "publish.refuse", actor=actor, submission_id=sid, decision="refuse",
                         opinion=exc.detail, payload={"status": 403, "title": exc.title})
        raise
    body = json_body()
    try:
        result = get_reviews().publish(actor, sid, draft_data=_field(body, "draft", dict, None),
                                       content_sha256=_field(body, "content_sha256", str, None),
                                       url=_field(body, "url", str, None))
    except WorkflowError as exc:
        if not may_read(actor, db, sid):
            # A service account may publish but not read the submission: no hash in its answers.
            exc.extra = {k: v for k, v in exc.extra.items() if "sha256" not in k}
        raise
    return created(result)


@bp.get("/queue")
@require_actor()
def queue():
    return jsonify(get_reviews().queue(current_actor()))


# -- the audit trail ----------------------------------------------------------------------------

def _audit_rows(sid: str | None):
    actor = current_actor()
    reviews = get_reviews()
    if sid:
        reviews.get(actor, sid)  # 404 / 403 as for the submission itself
    elif actor.role not in ("admin", "inspector"):
        raise Refusal(403, "只有管理员和检查人员可以查看全部审计记录")
    return audit.events(get_db(), submission_id=sid or None)


@bp.get("/audit")
@require_actor()
def audit_events():
    return jsonify({"items": _audit_rows(request.args.get("submission"))})


@bp.get("/submissions/<sid>/audit")
@require_actor()
def submission_audit(sid):
    return jsonify({"items": _audit_rows(sid)})


@bp.get("/audit/verify")
@require_actor("admin", "inspector", "reviewer")
def audit_verify():
    return jsonify(audit.verify(get_db()).to_dict())


@bp.get("/audit/export")
@require_actor()
def audit_export():
    fmt = request.args.get("format", "jsonl")
    if fmt not in ("csv", "jsonl"):
        raise Invalid("请求格式错误", "format 应为 csv 或 jsonl")
    sid = request.args.get("submission")
    rows = _audit_rows(sid)
    name = f"pubgate-audit-{sid or 'all'}.{fmt}"
    if fmt == "csv":
        # Formula-like text (=HYPERLINK(…) in an opinion) must not run in the reader's spreadsheet;
        # the JSONL export stays byte-faithful for re-verifying the chain.
        return Response(audit.export_csv([escape_row(r) for r in rows]), content_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return Response(audit.export_jsonl(rows), content_type="application/x-ndjson; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# -- administration -----------------------------------------------------------------------------

@bp.get("/workflows")
@require_actor()
def workflows():
    return jsonify({"items": load_workflows(get_db())})


@bp.put("/workflows/<key>")
@require_actor("admin")
@idempotent
def put_workflow(key):
    body = json_body()
    body["key"] = key
    return created(save_workflow(get_db(), body, by=current_actor()))


@bp.get("/users")
@require_actor("admin")
def users():
    return jsonify({"items": [u.to_dict() for u in list_users(get_db())]})


@bp.post("/users")
@require_actor("admin")
@idempotent
def add_user():
    body = json_body()
    try:
        user = create_user(get_db(), _field(body, "name", str, required=True),
                           _field(body, "role", str, required=True), _field(body, "password", str, required=True),
                           display_name=_field(body, "display_name", str, ""), title=_field(body, "title", str, ""),
                           unit=_field(body, "unit", str, ""), groups=_field(body, "groups", list, []),
                           by=current_actor())
    except AccountError as exc:
        raise Invalid("用户信息无效", str(exc)) from None
    return created(user.to_dict(), 201)


__all__ = ["bp"]
