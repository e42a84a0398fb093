"""RFC 9457 problem details with Chinese title/detail, for every error the service returns."""

from __future__ import annotations

import json

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException

from ..workflow import WorkflowError

__all__ = ["problem", "problem_from", "init_app", "wants_problem_json"]

PROBLEM_TYPE = "urn:pubgate:problem:"

# Chinese titles/details for the HTTP errors werkzeug raises by itself.
HTTP_TEXT = {
    400: ("请求格式错误", "请求无法解析。"),
    401: ("需要认证", "请登录，或在 Authorization 头中提供 Bearer 令牌。"),
    403: ("没有权限", "您没有执行此操作的权限。"),
    404: ("资源不存在", "请求的地址或资源不存在。"),
    405: ("方法不允许", "该地址不支持此请求方法。"),
    409: ("冲突", "请求与当前状态冲突。"),
    413: ("请求体过大", "请求体超过服务允许的上限，请缩减稿件或附件内容。"),
    415: ("内容类型不支持", "请以 application/json 提交。"),
    422: ("无法处理", "请求格式正确，但审核流程拒绝执行。"),
    429: ("请求过多", "请求过于频繁，请稍后再试。"),
    500: ("服务内部错误", "服务出现内部错误，已记录，请联系管理员。"),
    503: ("服务繁忙", "服务暂时不可用（数据库繁忙），请稍后重试。"),
}


def problem(status: int, title: str | None = None, detail: str | None = None, *, slug: str | None = None,
            **extra) -> Response:
    default_title, default_detail = HTTP_TEXT.get(status, ("错误", ""))
    body = {"type": PROBLEM_TYPE + (slug or str(status)), "title": title or default_title,
            "status": status, "detail": detail or default_detail}
    if request:
        body["instance"] = request.path
    body.update(extra)
    return Response(json.dumps(body, ensure_ascii=False), status=status,
                    content_type="application/problem+json; charset=utf-8")


def problem_from(exc: WorkflowError) -> Response:
    slug = type(exc).__name__.lower()
    return problem(exc.status, exc.title, exc.detail, slug=slug, **exc.extra)


def wants_problem_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json", "application/problem+json"])
    return best in ("application/json", "application/problem+json")


def _page_or_problem(status: int, title: str, detail: str) -> Response | tuple:
    if wants_problem_json():
        return problem(status, title, detail)
    return render_template("error.html", status=status, title=title, detail=detail), status


def init_app(app: Flask) -> None:
    @app.errorhandler(WorkflowError)
    def on_workflow_error(exc: WorkflowError):
        if wants_problem_json():
            return problem_from(exc)
        return render_template("error.html", status=exc.status, title=exc.title, detail=exc.detail), exc.status

    @app.errorhandler(HTTPException)
    def on_http_error(exc: HTTPException):
        status = exc.code or 500
        title, detail = HTTP_TEXT.get(status, (exc.name, exc.description or ""))
        custom = getattr(exc, "pubgate_detail", None)
        return _page_or_problem(status, title, custom or detail)

    @app.errorhandler(Exception)
    def on_unexpected(exc: Exception):
        import sqlite3

        if isinstance(exc, HTTPException):  # pragma: no cover - handled above
            return on_http_error(exc)
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            return _page_or_problem(503, *HTTP_TEXT[503])
        app.logger.exception("unhandled error on %s", request.path)
        return _page_or_problem(500, *HTTP_TEXT[500])
