"""Who is calling, and whether the request may proceed: API tokens, session login, CSRF,
request signatures and Idempotency-Key replays.

Sessions are server-side (``gate/sessions.py``): the cookie carries a random session token, signed
with a key kept outside the database (a 0600 file beside it, or ``PUBGATE_SECRET_KEY``), and the
``sessions`` table decides whether it is still live, so logout and password changes end it.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
import time
from datetime import date, datetime, timezone

from flask import Flask, Response, g, make_response, request, session
from werkzeug.exceptions import HTTPException

from .. import audit
from ..accounts import Actor, actor_for_token, get_user
from ..secret_file import load_or_create_secret
from ..security_schema import ensure_schema as ensure_security_schema
from ..sessions import DEFAULT_LIFETIME, open_session, revoke_session, session_user_id
from ..workflow import WorkflowError
from . import signing
from .db import get_db
from .errors import problem, problem_from

__all__ = ["init_app", "current_actor", "require_actor", "csrf_token", "idempotent", "login", "logout"]

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


class Refusal(HTTPException):
    """An HTTP error with a Chinese detail (rendered as problem+json or an error page)."""

    def __init__(self, code: int, detail: str):
        super().__init__()
        self.code = code
        self.pubgate_detail = detail


def current_actor() -> Actor | None:
    return g.get("actor")


def csrf_token() -> str:
    """The session's CSRF token (created on first use), for every form."""
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def _csrf_ok(offered: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and offered and hmac.compare_digest(expected, offered))


def login(actor: Actor) -> None:
    """Start a server-side session; a fresh cookie (and CSRF token) guards against fixation."""
    from flask import current_app

    token = open_session(get_db(), actor.id,
                         lifetime=float(current_app.config.get("SESSION_LIFETIME_SECONDS", DEFAULT_LIFETIME)),
                         address=request.remote_addr or "", user_agent=request.user_agent.string or "")
    session.clear()
    session["sid"] = token
    csrf_token()


def logout() -> None:
    """End the session on the server too: a copy of the cookie is worthless afterwards."""
    revoke_session(get_db(), session.get("sid"))
    session.clear()


def _load_actor() -> None:
    g.actor, g.auth = None, None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Refusal(401, "Authorization 头格式应为 Bearer <令牌>")
        actor = actor_for_token(get_db(), token.strip())
        if actor is None:
            raise Refusal(401, "API 令牌无效或已停用")
        g.actor, g.auth = actor, "token"
        return
    sid = session.get("sid")
    if sid is not None:
        user_id = session_user_id(get_db(), sid)
        actor = get_user(get_db(), user_id=user_id) if user_id is not None else None
        if actor is None or not actor.active:
            session.clear()  # logged out, expired, password changed or deactivated
            return
        g.actor, g.auth = actor, "session"


def _check_signature(app: Flask) -> None:
    has_headers = any(h in request.headers for h in ("webhook-id", "webhook-signature", "webhook-timestamp"))
    if not (has_headers or (app.config["REQUIRE_SIGNATURE"] and request.method in UNSAFE)):
        return
    raw = request.get_data(cache=True)
    try:
        webhook_id, version = signing.verify_versioned(
            list(app.config["SIGNING_SECRETS"]), request.headers, raw, tolerance=app.config["SIGNATURE_TOLERANCE"],
            method=request.method, target=signing.request_target(request.path, request.query_string),
            accept_v1=_v1_accepted(app))
    except signing.SignatureError as exc:
        raise Refusal(401, str(exc)) from None
    g.signature_version = version
    db = get_db()
    now = time.time()
    with audit.transaction(db):
        db.conn.execute("DELETE FROM signed_requests WHERE seen_at < ?",
                        [now - 2 * app.config["SIGNATURE_TOLERANCE"]])
        fresh = db.conn.execute("INSERT OR IGNORE INTO signed_requests (webhook_id, seen_at) VALUES (?, ?)",
                                [webhook_id, now]).rowcount
    if not fresh:
        raise Refusal(401, f"webhook-id {webhook_id} 已使用过（疑似重放）；重试请使用新的 webhook-id 并重新签名，"
                           "用 Idempotency-Key 保证不重复处理")


def _v1_accepted(app: Flask) -> bool:
    """The old signature form (no method or path) is accepted until ``SIGNATURE_V1_UNTIL``
    (an ISO date, inclusive; empty refuses it now)."""
    until = app.config.get("SIGNATURE_V1_UNTIL", signing.V1_ACCEPTED_UNTIL)
    if not until:
        return False
    return date.today() <= date.fromisoformat(str(until))


def _deprecation_headers(app: Flask, response):
    # RFC 9745 Deprecation and RFC 8594 Sunset, so CMS operators see the old form is going away.
    if g.get("signature_version") == "v1":
        until = app.config.get("SIGNATURE_V1_UNTIL", signing.V1_ACCEPTED_UNTIL)
        sunset = datetime.combine(date.fromisoformat(str(until)), datetime.max.time(), timezone.utc)
        response.headers["Deprecation"] = f"@{signing.V1_DEPRECATED_AT}"
        response.headers["Sunset"] = sunset.strftime("%a, %d %b %Y %H:%M:%S GMT")
    return response


