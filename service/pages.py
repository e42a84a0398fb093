"""Server-rendered pages in Simplified Chinese: 提交稿件, 我的稿件, 待我审核, 稿件详情 (an editor with
the findings beside it), 通知, 审核单 (and its PDF), 用户管理, 审核流程.

Same rules as the API (the core enforces them); a refused form action comes back as a message
on the page it was posted from.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime

from flask import (Blueprint, Response, abort, current_app, flash, jsonify, make_response, redirect, render_template,
                   request, url_for)
from werkzeug.datastructures import MultiDict

from .. import audit, notifications
from ..accounts import ROLE_LABELS, ROLES, AccountError, authenticate, create_user, get_user, list_users, update_user
from ..login_throttle import ThrottlePolicy, locked_for, record_failure, record_success
from ..model import CHANNELS, DOC_TYPES, DraftError, VERDICT_LABELS
from ..publish_rights import may_publish, require_publish_right
from ..workflow import (DECISION_LABELS, STATUS_LABELS, WorkflowError, eligible, finding_key, load_workflows,
                        save_workflow)
from . import finding_advice, pattern_text, render, sheet_pdf, workflow_form
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
            "VERDICT_LABELS": VERDICT_LABELS, "ACTION_LABELS": audit.ACTION_LABELS,
            "humanize_pattern": pattern_text.humanize}


@bp.app_context_processor
def pending():
    """``pending_count()`` for the header's 待我处理 badge (unread notifications)."""
    def pending_count() -> int:
        actor = current_actor()
        return notifications.unread_count(get_db(), actor.id) if actor else 0

    return {"pending_count": pending_count}


@bp.app_template_filter("short_time")
def short_time(value) -> str:
    """``2026-12-04T22:12:44.107+08:00`` → ``2026-12-04 22:12`` (times are kept in +08:00)."""
    if not value:
        return ""
    try:
        return datetime.fromisoformat(str(value)).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(value)[:16].replace("T", " ")


