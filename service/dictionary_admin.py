"""Dictionary administration over HTTP: ``/api/v1/dictionary/...`` and the pages ``/dictionary/...``.

Views translate HTTP to ``pubgate.site_dictionary`` (the store, its validation and versions) and
``pubgate.dictionary_csv`` (files) and back; every rule lives there. ``init_app`` registers both
blueprints and keeps the process's Gate on the current dictionary version: before each request
one indexed read of the version counter, and when it moved the live gate swaps in the new Gate
(``extension.get_gate()`` then returns it), so a change takes effect for the next check in every
worker without a restart.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta

from flask import (Blueprint, Flask, Response, abort, current_app, flash, redirect, render_template, request,
                   url_for)

from .. import audit
from .. import dictionary_csv as dc
from .. import site_dictionary as sd
from ..model import CATEGORY_LABELS, CHANNELS, DOC_TYPES, SEVERITY_LABELS, Category
from ..workflow import Forbidden, Invalid, WorkflowError
from .db import get_db
from .json_input import parse_json
from .pages import login_required
from .security import current_actor, require_actor

__all__ = ["init_app", "live_gate", "api", "pages"]

api = Blueprint("dictionary_api", __name__, url_prefix="/api/v1/dictionary")
pages = Blueprint("dictionary_pages", __name__, url_prefix="/dictionary")

DRY_RUN_DAYS = 30
DRY_RUN_MAX_SUBMISSIONS = 2000


# -- the live gate ---------------------------------------------------------------------------------

def live_gate() -> sd.LiveGate:
    state = current_app.extensions["pubgate"]
    live = state.get("live_gate")
    if live is None:
        with state.setdefault("live_gate_lock", threading.Lock()):
            live = state.get("live_gate")
            if live is None:
                from .extension import build_gate

                base = state.get("gate") or build_gate(current_app.config)
                live = sd.LiveGate(gate=base)
                state["live_gate"] = live
    return live


def _sync_gate() -> None:
    """Point ``extension.get_gate()`` at the Gate of the current dictionary version."""
    if request.endpoint == "static":
        return
    state = current_app.extensions["pubgate"]
    gate = live_gate().current(get_db())
    if state.get("gate") is not gate:
        state["gate"] = gate  # one reference assignment: requests in flight keep the Gate they hold


def init_app(app: Flask) -> None:
    if "dictionary_api" in app.blueprints:
        return
    app.register_blueprint(api)
    app.register_blueprint(pages)
    app.before_request(_sync_gate)


# -- helpers ------------------------------------------------------------------------------------------

def _json(payload, status: int = 200) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False, default=str), status=status,
                    content_type="application/json; charset=utf-8")


def _body() -> dict:
    value = parse_json(request.get_data(cache=True), empty={})  # malformed input is a 400 (json_input.py)
    if not isinstance(value, dict):
        raise Invalid("请求格式错误", "请求体应为 JSON 对象")
    return value


def _entry_from(body: dict) -> dict:
    entry = body.get("entry", body)
    if not isinstance(entry, dict):
        raise Invalid("请求格式错误", "entry 应为对象")
    return {k: v for k, v in entry.items() if k not in ("reason", "expected_revision", "entry", "days")}


def _search_args() -> dict:
    def integer(name: str, default: int, top: int) -> int:
        try:
            return max(0, min(top, int(request.args.get(name, default))))
        except ValueError:
            return default

    return {"q": request.args.get("q", ""), "category": request.args.get("category", ""),
            "rule": request.args.get("rule", ""), "layer": request.args.get("layer", ""),
            "status": request.args.get("status", ""), "limit": integer("limit", 50, 500) or 50,
            "offset": integer("offset", 0, 10**9)}


def recent_submissions(db, days: int):
    """(id, title, plain text, scope) of the latest version of each submission of the last ``days``."""
    from .render import plain_fields

    since = (datetime.now(audit.CST) - timedelta(days=days)).isoformat(timespec="milliseconds")
    rows = db.conn.execute(
        "SELECT v.submission_id, v.draft FROM versions v JOIN submissions s ON s.id = v.submission_id "
        "AND v.number = s.current_version WHERE v.created_at >= ? ORDER BY v.created_at DESC LIMIT ?",
        [since, DRY_RUN_MAX_SUBMISSIONS]).fetchall()
    for sid, draft_json in rows:
        draft = json.loads(draft_json)
        fields = plain_fields(draft)
        scope = {k: draft[k] for k in ("doc_type", "channel", "publish_at") if draft.get(k)}
        yield sid, fields["title"], fields["body"], scope


def _dry_run(entry: dict, days: int) -> dict:
    live = live_gate()
    result = sd.dry_run(entry, recent_submissions(get_db(), days), allow_phrases=live.allow_phrases)
    result["days"] = days
    return result


# -- API ------------------------------------------------------------------------------------------------

@api.get("/entries")
@require_actor()
def api_search():
    sd.require_reader(current_actor())
    return _json(sd.search_entries(get_db(), shipped=live_gate().base_files, **_search_args()))


@api.post("/entries")
@require_actor("admin")
def api_create():
    body = _body()
    live = live_gate()
    row = sd.create_entry(get_db(), current_actor(), _entry_from(body), reason=body.get("reason", ""),
                          validator=live.validator(), source="api")
    return _json(row, 201)


@api.get("/entries/<path:key>")
@require_actor()
def api_get(key):
    sd.require_reader(current_actor())
    row = sd.get_entry(get_db(), key, shipped=live_gate().base_files)
    row["history"] = sd.history(get_db(), key)
    return _json(row)


@api.put("/entries/<path:key>")
@require_actor("admin")
def api_update(key):
    body = _body()
    row = sd.update_entry(get_db(), current_actor(), key, _entry_from(body), reason=body.get("reason", ""),
                          expected_revision=body.get("expected_revision"), validator=live_gate().validator(),
                          source="api")
    return _json(row)


@api.post("/entries/<path:key>/retire")
@require_actor("admin")
def api_retire(key):
    body = _body()
    return _json(sd.retire_entry(get_db(), current_actor(), key, expected_revision=body.get("expected_revision"),
                                 reason=body.get("reason", ""), source="api"))


@api.post("/entries/<path:key>/restore")
@require_actor("admin")
def api_restore(key):
    body = _body()
    return _json(sd.restore_entry(get_db(), current_actor(), key, expected_revision=body.get("expected_revision"),
                                  reason=body.get("reason", ""), validator=live_gate().validator(), source="api"))


@api.post("/shipped/<path:key>/disable")
@require_actor("admin")
def api_disable(key):
    body = _body()
    return _json(sd.disable_shipped(get_db(), current_actor(), key, reason=body.get("reason", ""),
                                    shipped_keys=live_gate().shipped_keys,
                                    expected_revision=body.get("expected_revision"), source="api"))


@api.post("/shipped/<path:key>/enable")
@require_actor("admin")
def api_enable(key):
    body = _body()
    return _json(sd.enable_shipped(get_db(), current_actor(), key, expected_revision=body.get("expected_revision"),
                                   reason=body.get("reason", ""), source="api"))


@api.post("/validate")
@require_actor()
def api_validate():
    """Would this entry be accepted? (nothing is saved)"""
    sd.require_reader(current_actor())
    rule, body = sd.clean_body(_entry_from(_body()))
    result = live_gate().validator().validate([(rule, body)])[0]
    return _json({"ok": not isinstance(result, str), "key": sd.entry_key(rule, body["id"]),
                  "reason": result if isinstance(result, str) else None})


@api.post("/dry-run")
@require_actor()
def api_dry_run():
    sd.require_reader(current_actor())
    body = _body()
    days = body.get("days", DRY_RUN_DAYS)
    if not isinstance(days, int) or not 1 <= days <= 366:
        raise Invalid("参数无效", "days 应为 1–366 的整数")
    return _json(_dry_run(_entry_from(body), days))


@api.post("/import")
@require_actor()
def api_import():
    """Body: the file (CSV, YAML or zip) as multipart ``file`` or as the raw body with ``?filename=``.
    ``?apply=1`` applies (with ``?reason=``); otherwise a preview. Admins only, the preview too:
    parsing an upload costs CPU and memory (zips are capped, see ``dictionary_csv``)."""
    _require_importer(current_actor())
    apply = request.args.get("apply") in ("1", "true")
    if "file" in request.files:
        upload = request.files["file"]
        filename, data = upload.filename or "", upload.read()
    else:
        filename, data = request.args.get("filename", "import.csv"), request.get_data()
    rows = dc.parse_upload(filename, data, rule=request.args.get("rule", ""),
                           default_category=request.args.get("category", ""))
    report = sd.import_entries(get_db(), current_actor(), rows, reason=request.args.get("reason", ""),
                               apply=apply, validator=live_gate().validator(), source=f"import:{filename}"[:200])
    return _json(report.to_dict(limit=1000))


@api.get("/export")
@require_actor()
def api_export():
    sd.require_reader(current_actor())
    return _export(request.args.get("format", "csv"), request.args.get("rule", ""))


def _export(fmt: str, rule: str) -> Response:
    entries = sd.export_entries(get_db(), rule=rule)
    stamp = datetime.now(audit.CST).strftime("%Y%m%d")
    if fmt == "csv":
        return Response(dc.export_csv(entries), content_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename=site-dictionary-{stamp}.csv"})
    if fmt in ("yaml", "zip"):
        rules = {e["rule"] for e in entries}
        if fmt == "yaml" and len(rules) == 1:
            only = rules.pop()
            return Response(dc.export_yaml(only, entries), content_type="application/yaml; charset=utf-8",
                            headers={"Content-Disposition": f"attachment; filename={only.split('.')[-1]}.yml"})
        return Response(dc.export_yaml_zip(entries), content_type="application/zip",
                        headers={"Content-Disposition": f"attachment; filename=site-dictionary-{stamp}.zip"})
    raise Invalid("格式无效", "format 应为 csv、yaml 或 zip")


@api.get("/versions")
@require_actor()
def api_versions():
    sd.require_reader(current_actor())
    return _json({"current": sd.current_version(get_db()), "items": sd.versions(get_db(), limit=200)})


@api.get("/versions/<int:version>")
@require_actor()
def api_snapshot(version):
    sd.require_reader(current_actor())
    return _json(sd.snapshot(get_db(), version))


@api.get("/rulesets/<ruleset>")
@require_actor()
def api_ruleset(ruleset):
    sd.require_reader(current_actor())
    row = sd.explain_ruleset(get_db(), ruleset)
    if row is None:
        raise sd.NotFound("规则集不存在", f"没有记录规则集 {ruleset}（可能来自另一部署或词库管理启用之前）")
    return _json(row)


# -- pages ----------------------------------------------------------------------------------------------

@pages.app_context_processor
def dictionary_labels():
    return {"CATEGORY_LABELS": CATEGORY_LABELS, "SEVERITY_LABELS": SEVERITY_LABELS,
            "DICT_ACTION_LABELS": sd.ACTION_LABELS, "DICT_DOC_TYPES": sd.DOC_TYPE_LABELS,
            "DICT_CHANNELS": sd.CHANNEL_LABELS}


def _form_entry(form) -> dict:
    keys = ("rule", "id", "category", "severity", "match", "pattern", "suggest", "message", "note", "source",
            "exceptions", "valid_from", "valid_to", "flag", "pass")
    entry = {k: form.get(k, "") for k in keys}
    for k in ("fields", "doc_types", "channels"):
        entry[k] = form.getlist(k)
    if not entry["pattern"].strip():
        entry.pop("pattern")
    elif not entry["match"].strip():
        entry.pop("match")
    return entry


def _form_context(**extra) -> dict:
    return {"categories": [c.value for c in Category], "severities": list(SEVERITY_LABELS),
            "doc_types": DOC_TYPES, "channels": CHANNELS, "dry_days": DRY_RUN_DAYS, **extra}


@pages.get("/")
@login_required()
def index():
    sd.require_reader(current_actor())
    args = _search_args()
    result = sd.search_entries(get_db(), shipped=live_gate().base_files, **args)
    return render_template("dictionary_list.html", result=result, args=args, categories=[c.value for c in Category],
                           version=sd.current_version(get_db()))


@pages.route("/new", methods=["GET", "POST"])
@login_required("admin")
def new():
    form = request.form
    context = _form_context(form=form, entry=None, dry=None, refusal=None)
    if request.method == "POST":
        entry = _form_entry(form)
        try:
            if form.get("action") == "dryrun":
                context["dry"] = _dry_run(entry, _days(form))
                return render_template("dictionary_edit.html", **context)
            row = sd.create_entry(get_db(), current_actor(), entry, reason=form.get("reason", ""),
                                  validator=live_gate().validator())
        except WorkflowError as exc:
            context["refusal"] = exc
            return render_template("dictionary_edit.html", **context), exc.status
        flash(f"已新增词条「{row['id']}」（词库版本 {row['dict_version']}），下一次检查起生效。", "ok")
        return redirect(url_for("dictionary_pages.entry", key=row["key"]))
    return render_template("dictionary_edit.html", **context)


def _days(form) -> int:
    try:
        return max(1, min(366, int(form.get("days") or DRY_RUN_DAYS)))
    except ValueError:
        return DRY_RUN_DAYS


@pages.route("/entry/<path:key>", methods=["GET", "POST"])
@login_required()
def entry(key):
    sd.require_reader(current_actor())
    db = get_db()
    live = live_gate()
    row = sd.get_entry(db, key, shipped=live.base_files)
    context = _form_context(entry=row, form=None, dry=None, refusal=None, history=sd.history(db, key))
    if request.method == "POST":
        if current_actor().role not in sd.ADMIN_ROLES:
            abort(403)
        form = request.form
        action = form.get("action")
        try:
            if action == "dryrun":
                context["form"] = form
                context["dry"] = _dry_run(_form_entry(form), _days(form))
                return render_template("dictionary_edit.html", **context)
            if action == "save":
                context["form"] = form
                sd.update_entry(db, current_actor(), key, _form_entry(form), reason=form.get("reason", ""),
                                expected_revision=form.get("expected_revision"), validator=live.validator())
                flash("已保存为新版本，下一次检查起生效。", "ok")
            elif action == "retire":
                sd.retire_entry(db, current_actor(), key, expected_revision=form.get("expected_revision"),
                                reason=form.get("reason", ""))
                flash("已停用该词条，下一次检查起不再提示。", "ok")
            elif action == "restore":
                sd.restore_entry(db, current_actor(), key, expected_revision=form.get("expected_revision"),
                                 reason=form.get("reason", ""), validator=live.validator())
                flash("已恢复该词条。", "ok")
            elif action == "disable":
                sd.disable_shipped(db, current_actor(), key, reason=form.get("reason", ""),
                                   shipped_keys=live.shipped_keys)
                flash("已在本站停用该内置词条。", "ok")
            elif action == "enable":
                sd.enable_shipped(db, current_actor(), key, expected_revision=form.get("expected_revision"),
                                  reason=form.get("reason", ""))
                flash("已恢复该内置词条。", "ok")
            else:
                abort(400)
        except WorkflowError as exc:
            context["refusal"] = exc
            return render_template("dictionary_edit.html", **context), exc.status
        return redirect(url_for("dictionary_pages.entry", key=key))
    return render_template("dictionary_edit.html", **context)


def _require_importer(actor) -> None:
    if actor is None or actor.role not in sd.ADMIN_ROLES:
        raise Forbidden("没有权限", "只有管理员可以导入词库（包括预览）")


@pages.route("/import", methods=["GET", "POST"])
@login_required()
def import_page():
    actor = current_actor()
    _require_importer(actor)
    db = get_db()
    context = {"report": None, "upload_id": None, "filename": None, "categories": [c.value for c in Category]}
    if request.method == "POST":
        form = request.form
        try:
            if form.get("action") == "apply":
                if actor.role not in sd.ADMIN_ROLES:
                    abort(403)
                upload = sd.load_upload(db, form.get("upload_id", ""), actor)
                rows = dc.parse_upload(upload["filename"], upload["data"], rule=upload["rule"],
                                       default_category=upload["category"])
                report = sd.import_entries(db, actor, rows, reason=form.get("reason", ""), apply=True,
                                           validator=live_gate().validator(),
                                           source=f"import:{upload['filename']}"[:200])
                flash(f"导入完成：新增 {len(report.created)} 条，更新 {len(report.updated)} 条，"
                      f"未变 {len(report.unchanged)} 条，错误 {len(report.errors)} 行。", "ok")
                context.update(report=report.to_dict(limit=500), filename=upload["filename"])
                return render_template("dictionary_import.html", **context)
            upload = request.files.get("file")
            if upload is None or not upload.filename:
                raise Invalid("未选择文件", "请选择要导入的 CSV、YAML 或 zip 文件")
            data = upload.read()
            rows = dc.parse_upload(upload.filename, data, rule=form.get("rule", "").strip(),
                                   default_category=form.get("category", ""))
            report = sd.import_entries(db, actor, rows, reason="", apply=False, validator=live_gate().validator())
            upload_id = sd.store_upload(db, actor, upload.filename, data, rule=form.get("rule", "").strip(),
                                        category=form.get("category", ""))
            context.update(report=report.to_dict(limit=500), upload_id=upload_id, filename=upload.filename)
        except WorkflowError as exc:
            flash(f"{exc.title}：{exc.detail}", "error")
            return render_template("dictionary_import.html", **context), exc.status
    return render_template("dictionary_import.html", **context)


@pages.get("/export")
@login_required()
def export():
    sd.require_reader(current_actor())
    return _export(request.args.get("format", "csv"), request.args.get("rule", ""))


@pages.get("/history")
@login_required()
def history_page():
    sd.require_reader(current_actor())
    return render_template("dictionary_history.html", versions=sd.versions(get_db(), limit=200),
                           current=sd.current_version(get_db()))
