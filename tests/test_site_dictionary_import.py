"""Import and export of site dictionary entries: CSV (spreadsheets) and the YAML dictionary format."""

from __future__ import annotations

import csv
import io
import random
import zipfile

import pytest

from pubgate import Gate, GateConfig
from pubgate import dictionary_csv as dc
from pubgate import site_dictionary as sd
from pubgate.accounts import Actor
from pubgate.dictionary_loader import load_directory
from pubgate.migrations import migrate, open_db
from pubgate.pluginmanager import DEFAULT_PLUGINS
from pubgate.workflow import Forbidden

ADMIN = Actor(1, "admin", "admin")
EDITOR = Actor(2, "editor", "editor")
# Rare characters only, so generated phrases never occur in the clean reference texts.
RARE = "龘靐齉爩麤龖鱻驫羴犇猋骉麣蠃蠹嚻囂籲罍鬱鸞驪鑾龢"


def phrases(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    seen: set[str] = set()
    while len(seen) < n:
        seen.add("".join(rng.choice(RARE) for _ in range(5)))
    return sorted(seen)


@pytest.fixture(scope="module")
def live():
    disabled = [p for p in DEFAULT_PLUGINS if p != "pubgate.plugins.dictionary_checks"]
    return sd.LiveGate(gate=Gate(GateConfig(load_entrypoints=False, disabled_plugins=disabled)))


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "service.db")
    migrate(database)
    yield database
    database.close()