def annotated_rows(findings: list[dict]) -> list[dict]:
    """Numbered finding rows with 采纳-ability and the dictionary entry's 说明 and 依据."""
    from .dictionary_admin import live_gate

    return finding_advice.annotate(render.finding_rows(findings), get_db(), live_gate().base_files)


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
    # Browsers post a textarea's line breaks as CRLF while its script sees LF: keep LF, so that
    # finding offsets mean the same in the editor, in a re-check and in the stored version.
    draft = {"title": form.get("title", "").strip(), "body": form.get("body", "").replace("\r\n", "\n"),
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
    rows = annotated_rows(current["report"]["findings"])
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
    can_edit = is_author and sub["status"] != "published"
    editor_rows = [{k: r.get(k) for k in ("n", "key", "rule", "field", "start", "end", "text", "message", "suggestion",
                                          "severity", "severity_label", "category_label", "replaceable", "note",
                                          "basis", "acknowledged")} for r in rows]
    return {
        "sub": sub, "current": current, "rows": rows, "draft": draft,
        "returned": notifications.latest_return(get_db(), sid),
        "can_publish": sub["status"] == "approved" and may_publish(get_db(), actor, sid),
        "editor_rows": editor_rows if can_edit else None,
        "title_html": render.highlight(fields["title"], rows, "title"),
        "body_html": render.highlight(fields["body"], rows, "body"),
        "preview_html": render.sanitize_html(draft.get("body", "")) if current["report"] and
        (draft.get("format") or "html") == "html" and "<" in draft.get("body", "") else None,
        "diff": diff, "can_decide": can_decide, "can_override": can_override, "is_author": is_author,
        "can_edit": can_edit,
        "can_send": is_author and (sub["status"] == "rejected"
                                   or (sub["status"] == "blocked" and not sub["missing_overrides"])),
        "trail": audit.events(get_db(), submission_id=sid),
        "channels": CHANNELS, "doc_types": DOC_TYPES,
    }


@bp.get("/submissions/<sid>")
@login_required()
def detail(sid):
    context = _detail_context(sid)
    notifications.mark_read(get_db(), current_actor().id, sid)  # seen: no longer 待我处理
    return render_template("detail.html", **context)


@bp.post("/submissions/<sid>/recheck")
@login_required()
def recheck(sid):
    """The editor's 重新检查: the edited, unsaved text through the same Gate; nothing stored
    (like /api/v1/check, a spell-check). JSON in and out; CSRF comes in the X-CSRF-Token header."""
    sub = get_reviews().get(current_actor(), sid)
    if sub["author"]["id"] != current_actor().id:
        return jsonify({"title": "没有权限", "detail": "只有拟稿人可以修改稿件"}), 403
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify({"title": "请求格式错误", "detail": "应为 JSON 对象"}), 400
    draft = _draft_from_form({k: v for k, v in data.items() if isinstance(v, str)})
    try:
        report = get_gate().check(draft).to_dict()
    except DraftError as exc:
        return jsonify({"title": "稿件格式错误", "detail": exc.message}), 400
    rows = annotated_rows(report["findings"])
    return jsonify({"verdict": report["verdict"], "verdict_label": VERDICT_LABELS[report["verdict"]],
                    "content_sha256": report["content_sha256"],
                    "findings": [{k: r.get(k) for k in ("n", "key", "rule", "field", "start", "end", "text", "message",
                                                         "suggestion", "severity", "severity_label", "category_label",
                                                         "replaceable", "note", "basis")} for r in rows]})


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


def _reasons(form) -> dict:
    return {key: form.get(f"ack-reason-{key}", "") for key in form.getlist("acknowledge")}


@bp.post("/submissions/<sid>/acknowledge")
@login_required()
def acknowledge(sid):
    data = request.get_json(silent=True) if request.is_json else None
    if isinstance(data, dict):  # the editor's 忽略: one finding with its reason
        key, reason = data.get("finding"), data.get("reason")
        if not isinstance(key, str) or not isinstance(reason, str) or not reason.strip():
            return jsonify({"title": "缺少理由", "detail": "忽略问题须填写理由"}), 422
        try:
            shown = get_reviews().acknowledge(current_actor(), sid, [key], {key: reason})
        except WorkflowError as exc:
            return jsonify({"title": exc.title, "detail": exc.detail}), exc.status
        return jsonify({"acknowledged": [f["rule"] for f in shown]})
    try:
        get_reviews().acknowledge(current_actor(), sid, request.form.getlist("acknowledge"), _reasons(request.form))
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
                                        note=request.form.get("note", ""), reasons=_reasons(request.form))
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


@bp.post("/submissions/<sid>/publish")
@login_required()
def publish(sid):
    """发布 from the pages after 终审: the same right check and publish gate as the API."""
    actor, db = current_actor(), get_db()
    url = request.form.get("url", "").strip()
    if not url.startswith(("https://", "http://")) or any(c.isspace() for c in url):
        flash("请填写稿件发布后的网址（以 http:// 或 https:// 开头）。", "error")
        return _back(sid)
    try:
        require_publish_right(db, actor, sid)
    except WorkflowError as exc:
        if exc.status == 403:  # recorded, as in the API: an attempt to publish someone else's draft
            audit.append(db, "publish.refuse", actor=actor, submission_id=sid, decision="refuse",
                         opinion=exc.detail, payload={"status": 403, "title": exc.title})
        refused(exc)
        return _back(sid)
    try:
        get_reviews().publish(actor, sid, content_sha256=request.form.get("content_sha256", ""), url=url)
    except WorkflowError as exc:
        refused(exc)
        return _back(sid)
    flash("已记录发布。", "ok")
    return _back(sid)


def _sheet_context(sid: str) -> dict:
    db = get_db()
    sub = get_reviews().get(current_actor(), sid)
    trail = audit.events(db, submission_id=sid)
    names = {r[0]: r[1] or r[2] for r in db.conn.execute("SELECT id, display_name, name FROM users")}
    for number, event in enumerate(trail, 1):  # per-draft numbering; the chain seq stays in the export
        event["n"] = number
        event["who"] = names.get(event["actor_id"], event["actor_name"]) if event["actor_id"] else "系统"
    approved = next((v for v in reversed(sub["versions"]) if v["content_sha256"] == sub["approved_sha256"]), None)
    shown_version = approved or sub["versions"][-1]
    submitted = next((e["ts"] for e in trail if e["action"] == "submission.create"), sub["created_at"])
    last = {}
    for e in trail:  # the current round's decision per stage, for the signature lines
        if e["action"] in ("review.approve", "review.reject") and e["payload"].get("round") == sub["round"]:
            last[e["payload"].get("stage_key")] = e
    return {"sub": sub, "trail": trail, "version": shown_version,
            "rows": annotated_rows(shown_version["report"]["findings"]),
            "verify": audit.verify(db), "submitted": submitted, "now": audit.now_cst(), "signed": last}


