"""Cross-origin calls to ``POST /api/v1/check`` for the editor widget (``static/pubgate-widget.js``).

Off unless ``CORS_ORIGINS`` lists origins (config.py, or ``PUBGATE_CORS_ORIGINS`` as a JSON list or
comma-separated). Only the check route is opened, without credentials: a CMS page on another
origin can ask for a report, never use a pubgate login or reach the workflow.
"""

from __future__ import annotations

__all__ = ["init_app", "allowed_origins"]


def allowed_origins(app) -> list[str]:
    value = app.config.get("CORS_ORIGINS") or []
    if isinstance(value, str):
        value = value.split(",")
    return [origin.strip().rstrip("/") for origin in value if origin and origin.strip()]


def init_app(app) -> None:
    origins = allowed_origins(app)
    if not origins:
        return
    from flask_cors import CORS

    CORS(app, resources={r"/api/v1/check": {"origins": origins}}, methods=["POST", "OPTIONS"],
         allow_headers=["Content-Type", "Idempotency-Key"], supports_credentials=False, max_age=600)