def big_csv(n: int, bad: dict[int, list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["规则", "类别", "级别", "错误表述", "建议改为", "说明"])
    for i, word in enumerate(phrases(n)):
        writer.writerow(bad.get(i) or ["site.province", "禁用词、慎用词、不当用语", "警告", word, "规范表述", f"省清单第{i + 1}条"])
    return "\ufeff" + buffer.getvalue()


def test_ten_thousand_rows_with_bad_rows_import_good_ones_and_twice_is_a_no_op(db, live):
    bad = {
        10: ["site.province", "不存在的类别", "警告", "某词甲", "", ""],
        500: ["site.province", "禁用词、慎用词、不当用语", "致命", "某词乙", "", ""],
        4000: ["site.province", "禁用词、慎用词、不当用语", "警告", "交通", "", ""],      # flags the reference texts
        9000: ["Site.Bad", "禁用词、慎用词、不当用语", "警告", "某词丙", "", ""],
        9999: ["site.province", "禁用词、慎用词、不当用语", "警告", "", "", ""],          # no form
    }
    text = big_csv(10_000, bad)
    rows = dc.parse_csv(text)
    preview = sd.import_entries(db, ADMIN, list(rows), reason="省厅2024年清单", apply=False,
                                validator=live.validator())
    assert not preview.applied and len(preview.created) == 9_995 and sd.current_version(db) == 0
    report = sd.import_entries(db, ADMIN, dc.parse_csv(text), reason="省厅2024年清单", apply=True,
                               validator=live.validator())
    assert report.applied and len(report.created) == 9_995 and report.dict_version == 1
    by_row = {e["row"]: e["reason"] for e in report.errors}
    # spreadsheet rows: header is row 1, data index i is row i + 2
    assert set(by_row) == {12, 502, 4002, 9002, 10001}
    assert "category" in by_row[12] and "severity" in by_row[502] and "参照句" in by_row[4002]
    assert "规则编号" in by_row[9002] and "match" in by_row[10001]
    again = sd.import_entries(db, ADMIN, dc.parse_csv(text), reason="重复导入", apply=True, validator=live.validator())
    assert len(again.unchanged) == 9_995 and again.changes == 0 and sd.current_version(db) == 1
    gate = live.current(db)
    word = phrases(10_000)[1234]
    assert any(f.entry == word for f in gate.check({"body": f"文中出现{word}。"}).findings)


def test_import_updates_changed_rows_and_skips_retired_ones(db, live):
    words = phrases(3, seed=1)
    rows = [(i + 2, {"rule": "site.p", "category": "banned_expression", "match": w}) for i, w in enumerate(words)]
    sd.import_entries(db, ADMIN, rows, reason="a", apply=True, validator=live.validator())
    sd.retire_entry(db, ADMIN, f"site.p#{words[2]}", expected_revision=1, reason="不用了")
    changed = list(rows)
    changed[0] = (2, {**rows[0][1], "severity": "block"})
    report = sd.import_entries(db, ADMIN, changed, reason="b", apply=True, validator=live.validator())
    assert [u["key"] for u in report.updated] == [f"site.p#{words[0]}"]
    assert [s["key"] for s in report.skipped] == [f"site.p#{words[2]}"]
    assert sd.get_entry(db, f"site.p#{words[0]}")["revision"] == 2


def test_duplicate_rows_in_one_file_are_reported(db, live):
    rows = [(2, {"category": "banned_expression", "match": "龘靐齉"}), (3, {"category": "banned_expression", "match": "龘靐齉"})]
    report = sd.import_entries(db, ADMIN, rows, reason="x", apply=True, validator=live.validator())
    assert len(report.created) == 1 and report.errors[0]["row"] == 3 and "第 2 行" in report.errors[0]["reason"]


def test_only_admins_apply_imports_but_anyone_may_preview(db, live):
    rows = [(2, {"category": "banned_expression", "match": "龘靐齉"})]
    with pytest.raises(Forbidden):
        sd.import_entries(db, EDITOR, rows, reason="x", apply=True)
    assert len(sd.import_entries(db, EDITOR, rows, reason="", apply=False, validator=live.validator()).created) == 1


def test_csv_round_trip_with_lists_scope_and_examples(db, live):
    entry = {"rule": "site.local", "category": "banned_expression", "severity": "block", "match": ["龘靐", "齉爩"],
             "suggest": ["甲", "乙"], "exceptions": ["龘靐齉爩麤"], "doc_types": ["notice", "guide"],
             "channels": ["wechat"], "fields": ["body"], "valid_from": "2024-01-01", "note": "说明，含逗号",
             "flag": ["文中有龘靐，需改。"], "pass": ["龘靐齉爩麤不算"]}
    sd.create_entry(db, ADMIN, entry, reason="x", validator=live.validator())
    exported = dc.export_csv(sd.export_entries(db))
    assert exported.startswith("\ufeff规则,编号,类别")
    assert "通知公告" not in exported and "notice|guide" in exported
    rows = list(dc.parse_csv(exported))
    assert isinstance(rows[0][1], dict) and rows[0][1]["doc_types"] == ["notice", "guide"]
    report = sd.import_entries(db, ADMIN, rows, reason="y", apply=True, validator=live.validator())
    assert len(report.unchanged) == 1 and report.changes == 0


def test_chinese_labels_and_gbk_files_are_read():
    text = "错误表述,建议改为,类别,级别,文种,渠道\n龘靐,甲,错别字,阻断,通知公告|办事指南,微信\n"
    rows = dc.parse_upload("清单.csv", text.encode("gb18030"))
    assert rows == [(2, {"match": ["龘靐"], "suggest": ["甲"], "category": "typo", "severity": "block",
                         "doc_types": ["notice", "guide"], "channels": ["wechat"]})]
    bad_header = dc.parse_upload("x.csv", "颜色,错误表述\n红,龘\n".encode())
    assert bad_header[0][0] == 1 and "颜色" in bad_header[0][1]
    too_many = dc.parse_upload("x.csv", "错误表述,类别\n龘,typo,多余\n".encode())
    assert too_many[0][0] == 2 and "多于表头" in too_many[0][1]
    no_category = dc.parse_upload("x.csv", "错误表述\n龘\n".encode())
    assert "类别" in no_category[0][1]


def test_yaml_export_is_a_loadable_dictionary_and_reimports_unchanged(tmp_path, db, live):
    sd.create_entry(db, ADMIN, {"rule": "site.names", "category": "severe_misstatement", "severity": "block",
                                "match": "龘靐齉", "suggest": "龘靐", "flag": ["会议由龘靐齉主持。"]},
                    reason="x", validator=live.validator())
    sd.create_entry(db, ADMIN, {"rule": "site.words", "category": "banned_expression", "pattern": "爩{3,}",
                                "id": "many"}, reason="x", validator=live.validator())
    blob = dc.export_yaml_zip(sd.export_entries(db))
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        assert sorted(zf.namelist()) == ["site/names.yml", "site/words.yml"]
        zf.extractall(tmp_path / "dicts")
    files, errors = load_directory(tmp_path / "dicts", "extra")
    assert not errors and sorted(f.rule_id for f in files) == ["site.names", "site.words"]
    rows = dc.parse_upload("export.zip", blob)
    report = sd.import_entries(db, ADMIN, rows, reason="y", apply=True, validator=live.validator())
    assert report.changes == 0 and len(report.unchanged) == 2, report.to_dict()


def test_yaml_file_in_project_format_with_swap_words_and_file_defaults(db, live):
    text = """category: typo
severity: info
source: 省厅清单
exceptions: [龘靐齉爩]
swap:
  龘靐: 龘
words: [齉爩麤]
entries:
  - match: 鱻驫
    severity: block
examples:
  pass: ["龘靐齉爩是专名"]
"""
    rows = dc.parse_upload("site/typos.yml", text.encode())
    assert [r[1]["match"] for r in rows] == ["龘靐", "齉爩麤", "鱻驫"]
    assert all(r[1]["rule"] == "site.typos" and r[1]["source"] == "省厅清单" for r in rows)
    report = sd.import_entries(db, ADMIN, rows, reason="x", apply=True, validator=live.validator())
    assert len(report.created) == 3 and not report.errors
    assert sd.get_entry(db, "site.typos#鱻驫")["severity"] == "block"
    gate = live.current(db)
    assert [f.entry for f in gate.check({"body": "龘靐齉爩是专名，龘靐不是。"}).findings if f.rule == "site.typos"] == ["龘靐"]
    broken = dc.parse_upload("x.yml", b"entries: [\n")
    assert broken[0][0] == 0 and "YAML" in broken[0][1]
