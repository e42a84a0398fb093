"""The Gate of this process, built once and kept in ``app.extensions["pubgate"]``.

Everything in the service reaches it through ``get_gate()`` only, so a later dictionary
hot-reload has exactly one place to swap it.
"""

from __future__ import annotations

import threading

from flask import Flask, current_app

__all__ = ["init_app", "get_gate", "build_gate", "get_reviews"]


def build_gate(config: dict):
    from ..config import GateConfig
    from ..engine import Gate

    if config.get("GATE_CONFIG"):
        return Gate(GateConfig.from_file(config["GATE_CONFIG"]))
    return Gate(GateConfig.from_env())


def init_app(app: Flask) -> None:
    state = app.extensions.setdefault("pubgate", {})
    state["gate"] = app.config.get("GATE")  # tests may inject a prepared Gate
    state["gate_lock"] = threading.Lock()


def get_gate():
    """The process's Gate (built on first use, under a lock)."""
    state = current_app.extensions["pubgate"]
    gate = state["gate"]
    if gate is None:
        with state["gate_lock"]:
            if state["gate"] is None:
                state["gate"] = build_gate(current_app.config)
            gate = state["gate"]
    return gate


def get_reviews():
    """The workflow service over this request's database connection."""
    from ..workflow import ReviewService
    from .db import get_db

    from .mail import notifier_for

    state = current_app.extensions["pubgate"]
    if "notifier" not in state:  # built once per app: mail settings are read at first use
        state["notifier"] = notifier_for(current_app)
    return ReviewService(get_db(), get_gate(), notifier=state["notifier"])
