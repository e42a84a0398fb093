"""Server-rendered pages in Simplified Chinese: 提交稿件, 我的稿件, 待我审核, 稿件详情, 审核单, 用户管理.

Same rules as the API (the core enforces them); a refused form action comes back as a message
on the page it was posted from.
"""

from __future__ import annotations

import functools
import json

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from .. import audit
from ..accounts import ROLE_LABELS, ROLES, AccountError, authenticate, create_user, list_users, update_user
from ..login_throttle import ThrottlePolicy, locked_for, record_failure, record_success
from ..model import CHANNELS, DOC_TYPES, DraftError, VERDICT_LABELS
from ..workflow import (DECISION_LABELS, STATUS_LABELS, WorkflowError, eligible, finding_key, load_workflows,
                        save_workflow)
from . import render
from .db import get_db
from .extension import get_gate, get_reviews
from .security import current_actor, login, logout

bp = Blueprint("pages", __name__)

CHANNEL_LABELS = {"website": "门户网站", "wechat": "微信公众号", "weibo": "微博", "app": "客户端", "other": "其他"}
DOC_TYPE_LABELS = {"policy": "政策文件", "interpretation": "政策解读", "news": "动态要闻", "notice": "通知公告",
                   "guide": "办事指南", "reply": "留言答复", "disclosure": "公示", "other": "其他"}


@bp.app_context_processor
def labels():
    return {"ROLE_LABELS": ROLE_LABELS, "STATUS_LABELS": STATUS_LABELS, "DECISION_LABELS": DECISION_LABELS,
            "CHANNEL_LABELS": CHANNEL_LABELS, "DOC_TYPE_LABELS": DOC_TYPE_LABELS,
            "VERDICT_LABELS": VERDICT_LABELS, "ACTION_LABELS": audit.ACTION_LABELS}


def login_required(*roles):
    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            actor = current_actor()
            if actor is None:
                return redirect(url_for("pages.login_page", next=request.path))
            if roles and actor.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def refused(exc: WorkflowError) -> None:
    flash(f"{exc.title}：{exc.detail}", "error")


# -- session ------------------------------------------------------------------------------------

def safe_next(target: str) -> str | None:
    """A local path to return to after login, or None. Refuses other hosts (``//x``, ``/\\x``)
    and control characters (CR/LF would split the Location header)."""
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F or ch == "\\" for ch in target):
        return None
    return target


def _throttle_policy() -> ThrottlePolicy:
    config = current_app.config
    return ThrottlePolicy(per_user=int(config.get("LOGIN_MAX_FAILURES_PER_USER", 10)),
                          per_address=int(config.get("LOGIN_MAX_FAILURES_PER_ADDRESS", 30)),
                          window=float(config.get("LOGIN_THROTTLE_SECONDS", 900)))


