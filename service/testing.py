"""Helpers for testing the service (and for the benchmark): a predictable Gate, a real server
thread on loopback, and users with tokens. Imported only by tests and benchmarks."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from pathlib import Path

__all__ = ["fixture_gate", "ServerThread", "add_users", "http", "WARN_WORD", "BLOCK_WORD", "BROWSER_ARGS"]

# A fixture dictionary with one warning and one block, so workflow tests do not depend on how the
# shipped dictionaries evolve.
WARN_WORD, WARN_FIX = "最牛", "最好"
BLOCK_WORD, BLOCK_FIX = "攻府", "政府"
_DICTIONARY = {
    "caution.yml": f"""category: banned_expression
severity: warn
message: "「{{text}}」为不当用语，建议改为「{{suggestion}}」。"
swap: {{{WARN_WORD}: {WARN_FIX}}}
""",
    "misspelt.yml": f"""category: severe_misstatement
severity: block
message: "「{{text}}」书写错误，应为「{{suggestion}}」。"
swap: {{{BLOCK_WORD}: {BLOCK_FIX}}}
""",
}

BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]


def fixture_gate(directory: str | Path):
    """A Gate with only the dictionary checks and the fixture dictionary above."""
    from ..config import GateConfig
    from ..engine import Gate
    from ..pluginmanager import DEFAULT_PLUGINS

    root = Path(directory) / "servicetest"
    root.mkdir(parents=True, exist_ok=True)
    for name, text in _DICTIONARY.items():
        (root / name).write_text(text, encoding="utf-8")
    disabled = [p for p in DEFAULT_PLUGINS if p != "pubgate.plugins.dictionary_checks"]
    return Gate(GateConfig(load_entrypoints=False, include_shipped_dictionaries=False,
                           dictionary_dirs=[str(Path(directory))], disabled_plugins=disabled))


def add_users(db_path: str, specs: list[tuple]) -> dict[str, str]:
    """Create users ``(name, role, title, groups)`` with password ``<name>-password`` and one API
    token each; return {name: token}."""
    from ..accounts import create_token, create_user
    from ..migrations import migrate, open_db

    db = open_db(db_path)
    try:
        migrate(db)
        tokens = {}
        for spec in specs:
            name, role = spec[0], spec[1]
            title = spec[2] if len(spec) > 2 else ""
            groups = spec[3] if len(spec) > 3 else ()
            create_user(db, name, role, f"{name}-password", display_name=name, title=title, groups=groups,
                        hash_method="pbkdf2:sha256:1000")  # fast: test passwords protect nothing
            tokens[name] = create_token(db, name, label="test")
        return tokens
    finally:
        db.close()


class ServerThread:
    """The app served by werkzeug on 127.0.0.1 (port chosen by the OS) in a background thread."""

    def __init__(self, app):
        from werkzeug.serving import WSGIRequestHandler, make_server

        class QuietHandler(WSGIRequestHandler):
            def log_request(self, *args, **kwargs):  # one line per request would drown test output
                pass

        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "ServerThread":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def http(method: str, url: str, body=None, *, token: str | None = None, headers: dict | None = None,
         raw: bytes | None = None, timeout: float = 30.0) -> tuple[int, dict, object]:
    """A small urllib client: (status, headers, decoded JSON or text)."""
    data = raw if raw is not None else (None if body is None else json.dumps(body, ensure_ascii=False).encode())
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json; charset=utf-8")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, head, payload = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        status, head, payload = exc.code, dict(exc.headers), exc.read()
    text = payload.decode("utf-8")
    try:
        return status, head, json.loads(text)
    except json.JSONDecodeError:
        return status, head, text


DEFAULT_USERS = [
    ("editor", "editor", "信息员"),
    ("editor2", "editor", "信息员"),
    ("first", "reviewer", "科员"),
    ("second", "reviewer", "科室负责人"),
    ("final", "reviewer", "分管领导", ["新媒体终审"]),
    ("secrecy", "reviewer", "保密员", ["保密审查"]),
    ("admin", "admin", "管理员"),
    ("inspector", "inspector", "检查人员"),
]


def make_app(db_path: str, gate, users=DEFAULT_USERS, **config):
    """An app on a fresh database with the given users; returns (app, {name: token})."""
    from . import create_app

    app = create_app({"TESTING": True, "DATABASE": str(db_path), "GATE": gate, **config})
    tokens = add_users(str(db_path), list(users)) if users else {}
    return app, tokens
