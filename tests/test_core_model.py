"""The contract's model: drafts in, reports out (contracts.md §2–4)."""

import json
from importlib import resources

import jsonschema
from dataclasses import replace

import pytest

from pubgate import Category, Draft, DraftError, Finding, Report, Severity, Verdict

REPORT_SCHEMA = json.loads(resources.files("pubgate").joinpath("report_schema.json").read_text("utf-8"))


def test_categories_are_exactly_the_contracts_thirteen():
    assert {c.value for c in Category} == {
        "typo", "severe_misstatement", "banned_expression", "outdated_expression", "interpretation_link",
        "commercial_link", "personal_data", "dating", "secret_marking", "placeholder", "voice",
        "vague_expression", "format"}


def finding(severity):
    return Finding(rule="x.y", category=Category.TYPO, severity=Severity(severity), field="body",
                   start=0, end=1, text="a", message="m")


@pytest.mark.parametrize("severities, verdict", [
    ([], "pass"), (["info"], "pass"), (["info", "warn"], "warn"), (["warn", "block", "info"], "block"),
])
def test_verdict_rule(severities, verdict):
    assert Report.verdict_for([finding(s) for s in severities]) == Verdict(verdict)


def test_only_body_is_required_and_defaults_follow_the_contract():
    draft = Draft.from_dict({"body": "各县区人民政府："})
    assert (draft.format, draft.channel, draft.doc_type) == ("text", "website", "news")
    assert Draft.from_dict({"body": "<p>各县区</p>"}).format == "html"


def test_unknown_fields_are_kept_and_ignored():
    draft = Draft.from_dict({"body": "正文", "cms_column": "要闻", "related": [{"url": "u", "extra": 1}]})
    assert draft.extra == {"cms_column": "要闻"}
    assert draft.related[0]["relation"] == "other"


@pytest.mark.parametrize("payload, field", [
    ({}, "body"),
    ({"body": 12}, "body"),
    ({"body": "x", "doc_type": "memo"}, "doc_type"),
    ({"body": "x", "channel": "tv"}, "channel"),
    ({"body": "x", "format": "pdf"}, "format"),
    ({"body": "x", "publish_at": "next tuesday"}, "publish_at"),
    ({"body": "x", "related": "https://a"}, "related"),
    ({"body": "x", "related": [{"url": "u", "relation": "sibling"}]}, "related"),
    ({"body": "x", "title": ["a"]}, "title"),
    ([1, 2], ""),
])
def test_bad_drafts_name_the_field(payload, field):
    with pytest.raises(DraftError) as info:
        Draft.from_dict(payload)
    assert info.value.field == field
    assert info.value.message  # a Chinese explanation for the user


def test_content_hash_covers_content_not_handles():
    base = {"body": "正文", "title": "标题", "publish_at": "2026-03-05T10:00:00+08:00"}
    h = Draft.from_dict(base).content_sha256
    assert Draft.from_dict({**base, "id": "cms-1", "x-unknown": 1}).content_sha256 == h
    assert Draft.from_dict({**base, "body": "正文。"}).content_sha256 != h
    assert Draft.from_dict({**base, "publish_at": "2026-03-04T10:00:00+08:00"}).content_sha256 != h


def test_report_json_follows_the_contract(check):
    report = check("请于20XX年X月X日前报送。", title="关于报送材料的通知", id="cms-1")
    data = report.to_dict()
    jsonschema.validate(data, REPORT_SCHEMA)
    assert data["id"] == "cms-1" and data["verdict"] == "block"
    for f in data["findings"]:
        assert f["severity"] in ("info", "warn", "block")


def test_findings_are_sorted_by_field_then_position(check):
    report = check("20XX年X月X日", title="20XX年工作要点")
    keys = [(f.field, f.start) for f in report.findings]
    assert keys == sorted(keys, key=lambda k: (("title", "body", "meta").index(k[0]), k[1]))
    assert report.findings[0].field == "title"


def test_one_correction_reads_as_one_finding_the_graver(check):
    """交通运舒部: the blocking protected-name finding states the typo rule's fix (舒 → 输) in full."""
    report = check("交通运舒部印发通知。")
    assert [(f.rule, f.severity, f.text, f.suggestion) for f in report.findings] == [
        ("terms.protected-names", "block", "交通运舒部", "交通运输部")]
    assert report.verdict == "block"


def _fix(rule, severity, start, text, suggestion):
    return Finding(rule, Category.TYPO, Severity(severity), "body", start, start + len(text), text, "…", suggestion)


@pytest.mark.parametrize("outer, inner, kept", [
    # the wider, graver finding makes the same correction: the narrower one goes
    (_fix("a", "block", 0, "交通运舒部", "交通运输部"), _fix("b", "warn", 2, "运舒", "运输"), ["a"]),
    # a different correction over the same characters: the editor must see both
    (_fix("a", "block", 0, "交通运舒部", "交通运输部"), _fix("b", "warn", 3, "舒", "书"), ["a", "b"]),
    # the wider finding is the milder: the graver narrower one stays, alone
    (_fix("a", "info", 0, "交通运舒部", "交通运输部"), _fix("b", "warn", 3, "舒", "输"), ["b"]),
    # equally severe, but the narrower one is a misstatement of a protected name: it stays, alone
    (_fix("a", "warn", 0, "总书计", "总书记"),
     replace(_fix("b", "warn", 2, "计", "记"), category=Category.SEVERE_MISSTATEMENT), ["b"]),
    # the same span, fix and severity from two rules: one finding, the first
    (_fix("a", "warn", 3, "舒", "输"), _fix("b", "warn", 3, "舒", "输"), ["a"]),
    # the same span and severity but different fixes: the editor must see both
    (_fix("a", "warn", 3, "舒", "输"), _fix("b", "warn", 3, "舒", "书"), ["a", "b"]),
])
def test_a_fix_is_dropped_only_where_another_states_it_in_full(outer, inner, kept):
    from pubgate.engine import _drop_restated_fixes

    assert [f.rule for f in _drop_restated_fixes([outer, inner])] == kept
