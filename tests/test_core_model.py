"""The contract's model: drafts in, reports out (contracts.md §2–4)."""

import json
from importlib import resources

import jsonschema
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
