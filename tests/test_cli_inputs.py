"""``pubgate check`` on what editors actually have: Word files, empty and unreadable inputs, the
service's site dictionary (--db), and messages in Chinese. In-process (``cli.main``)."""

from __future__ import annotations

import json

import docx
import pytest

from pubgate import GateConfig
from pubgate import site_dictionary as sd
from pubgate.accounts import Actor
from pubgate.cli import main
from pubgate.migrations import migrate, open_db

ADMIN = Actor(1, "admin", "admin")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def word_file(path, title, paragraphs, table=()):
    document = docx.Document()
    if title:
        document.add_heading(title, 0)
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                grid.rows[r].cells[c].text = cell
    document.save(path)
    return path


def test_a_word_file_is_checked_with_offsets_in_its_plain_text(tmp_path, capsys):
    path = word_file(tmp_path / "通知.docx", "关于做好防讯工作的通知",
                     ["各乡镇：", "要按排部署好汛期值守工作。"], table=[("联系人", "王晓炜")])
    code, out, _ = run(capsys, "check", "--format", "json", "--fail-on", "never", str(path))
    report = json.loads(out)
    assert code == 0 and report["source"] == str(path)
    found = {(f["field"], f["start"], f["text"], f["suggestion"]) for f in report["findings"]}
    assert ("title", 4, "防讯", "防汛") in found
    assert ("body", 6, "按排", "安排") in found  # 各乡镇：\n要按排…: paragraphs are lines
    assert not [f for f in report["findings"] if "王晓炜" in f["text"]]


@pytest.mark.parametrize("name, content, says", [
    ("空白.txt", b"", "文件为空"),
    ("空白.json", b"  \n", "文件为空"),
    ("旧版.doc", b"\xd0\xcf\x11\xe0 old word", "另存为 .docx"),
    ("稿件.wps", b"x", "另存为 .docx"),
    ("扫描件.pdf", b"%PDF-1.4", "PDF"),
    ("坏的.docx", b"PK not really a zip", "不是有效的 .docx"),
])
def test_unreadable_inputs_exit_2_with_a_chinese_reason_and_a_json_entry(tmp_path, capsys, name, content, says):
    bad = tmp_path / name
    bad.write_bytes(content)
    good = tmp_path / "好.txt"
    good.write_text("全县教育事业取得长足进步。", encoding="utf-8")
    code, out, err = run(capsys, "check", "--format", "json", str(good), str(bad))
    entries = json.loads(out)
    assert code == 2 and says in err and name in err
    assert [e.get("source") for e in entries] == [str(good), str(bad)]
    assert entries[0]["verdict"] == "pass" and says in entries[1]["error"]
    code, out, _ = run(capsys, "check", "--format", "jsonl", str(bad))
    assert code == 2 and json.loads(out) == {"source": str(bad), "error": entries[1]["error"]}


def test_a_missing_file_is_an_entry_too(tmp_path, capsys):
    code, out, err = run(capsys, "check", "--format", "json", str(tmp_path / "无此文件.txt"))
    assert code == 2 and "文件不存在" in err
    assert json.loads(out) == [{"source": str(tmp_path / "无此文件.txt"), "error": f"{tmp_path / '无此文件.txt'}：文件不存在"}]


@pytest.fixture
def service_db(tmp_path):
    """A service database whose site dictionary has one entry an admin added in the pages."""
    path = tmp_path / "pubgate.db"
    db = open_db(path)
    migrate(db)
    sd.ensure_schema(db)
    live = sd.LiveGate(GateConfig(load_entrypoints=False))
    sd.create_entry(db, ADMIN, {"category": "banned_expression", "match": "县府办", "suggest": "县人民政府办公室",
                                "note": "内部简称不对外", "flag": ["县府办印发通知。"], "pass": ["县政府办公室"]},
                    reason="站点规范", validator=live.validator())
    db.close()
    return path


def service_ruleset(path) -> str:
    """The ruleset the running service reports for a check on this database."""
    from pubgate.service import create_app

    app = create_app({"DATABASE": str(path), "TESTING": True})
    answer = app.test_client().post("/api/v1/check", json={"body": "县府办印发通知。", "format": "text"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()["ruleset"]


def test_db_applies_the_site_dictionary_as_the_service_does(tmp_path, capsys, service_db, monkeypatch):
    path = service_db
    expected = service_ruleset(path)
    draft = tmp_path / "稿件.txt"
    draft.write_text("县府办印发通知。", encoding="utf-8")
    _, out, _ = run(capsys, "check", "--format", "json", "--db", str(path), str(draft))
    report = json.loads(out)
    assert report["ruleset"] == expected
    assert [f["text"] for f in report["findings"] if f["text"] == "县府办"] == ["县府办"]
    monkeypatch.setenv("PUBGATE_DATABASE", str(path))
    _, out, _ = run(capsys, "check", "--format", "json", str(draft))
    assert json.loads(out)["ruleset"] == expected
    monkeypatch.delenv("PUBGATE_DATABASE")
    _, out, _ = run(capsys, "check", "--format", "json", str(draft))
    assert json.loads(out)["ruleset"] != expected and not json.loads(out)["findings"]


def test_without_db_a_service_database_here_is_mentioned(tmp_path, capsys, service_db, monkeypatch):
    path = service_db
    monkeypatch.chdir(path.parent)
    monkeypatch.delenv("PUBGATE_DATABASE", raising=False)
    (path.parent / "稿件.txt").write_text("县府办印发通知。", encoding="utf-8")
    _, _, err = run(capsys, "check", "稿件.txt")
    assert "--db pubgate.db" in err


def test_a_missing_database_is_a_usage_error(tmp_path, capsys):
    code, _, err = run(capsys, "check", "--db", str(tmp_path / "无.db"), str(tmp_path))
    assert code == 2 and "不存在" in err


def test_usage_errors_and_help_are_in_chinese(capsys):
    code, _, err = run(capsys, "check", "--format", "xml", "a.txt")
    assert code == 2 and "用法：" in err and "无效的选项" in err
    code, _, err = run(capsys, "check")
    assert code == 2 and "缺少必需的参数" in err
    code, out, _ = run(capsys, "check", "--help")
    assert code == 0 and "选项" in out and "显示本帮助并退出" in out


def test_argparse_is_english_again_after_the_command(capsys):
    """The Chinese messages are swapped in only while pubgate parses (pytest uses argparse too)."""
    import argparse

    run(capsys, "check", "--help")
    assert argparse._("usage: ") == "usage: "