@bp.get("/submissions/<sid>/sheet")
@login_required()
def sheet(sid):
    return render_template("sheet.html", **_sheet_context(sid))


@bp.get("/submissions/<sid>/sheet.pdf")
@login_required()
def sheet_download(sid):
    """The 审核单 as PDF, printed by headless Chromium from the same template (styles inlined)."""
    context = _sheet_context(sid)
    html = render_template("sheet.html", for_pdf=True, inline_css=sheet_pdf.stylesheet(current_app), **context)
    try:
        pdf = sheet_pdf.html_to_pdf(html, current_app.config.get("CHROMIUM_PATH"))
    except sheet_pdf.PdfUnavailable as exc:
        return render_template("error.html", status=503, title="无法生成 PDF", detail=str(exc)), 503
    filename = f"审核单-{sid}.pdf"
    response = Response(pdf, content_type="application/pdf")
    response.headers["Content-Disposition"] = (f"attachment; filename=sheet-{sid}.pdf; "
                                               f"filename*=UTF-8''{_quote(filename)}")
    return response


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


# -- notifications ------------------------------------------------------------------------------

@bp.get("/notifications")
@login_required()
def notification_list():
    actor = current_actor()
    return render_template("notifications.html", items=notifications.for_user(get_db(), actor.id))


@bp.post("/notifications/read")
@login_required()
def notifications_read():
    notifications.mark_all_read(get_db(), current_actor().id)
    return redirect(url_for("pages.notification_list"))


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
                user = update_user(db, form.get("name", ""), by=current_actor(), role=form.get("role") or None,
                                   title=form.get("title"), unit=form.get("unit"), groups=groups,
                                   active=form.get("active") == "1", password=form.get("password") or None)
                notifications.set_email(db, get_user(db, name=form.get("name", "")) or user,
                                        form.get("email", ""), by=current_actor())
                flash(f"已更新用户 {form.get('name')}。", "ok")
            else:
                user = create_user(db, form.get("name", "").strip(), form.get("role", ""), form.get("password", ""),
                                   display_name=form.get("display_name", "").strip(),
                                   title=form.get("title", "").strip(), unit=form.get("unit", "").strip(),
                                   groups=groups, by=current_actor())
                if form.get("email", "").strip():
                    notifications.set_email(db, user, form["email"], by=current_actor())
                flash(f"已创建用户 {form.get('name')}。", "ok")
        except (AccountError, ValueError) as exc:
            flash(str(exc), "error")
        return redirect(url_for("pages.users"))
    return render_template("users.html", users=list_users(db), roles=ROLES, emails=notifications.emails(db))


@bp.route("/admin/workflows", methods=["GET", "POST"])
@login_required("admin")
def workflows():
    """Stages, who acts at each (roles, groups, users) and where a workflow applies, as a form;
    the JSON stays available behind 详情 (and still accepted, for copying between sites)."""
    db = get_db()
    text, posted = None, None
    if request.method == "POST":
        try:
            if request.form.get("config"):
                text = request.form["config"]
                config = json.loads(text)
            else:
                posted = config = workflow_form.from_form(request.form)
            save_workflow(db, config, by=current_actor())
            flash(f"审核流程「{config.get('name') or config.get('key')}」已保存。", "ok")
            return redirect(url_for("pages.workflows"))
        except json.JSONDecodeError as exc:
            flash(f"JSON 格式错误：{exc}", "error")
        except WorkflowError as exc:
            refused(exc)
    items = load_workflows(db)
    return render_template("workflows.html", items=items, text=text, posted=posted, channels=CHANNELS,
                           doc_types=DOC_TYPES, stage_roles=workflow_form.STAGE_ROLES,
                           pretty={w["key"]: json.dumps(w, ensure_ascii=False, indent=2) for w in items})


__all__ = ["bp", "finding_key"]