def _throttled(seconds: int):
    minutes = max(1, -(-seconds // 60))
    flash(f"登录失败次数过多，已暂停登录，请 {minutes} 分钟后再试；如忘记密码，请联系管理员重置。", "error")
    response = make_response(render_template("login.html"), 429)
    response.headers["Retry-After"] = str(seconds)
    return response


@bp.route("/login", methods=["GET", "POST"])
def login_page():
    if request.method == "POST":
        db, name = get_db(), request.form.get("name", "")
        address = request.remote_addr or ""
        # Checked before the password, so a locked account answers the same whether or not the
        # password was right, and refused attempts cost no password-hashing CPU.
        wait = locked_for(db, name, address)
        if wait:
            return _throttled(wait)
        actor = authenticate(db, name, request.form.get("password", ""))
        if actor is None:
            locked = record_failure(db, name, address, _throttle_policy())
            if locked:
                return _throttled(locked)
            flash("用户名或密码错误", "error")
            return render_template("login.html"), 401
        record_success(db, name)
        login(actor)
        target = safe_next(request.args.get("next", ""))
        return redirect(target or url_for("pages.home"))
    return render_template("login.html")


@bp.post("/logout")
def logout_page():
    logout()
    return redirect(url_for("pages.login_page"))


@bp.get("/")
@login_required()
def home():
    actor = current_actor()
    if actor.role == "editor":
        return redirect(url_for("pages.mine"))
    if actor.role == "reviewer":
        return redirect(url_for("pages.queue"))
    if actor.role == "admin":
        return redirect(url_for("pages.users"))
    return redirect(url_for("pages.all_submissions"))


# -- editors ------------------------------------------------------------------------------------

@bp.before_app_request
def strip_nul_from_forms():
    """Page forms (not the API, which refuses them with 400): NUL characters are removed from every
    submitted value, with one notice. They are never part of a real draft, are invisible on the
    page, and truncate text in C-based tools downstream."""
    if request.method != "POST" or request.path.startswith("/api/") or not request.form:
        return
    if not any("\x00" in v for v in request.form.values()):
        return
    request.form = MultiDict([(k, v.replace("\x00", "")) for k, v in request.form.items(multi=True)])
    flash("提交的内容中含 NUL 控制字符（\\u0000），已自动删除。", "error")


def _draft_from_form(form) -> dict:
    draft = {"title": form.get("title", "").strip(), "body": form.get("body", ""),
             "format": form.get("format") or None, "channel": form.get("channel") or "website",
             "doc_type": form.get("doc_type") or "news", "unit": form.get("unit", "").strip()}
    if form.get("publish_at"):
        value = form["publish_at"]
        draft["publish_at"] = value if "+" in value[10:] else value + ("" if len(value) > 16 else ":00") + "+08:00"
    if form.get("external_id"):
        draft["id"] = form["external_id"].strip()
    return {k: v for k, v in draft.items() if v is not None}


@bp.route("/submit", methods=["GET", "POST"])
@login_required("editor", "admin")
def submit():
    form = request.form if request.method == "POST" else {}
    context = {"form": form, "channels": CHANNELS, "doc_types": DOC_TYPES, "result": None}
    if request.method == "POST":
        draft = _draft_from_form(request.form)
        if request.form.get("action") == "check":
            try:
                report = get_gate().check(draft)
            except DraftError as exc:
                flash(f"稿件格式错误：{exc.message}", "error")
                return render_template("submit.html", **context), 400
            rows = render.finding_rows(report.to_dict()["findings"])
            fields = render.plain_fields(draft)
            context["result"] = {"report": report.to_dict(), "rows": rows,
                                 "title": render.highlight(fields["title"], rows, "title"),
                                 "body": render.highlight(fields["body"], rows, "body")}
            return render_template("submit.html", **context)
        try:
            result = get_reviews().submit(current_actor(), draft, acknowledge=request.form.getlist("acknowledge"),
                                          note=request.form.get("note", ""))
        except WorkflowError as exc:
            refused(exc)
            return render_template("submit.html", **context), exc.status
        if result["status"] == "blocked":
            flash("稿件含阻断问题，已保存但未送审：请按提示修改后重新提交，或请审核人填写理由放行。", "error")
        else:
            flash("已提交送审。", "ok")
        return redirect(url_for("pages.detail", sid=result["id"]))
    return render_template("submit.html", **context)


@bp.get("/mine")
@login_required()
def mine():
    return render_template("list.html", heading="我的稿件", items=get_reviews().mine(current_actor()))


@bp.get("/submissions")
@login_required("reviewer", "admin", "inspector")
def all_submissions():
    status = request.args.get("status") or None
    return render_template("list.html", heading="全部稿件", items=get_reviews().all(status), status=status)


@bp.get("/queue")
@login_required("reviewer")
def queue():
    return render_template("queue.html", queue=get_reviews().queue(current_actor()))


# -- one submission -----------------------------------------------------------------------------

def _detail_context(sid: str) -> dict:
    reviews = get_reviews()
    actor = current_actor()
    sub = reviews.get(actor, sid)
    versions = sub["versions"]
    current = versions[-1]
    rows = render.finding_rows(current["report"]["findings"])
    acked = {a["finding_key"] for a in sub["acknowledgements"] if a["content_sha256"] == current["content_sha256"]}
    overridden = {o["finding_key"]: o for o in sub["overrides"] if o["content_sha256"] == current["content_sha256"]}
    for r in rows:
        r["acknowledged"] = r["key"] in acked
        r["override"] = overridden.get(r["key"])
    fields = render.plain_fields(current["draft"])
    # The diff against the last version this reviewer decided on, else against the previous one.
    base_number = reviews.last_reviewed_version(actor, sid)
    base_label = "您上次审核的"
    if not base_number or base_number == current["number"]:
        base_number, base_label = (current["number"] - 1, "上一") if current["number"] > 1 else (None, "")
    diff = None
    if base_number:
        base_fields = render.plain_fields(versions[base_number - 1]["draft"])
        diff = {"number": base_number, "label": base_label,
                "title": render.diff_html(base_fields["title"], fields["title"]),
                "body": render.diff_html(base_fields["body"], fields["body"])}
    stage = sub["current_stage"]
    acted = {d["stage_key"] for d in sub["decisions"] if d["actor_id"] == actor.id}
    is_author = sub["author"]["id"] == actor.id
    can_decide = bool(stage and not is_author and eligible(actor, stage) and not (acted - {stage["key"]}))
    can_override = (actor.role == "reviewer" and not is_author and bool(sub["missing_overrides"])
                    and sub["status"] in ("blocked", "in_review")
                    and (stage is None or stage.get("can_override", True)))
    draft = current["draft"]
    return {
        "sub": sub, "current": current, "rows": rows, "draft": draft,
        "title_html": render.highlight(fields["title"], rows, "title"),
        "body_html": render.highlight(fields["body"], rows, "body"),
        "preview_html": render.sanitize_html(draft.get("body", "")) if current["report"] and
        (draft.get("format") or "html") == "html" and "<" in draft.get("body", "") else None,
        "diff": diff, "can_decide": can_decide, "can_override": can_override, "is_author": is_author,
        "can_edit": is_author and sub["status"] != "published",
        "can_send": is_author and (sub["status"] == "rejected"
                                   or (sub["status"] == "blocked" and not sub["missing_overrides"])),
        "trail": audit.events(get_db(), submission_id=sid),
        "channels": CHANNELS, "doc_types": DOC_TYPES,
    }


@bp.get("/submissions/<sid>")
@login_required()
def detail(sid):
    return render_template("detail.html", **_detail_context(sid))


def _back(sid):
    return redirect(url_for("pages.detail", sid=sid))


@bp.post("/submissions/<sid>/decide")
@login_required()
def decide(sid):
    form = request.form
    overrides = [{"finding": key, "reason": form.get(f"reason-{key}", "")}
                 for key in form.getlist("override") if form.get(f"reason-{key}", "").strip()]
    try:
        get_reviews().decide(current_actor(), sid, stage=form.get("stage", ""), decision=form.get("decision", ""),
                             opinion=form.get("opinion", ""), content_sha256=form.get("content_sha256", ""),
                             overrides=overrides or None)
    except WorkflowError as exc:
        refused(exc)
        return _back(sid)
    flash("审核意见已提交。", "ok")
    return redirect(url_for("pages.queue"))


@bp.post("/submissions/<sid>/override")
@login_required()
def override(sid):
    form = request.form
    items = [{"finding": key, "reason": form.get(f"reason-{key}", "")} for key in form.getlist("override")]
    try:
        get_reviews().override(current_actor(), sid, form.get("content_sha256", ""), items)
    except WorkflowError as exc:
        refused(exc)
        return _back(sid)
    flash("已记录放行理由。", "ok")
    return _back(sid)


@bp.post("/submissions/<sid>/acknowledge")
@login_required()
def acknowledge(sid):
    try:
        get_reviews().acknowledge(current_actor(), sid, request.form.getlist("acknowledge"))
    except WorkflowError as exc:
        refused(exc)
        return _back(sid)
    flash("已确认所选警告。", "ok")
    return _back(sid)


@bp.post("/submissions/<sid>/resubmit")
@login_required()
def resubmit(sid):
    try:
        result = get_reviews().resubmit(current_actor(), sid, _draft_from_form(request.form),
                                        acknowledge=request.form.getlist("acknowledge"),
                                        note=request.form.get("note", ""))
    except WorkflowError as exc:
        refused(exc)
        return _back(sid)
    flash("已提交新版本。" if result["status"] != "blocked" else "新版本仍含阻断问题，未送审。",
          "ok" if result["status"] != "blocked" else "error")
    return _back(sid)


@bp.post("/submissions/<sid>/send")
@login_required()
def send(sid):
    try:
        get_reviews().send_to_review(current_actor(), sid)
    except WorkflowError as exc:
        refused(exc)
        return _back(sid)
    flash("已送审。", "ok")
    return _back(sid)


@bp.get("/submissions/<sid>/sheet")
@login_required()
def sheet(sid):
    reviews = get_reviews()
    sub = reviews.get(current_actor(), sid)
    trail = audit.events(get_db(), submission_id=sid)
    approved = next((v for v in reversed(sub["versions"]) if v["content_sha256"] == sub["approved_sha256"]), None)
    shown_version = approved or sub["versions"][-1]
    submitted = next((e["ts"] for e in trail if e["action"] == "submission.create"), sub["created_at"])
    return render_template("sheet.html", sub=sub, trail=trail, version=shown_version,
                           rows=render.finding_rows(shown_version["report"]["findings"]),
                           verify=audit.verify(get_db()), submitted=submitted, now=audit.now_cst())


# -- administration -----------------------------------------------------------------------------

@bp.route("/admin/users", methods=["GET", "POST"])
@login_required("admin")
def users():
    db = get_db()
    if request.method == "POST":
        form = request.form
        groups = [g.strip() for g in form.get("groups", "").replace("，", ",").split(",") if g.strip()]
        try:
            if form.get("action") == "update":
                update_user(db, form.get("name", ""), by=current_actor(), role=form.get("role") or None,
                            title=form.get("title"), unit=form.get("unit"), groups=groups,
                            active=form.get("active") == "1", password=form.get("password") or None)
                flash(f"已更新用户 {form.get('name')}。", "ok")
            else:
                create_user(db, form.get("name", "").strip(), form.get("role", ""), form.get("password", ""),
                            display_name=form.get("display_name", "").strip(), title=form.get("title", "").strip(),
                            unit=form.get("unit", "").strip(), groups=groups, by=current_actor())
                flash(f"已创建用户 {form.get('name')}。", "ok")
        except AccountError as exc:
            flash(str(exc), "error")
        return redirect(url_for("pages.users"))
    return render_template("users.html", users=list_users(db), roles=ROLES)


@bp.route("/admin/workflows", methods=["GET", "POST"])
@login_required("admin")
def workflows():
    db = get_db()
    text = None
    if request.method == "POST":
        text = request.form.get("config", "")
        try:
            save_workflow(db, json.loads(text), by=current_actor())
            flash("审核流程已保存。", "ok")
            return redirect(url_for("pages.workflows"))
        except json.JSONDecodeError as exc:
            flash(f"JSON 格式错误：{exc}", "error")
        except WorkflowError as exc:
            refused(exc)
    items = load_workflows(db)
    return render_template("workflows.html", items=items, text=text,
                           pretty={w["key"]: json.dumps(w, ensure_ascii=False, indent=2) for w in items})


__all__ = ["bp", "finding_key"]
