"""Who may call ``POST /api/v1/check``, and how often: the site's token requirement and a rate limit
per client (Flask-Limiter).

The check is open by default, like a spell-check server, so it is the one place an anonymous caller
can make the server compute. A client is its token's user when it sends one (a CMS is accountable
and checks often), else its address; each has its own limit. Settings (Flask config, or
``PUBGATE_*`` environment variables):

- ``CHECK_REQUIRES_TOKEN`` (default false): anonymous calls get 401;
- ``CHECK_RATE_LIMIT`` (default ``30 per minute``): per anonymous address; empty: no limit;
- ``CHECK_RATE_LIMIT_AUTHENTICATED`` (default ``300 per minute``): per user or token; empty: no limit;
- ``RATELIMIT_STORAGE_URI`` (default ``memory://``, per process): e.g. ``redis://…`` to share the
  count between worker processes.

Behind a reverse proxy every caller has the proxy's address: configure werkzeug's ``ProxyFix`` there,
or the anonymous limit applies to all callers together.
"""

from __future__ import annotations

import functools

from flask import Flask, current_app, request
from flask_limiter import Limiter, RateLimitExceeded

from .security import Refusal, current_actor

__all__ = ["init_app", "guard_check", "DEFAULTS"]

DEFAULTS = {
    "CHECK_RATE_LIMIT": "30 per minute",
    "CHECK_RATE_LIMIT_AUTHENTICATED": "300 per minute",
    "RATELIMIT_STORAGE_URI": "memory://",
}


def _client() -> str:
    actor = current_actor()
    return f"user:{actor.id}" if actor is not None else f"addr:{request.remote_addr or 'unknown'}"


def _limit_value() -> str:
    key = "CHECK_RATE_LIMIT" if current_actor() is None else "CHECK_RATE_LIMIT_AUTHENTICATED"
    return str(current_app.config.get(key) or "")


def init_app(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    # One limiter per app (tests build many apps in one process; none may see another's counts).
    # Retry-After and X-RateLimit-* headers go on every limited answer, the 429 included.
    limiter = Limiter(_client, app=app, storage_uri=app.config["RATELIMIT_STORAGE_URI"],
                      headers_enabled=True, retry_after="delta-seconds")
    app.extensions["pubgate"]["check_limit"] = limiter.limit(_limit_value, key_func=_client,
                                                             exempt_when=lambda: not _limit_value())


def guard_check(view):
    """Before anything else of the check (idempotency, body parsing): the token requirement, then the
    client's rate limit (429 problem+json with Retry-After when exceeded)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if current_app.config["CHECK_REQUIRES_TOKEN"] and current_actor() is None:
            raise Refusal(401, "本服务的检查接口需要 API 令牌：Authorization: Bearer <令牌>")
        try:
            with current_app.extensions["pubgate"]["check_limit"]:
                pass  # counts this call; raises once the client is over its limit
        except RateLimitExceeded as exc:
            item = exc.limit.limit
            raise Refusal(429, f"检查请求过于频繁：本服务限每个客户端每 {item.get_expiry()} 秒 {item.amount} 次，"
                               "请按 Retry-After 所示的秒数等待后再试。") from None
        return view(*args, **kwargs)

    return wrapper