def _configure_sessions(app: Flask) -> None:
    """Session tables, the cookie signing key outside the database, and the Secure flag."""
    from ..migrations import open_db

    db = open_db(app.config["DATABASE"])
    try:
        ensure_security_schema(db)
    finally:
        db.close()
    if not app.config.get("SECRET_KEY"):
        # Not configured (PUBGATE_SECRET_KEY / config.py): a key file beside the database, 0600.
        path = app.config.get("SESSION_KEY_FILE") or os.path.join(
            os.path.dirname(os.path.abspath(app.config["DATABASE"])), "pubgate-session.key")
        app.config["SECRET_KEY"] = load_or_create_secret(path)
    if str(app.config.get("PREFERRED_URL_SCHEME", "")).lower() == "https":
        app.config["SESSION_COOKIE_SECURE"] = True
    until = app.config.get("SIGNATURE_V1_UNTIL", signing.V1_ACCEPTED_UNTIL)
    if until:
        try:
            date.fromisoformat(str(until))
        except ValueError:
            raise ValueError(f"SIGNATURE_V1_UNTIL 应为日期（如 2027-06-30）或空，当前为 {until!r}") from None


def init_app(app: Flask) -> None:
    _configure_sessions(app)
    app.after_request(lambda response: _deprecation_headers(app, response))

    @app.before_request
    def authenticate():
        if request.endpoint == "static":
            return None
        if request.path.startswith("/api/"):
            _check_signature(app)
        _load_actor()
        if request.method in UNSAFE and g.auth == "session":
            # Pages post forms with a hidden field; scripts using the session send the header.
            offered = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD)
            if not _csrf_ok(offered):
                raise Refusal(403, "表单已过期或缺少安全令牌（CSRF），请刷新页面后重试")
        elif request.method in UNSAFE and g.auth is None and not request.path.startswith("/api/"):
            # Anonymous forms (the login page) carry the token of the anonymous session too.
            if not _csrf_ok(request.form.get(CSRF_FIELD)):
                raise Refusal(403, "表单已过期或缺少安全令牌（CSRF），请刷新页面后重试")
        return None

    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["current_actor"] = current_actor


def require_actor(*roles: str):
    """The caller must be authenticated (token or session) and, when given, hold one of ``roles``."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            actor = current_actor()
            if actor is None:
                raise Refusal(401, "请登录，或在 Authorization 头中提供 Bearer 令牌")
            if roles and actor.role not in roles:
                raise Refusal(403, "您的角色无权执行此操作")
            return view(*args, **kwargs)

        return wrapper

    return decorate


def idempotent(view):
    """Replay the stored answer of a request retried with the same ``Idempotency-Key``.

    The key is scoped to the caller. It is reserved (a short ``BEGIN IMMEDIATE``) before the
    request runs, so two concurrent copies never both execute: the second gets 409 while the
    first is in progress, and the stored answer once it is done. The request itself runs outside
    that lock (a check can take hundreds of milliseconds). A key reused with a different payload
    is refused with 422 (IETF draft-ietf-httpapi-idempotency-key-header). A request that fails
    with a server error releases its key; one whose process died keeps it reserved (409) until the
    reservation expires (``IDEMPOTENCY_RESERVATION_SECONDS``, service/housekeeping.py), so nothing
    is executed twice while it may still be running.
    """

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return view(*args, **kwargs)
        if not key.strip() or len(key) > 200:
            return problem(400, "Idempotency-Key 无效", "Idempotency-Key 应为 1–200 个字符（建议用 UUID）")
        actor = current_actor()
        scoped = f"{'u' + str(actor.id) if actor else 'anon'}:{key}"
        fingerprint = hashlib.sha256(
            request.method.encode() + b" " + request.full_path.encode() + b"\n" + request.get_data(cache=True)
        ).hexdigest()
        db = get_db()
        with audit.transaction(db):
            stored = db.conn.execute("SELECT fingerprint, status, body, content_type FROM idempotency "
                                     "WHERE key = ?", [scoped]).fetchone()
            if stored is None:
                db.conn.execute(
                    "INSERT INTO idempotency (key, fingerprint, status, body, content_type, created_at) "
                    "VALUES (?, ?, 0, '', '', ?)", [scoped, fingerprint, audit.now_cst()])
        if stored is not None:
            if stored[0] != fingerprint:
                return problem(422, "Idempotency-Key 已被使用", "该 Idempotency-Key 已用于内容不同的请求，"
                               "请为新请求生成新的键", slug="idempotency-key-reused")
            if stored[1] == 0:
                return problem(409, "请求正在处理", "使用同一 Idempotency-Key 的请求正在处理（或处理中断），"
                               "请稍后重试；如确认中断，请查询结果后使用新的键", slug="idempotency-in-progress")
            replay = Response(stored[2], status=stored[1], content_type=stored[3])
            replay.headers["Idempotent-Replayed"] = "true"
            return replay
        try:
            try:
                response = view(*args, **kwargs)
            except WorkflowError as exc:
                response = problem_from(exc)
            response = make_response(response)
        except BaseException:
            _release(db, scoped)
            raise
        if response.status_code >= 500:
            _release(db, scoped)
            return response
        with audit.transaction(db):
            db.conn.execute("UPDATE idempotency SET status = ?, body = ?, content_type = ? WHERE key = ?",
                            [response.status_code, response.get_data(as_text=True), response.content_type, scoped])
        return response

    return wrapper


def _release(db, scoped: str) -> None:
    if db.conn.in_transaction:
        db.conn.execute("ROLLBACK")
    with audit.transaction(db):
        db.conn.execute("DELETE FROM idempotency WHERE key = ? AND status = 0", [scoped])
