"""pubgate's web service: a thin Flask layer over the core (``create_app`` is the factory).

Configuration is layered (flaskr): defaults, then the instance ``config.py``, then ``PUBGATE_*``
environment variables, then ``test_config``.
"""

from __future__ import annotations

__all__ = ["create_app"]

DEFAULTS = {
    "DATABASE": "pubgate.db",
    "DB_TIMEOUT": 30.0,
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    "CHECK_REQUIRES_TOKEN": False,
    "REQUIRE_SIGNATURE": False,
    "SIGNING_SECRETS": [],
    "SIGNATURE_TOLERANCE": 300,
    "GATE": None,
    "GATE_CONFIG": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "JSON_AS_ASCII": False,
    # Notification e-mail (service/mail.py): no MAIL_HOST, no mail; notifications still show in the pages.
    "MAIL_HOST": "",
    "MAIL_PORT": 587,
    "MAIL_TLS": "starttls",          # starttls | ssl | none
    "MAIL_SENDER": "pubgate@localhost",
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    "MAIL_TIMEOUT": 10.0,
    "PUBLIC_URL": "",                # the pages' address, for links in mails
    "CHROMIUM_PATH": None,           # the 审核单 PDF; None: chromium on PATH or /usr/bin/chromium
}


def create_app(test_config: dict | None = None):
    from flask import Flask

    app = Flask(__name__, instance_relative_config=True)
    configure_app(app, test_config)
    configure_extensions(app)
    configure_blueprints(app)
    return app


def configure_app(app, test_config: dict | None) -> None:
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("PUBGATE")
    else:
        app.config.from_mapping(test_config)
    if isinstance(app.config["SIGNING_SECRETS"], str):
        app.config["SIGNING_SECRETS"] = [s for s in app.config["SIGNING_SECRETS"].split(",") if s]
    app.json.ensure_ascii = False


def configure_extensions(app) -> None:
    from . import audit_checkpoints, cors, db, errors, extension, housekeeping, rate_limit, security

    db.init_app(app)
    audit_checkpoints.init_app(app)  # the audit key at first start; chain-head checkpoints outside the db
    extension.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    rate_limit.init_app(app)     # per-client limit of /check (after security: it keys on the caller)
    housekeeping.init_app(app)   # anonymous check counts; Idempotency-Key expiry
    cors.init_app(app)           # the editor widget's CORS; off by default
    # Content-Security-Policy: no inline script anywhere, so an injected <script> cannot run
    # even if sanitising ever missed one.

    @app.after_request
    def security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response


def configure_blueprints(app) -> None:
    from . import api, dictionary_admin, pages

    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    # Dictionary administration: its blueprints, and a before-request hook that points get_gate()
    # at the Gate of the current dictionary version (hot reload across worker processes).
    dictionary_admin.init_app(app)
