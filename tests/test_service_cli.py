"""``pubgate users add``, ``tokens create``, ``audit verify`` and the import-light command module."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from pubgate.cli import main


def test_users_add_tokens_create_and_verify(tmp_path, monkeypatch, capsys):
    db = str(tmp_path / "cli.db")
    monkeypatch.setenv("PUBGATE_PASSWORD", "secret-password")
    assert main(["users", "add", "wangwu", "--role", "admin", "--title", "办公室主任", "--db", db]) == 0
    assert "已创建用户 wangwu" in capsys.readouterr().out
    assert main(["users", "add", "wangwu", "--role", "admin", "--db", db]) == 2
    assert "已存在" in capsys.readouterr().err
    assert main(["tokens", "create", "wangwu", "--db", db]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("pg_") and len(token) > 30
    stored = sqlite3.connect(db).execute("SELECT token_hash FROM api_tokens").fetchone()[0]
    assert token not in stored and len(stored) == 64  # only the digest is kept
    assert main(["tokens", "create", "nobody", "--db", db]) == 2
    capsys.readouterr()
    assert main(["audit", "verify", "--db", db]) == 0
    assert "审计链完整" in capsys.readouterr().out


def test_audit_verify_reports_a_tampered_row(tmp_path, monkeypatch, capsys):
    db = str(tmp_path / "t.db")
    monkeypatch.setenv("PUBGATE_PASSWORD", "secret-password")
    for name in ("a1", "a2", "a3"):
        main(["users", "add", name, "--role", "editor", "--db", db])
    raw = sqlite3.connect(db)
    raw.execute("DROP TRIGGER audit_event_no_update")
    raw.execute("UPDATE audit_event SET actor_name = 'mallory' WHERE seq = 3")
    raw.commit()
    raw.close()
    capsys.readouterr()
    assert main(["audit", "verify", "--db", db]) == 1
    assert "第 3 条" in capsys.readouterr().out


def test_short_password_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PUBGATE_PASSWORD", "short")
    assert main(["users", "add", "x", "--role", "editor", "--db", str(tmp_path / "p.db")]) == 2
    assert "8" in capsys.readouterr().err


def test_verify_of_a_missing_database_is_a_usage_error(tmp_path, capsys):
    assert main(["audit", "verify", "--db", str(tmp_path / "none.db")]) == 2


def test_command_module_does_not_import_flask():
    code = ("import sys; from pubgate.cli import build_parser; build_parser(); "
            "print('flask' in sys.modules, 'waitress' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
