"""Dictionaries as data: shipped files are valid, errors name file/entry/fix, matching semantics."""

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest
import yaml

from pubgate import Gate, GateConfig
from pubgate.dictionary_loader import shipped_dictionary_dir

SHIPPED = shipped_dictionary_dir()


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def dictionary_only(config: GateConfig) -> Gate:
    """A gate whose only checks are the dictionary rules, so other checks cannot blur the assertions."""
    from pubgate.pluginmanager import build_plugin_manager

    pm = build_plugin_manager(load_entrypoints=False, default_plugins=("pubgate.plugins.dictionary_checks",))
    return Gate(config, plugin_manager=pm)


def site(tmp_path, shipped=False, **config):
    return dictionary_only(GateConfig(load_entrypoints=False, include_shipped_dictionaries=shipped,
                                      dictionary_dirs=[str(tmp_path)], **config))


def test_every_shipped_file_loads_and_its_examples_behave(gate):
    assert gate.dictionaries.errors == []
    assert len(gate.dictionaries.files) == len(list(SHIPPED.rglob("*.yml")))


@pytest.mark.parametrize("path", sorted(SHIPPED.rglob("*.yml")), ids=lambda p: p.relative_to(SHIPPED).as_posix())
def test_every_shipped_phrase_file_matches_the_schema(path):
    schema = json.loads((SHIPPED / "schema.json").read_text("utf-8"))
    from pubgate.dictionary_commands import _jsonable

    data = _jsonable(yaml.safe_load(path.read_text("utf-8")))
    if data.get("kind", "phrases") in ("phrases", "allow"):
        jsonschema.validate(data, schema)


def test_rule_id_derives_from_the_path(tmp_path):
    write(tmp_path, "local/county-names.yml", """
        category: banned_expression
        swap: {县府办: 县人民政府办公室}
    """)
    report = site(tmp_path).check({"body": "请县府办牵头。"})
    assert [f.rule for f in report.findings] == ["local.county-names"]
    assert report.findings[0].entry == "县府办"


@pytest.mark.parametrize("content, problem, entry", [
    ("category: [typo\n", "YAML 语法错误", None),
    ("category: spelling\nwords: [甲]\n", "category 的取值", None),
    ("category: typo\nentries:\n  - match: 甲乙\n    sugest: 甲\n", "未知字段 sugest", "甲乙"),
    ("category: typo\nentries:\n  - pattern: '([a'\n", "正则表达式无效", "([a"),
    ("category: typo\nentries:\n  - match: 再接再励\n    suggest: 再接再厉\n    flag: [再接再厉]\n", "应被标出", "再接再励"),
    ("category: typo\nentries:\n  - match: 口交\n    pass: [路口交通]\n", "不应被标出", "口交"),
    ("category: typo\nentries:\n  - match: 甲\n  - match: 甲\n", "条目重复", "甲"),
    ("category: typo\nvalid_from: 2023-13-01\nwords: [甲]\n", "日期", None),
])
def test_a_broken_file_is_reported_with_file_entry_and_fix(tmp_path, content, problem, entry):
    (tmp_path / "bad.yml").write_text(content, encoding="utf-8")
    write(tmp_path, "good.yml", "category: typo\nswap: {按步就班: 按部就班}\n")
    gate = site(tmp_path)
    [error] = gate.dictionaries.errors
    assert error.path.endswith("bad.yml") and problem in str(error)
    assert error.entry == entry
    assert "修正方法" in str(error)
    # every other file keeps working
    assert [f.suggestion for f in gate.check({"body": "按步就班地推进"}).findings] == ["按部就班"]
    assert any("bad.yml" in n for n in gate.notices)


def test_a_non_utf8_file_is_named(tmp_path):
    (tmp_path / "gbk.yml").write_bytes("category: typo\nwords: [错字]\n".encode("gbk"))
    [error] = site(tmp_path).dictionaries.errors
    assert "UTF-8" in str(error) and "gbk.yml" in str(error)


def test_allow_phrases_spanning_a_hit_win(tmp_path):
    write(tmp_path, "vulgar.yml", "category: banned_expression\nwords: [口交]\nexceptions: [路口交通]\n")
    gate = site(tmp_path)
    assert gate.check({"body": "路口交通秩序良好"}).verdict == "pass"
    assert gate.check({"body": "出现口交等低俗内容"}).verdict == "warn"


def test_allow_files_cover_hits_of_every_rule(tmp_path):
    write(tmp_path, "vulgar.yml", "category: banned_expression\nwords: [大麻]\n")
    write(tmp_path, "allow/words.yml", "kind: allow\nphrases: [大麻烦]\n")
    gate = site(tmp_path)
    assert gate.check({"body": "这可是个大麻烦"}).verdict == "pass"
    assert gate.check({"body": "查获大麻100克"}).verdict == "warn"


def test_matching_sees_through_forms_and_reports_original_offsets(tmp_path):
    write(tmp_path, "names.yml", "category: severe_misstatement\nseverity: block\nswap: {习近乎: 习近平}\n")
    gate = site(tmp_path)
    for body, hit in [("学习习*近*乎讲话", "习*近*乎"), ("學習習近乎講話", "習近乎"), ("习 近 乎", "习 近 乎")]:
        [f] = gate.check({"body": body}).findings
        assert f.text == hit and body[f.start:f.end] == hit and f.suggestion == "习近平"


def test_ascii_forms_match_whole_words_only(tmp_path):
    write(tmp_path, "ads.yml", "category: commercial_link\nwords: [taobao]\n")
    gate = site(tmp_path)
    assert gate.check({"body": "请访问 TaoBao 店铺"}).findings[0].text == "TaoBao"
    assert gate.check({"body": "mytaobaoshop"}).verdict == "pass"


def test_scope_by_doc_type_channel_field_and_dates(tmp_path):
    write(tmp_path, "scoped.yml", """
        category: outdated_expression
        entries:
          - match: 国土资源局
            suggest: 自然资源局
            valid_from: 2018-03-21
            doc_types: [news, notice]
            channels: [website]
            fields: [body]
    """)
    gate = site(tmp_path)
    base = {"body": "县国土资源局召开会议", "publish_at": "2024-01-01T09:00:00+08:00"}
    assert gate.check(base).verdict == "warn"
    assert gate.check({**base, "publish_at": "2017-06-01T09:00:00+08:00"}).verdict == "pass"
    assert gate.check({**base, "doc_type": "guide"}).verdict == "pass"
    assert gate.check({**base, "channel": "weibo"}).verdict == "pass"
    assert gate.check({"title": "县国土资源局召开会议", "body": "", "publish_at": base["publish_at"]}).verdict == "pass"


def test_context_conditions(tmp_path):
    write(tmp_path, "jiezhi.yml", """
        category: typo
        entries:
          - match: 截止
            suggest: 截至
            severity: info
            after: '\\s*(\\d{4}年|目前|今年|本月)'
            flag: ["截止2023年底，全市共有"]
            pass: ["报名截止日期为5月1日"]
    """)
    gate = site(tmp_path)
    assert gate.dictionaries.errors == []
    assert [f.suggestion for f in gate.check({"body": "截止目前，已完成"}).findings] == ["截至"]
    assert gate.check({"body": "5月1日报名截止"}).findings == ()


def test_skip_quoted(tmp_path):
    write(tmp_path, "q.yml", "category: severe_misstatement\nskip_quoted: true\nwords: [中华民国]\n")
    gate = site(tmp_path)
    assert gate.check({"body": "所谓“中华民国”的说法"}).findings == ()
    assert len(gate.check({"body": "中华民国政府"}).findings) == 1


def test_disabled_entries_and_the_ruleset_digest(tmp_path):
    write(tmp_path, "t.yml", "category: typo\nswap: {按步就班: 按部就班, 再接再励: 再接再厉}\n")
    g1 = site(tmp_path)
    g2 = site(tmp_path, disabled_entries=["t#按步就班"])
    assert g2.check({"body": "按步就班"}).findings == ()
    assert len(g2.check({"body": "再接再励"}).findings) == 1
    assert g1.ruleset != g2.ruleset


def test_site_overlay_entries_become_rules():
    gate = dictionary_only(GateConfig(load_entrypoints=False, include_shipped_dictionaries=False, overlay_entries=[
        {"rule": "site.fallen", "category": "severe_misstatement", "match": "张某某", "severity": "block",
         "message": "「{text}」已被查处，不得正面引用。"}]))
    [f] = gate.check({"body": "张某某同志指出"}).findings
    assert (f.rule, f.severity, f.message) == ("site.fallen", "block", "「张某某」已被查处，不得正面引用。")


def test_dictionaries_check_command(tmp_path, capsys):
    from pubgate.cli import main

    assert main(["dictionaries", "check"]) == 0
    write(tmp_path, "bad.yml", "category: typo\nentries:\n  - match: 甲\n    suggest: 乙\n    flag: [丙]\n")
    assert main(["dictionaries", "check", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "bad.yml" in err and "条目「甲」" in err and "修正方法" in err
