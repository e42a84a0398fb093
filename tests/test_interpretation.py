"""interpretation_link: policies need their interpretation, interpretations their policy."""

from __future__ import annotations

import pytest

from pubgate import Draft, Gate, GateConfig

TITLE = "关于印发《某某市优化营商环境实施方案》的通知"
INTERP = "《某某市优化营商环境实施方案》政策解读"


def make(body: str, **fields) -> Draft:
    return Draft.from_dict({"body": body, "format": fields.pop("format", "text"), **fields})


def il(report):
    return [f for f in report.findings if f.category == "interpretation_link"]


def test_policy_without_interpretation_warns_at_submit_blocks_at_publish(check):
    sub = il(check("各县区：现印发。", doc_type="policy", title=TITLE))
    assert [(f.rule, f.severity, f.field) for f in sub] == [
        ("interpretation-link.policy-without-interpretation", "warn", "meta")]
    pub = il(check("各县区：现印发。", doc_type="policy", title=TITLE, stage="publish"))
    assert [f.severity for f in pub] == ["block"]


def test_severity_is_configurable():
    gate = Gate(GateConfig(load_entrypoints=False, settings={"interpretation_missing_severity": {"publish": "warn"}}))
    r = gate.check(make("各县区：现印发。", doc_type="policy", title=TITLE), stage="publish")
    assert [f.severity for f in il(r)] == ["warn"]


@pytest.mark.parametrize("fields", [
    {"related": [{"url": "https://x.gov.cn/jd/1.html", "title": "解读", "relation": "interpretation"}]},
    {"body": '各县区：现印发。<a href="/jd/1.html">《实施方案》政策解读</a>', "format": "html"},
    {"doc_type": "news"},                                     # not a policy draft
    {"title": "我市召开优化营商环境推进会", "body": "会议指出……"},  # policy doc_type without policy features
])
def test_policy_does_not_flag(check, fields):
    data = {"body": "各县区：现印发。", "doc_type": "policy", "title": TITLE, **fields}
    body = data.pop("body")
    assert il(check(body, stage="publish", **data)) == []


def test_mislabelled_relation_suggests_setting_it(check):
    r = check("各县区：现印发。", doc_type="policy", title=TITLE,
              related=[{"url": "https://x.gov.cn/jd/1.html", "title": "一图读懂实施方案"}])
    assert [(f.rule, f.severity) for f in il(r)] == [("interpretation-link.relation-not-set", "warn")]


def test_interpretation_without_policy_blocks(check):
    r = check("一、背景", doc_type="interpretation", title=INTERP)
    assert [(f.rule, f.severity) for f in il(r)] == [("interpretation-link.interpretation-without-policy", "block")]


@pytest.mark.parametrize("fields", [
    {"related": [{"url": "https://x.gov.cn/1", "title": TITLE, "relation": "policy"}]},
    {"related": [{"url": "https://x.gov.cn/1", "title": "", "relation": "policy"}]},
    {"body": '近日印发了<a href="/zwgk/3.htm">《某某市优化营商环境实施方案》</a>。', "format": "html"},
    {"body": '<a href="/zwgk/3.htm">原文链接</a>', "format": "html"},
])
def test_interpretation_does_not_flag(check, fields):
    data = {"body": "一、背景", "doc_type": "interpretation", "title": INTERP, **fields}
    body = data.pop("body")
    assert il(check(body, **data)) == []


def test_title_mismatch_is_warn(check):
    r = check("一、背景", doc_type="interpretation", title=INTERP,
              related=[{"url": "https://x.gov.cn/1", "title": "关于印发《某某市营商环境三年行动计划》的通知",
                        "relation": "policy"}])
    assert [(f.rule, f.severity) for f in il(r)] == [("interpretation-link.title-mismatch", "warn")]


def test_interpretation_with_policy_labelled_other(check):
    r = check("一、背景", doc_type="interpretation", title=INTERP,
              related=[{"url": "https://x.gov.cn/1", "title": TITLE}])
    assert [f.rule for f in il(r)] == ["interpretation-link.relation-not-set"]


def test_no_findings_on_clean_reference_text(gate, shared_file):
    """No personal-data, link, dating or interpretation finding on the clean 学习强国 sentences."""
    import json

    path = shared_file("data", "clean", "xxqg.json")
    sentences = [x["correct_text"] for x in json.loads(path.read_text(encoding="utf-8"))]
    from pubgate.checks import Document

    mine = {"personal_data", "commercial_link", "dating", "interpretation_link"}
    checks = [c for c in gate.checks if str(c.category) in mine or c.id == "broken-link"]
    assert len(checks) >= 4
    bad = []
    for i in range(0, len(sentences), 100):
        for extra in ({"publish_at": "2024-05-13T10:00:00+08:00"}, {}):
            doc = Document(draft=make("\n".join(sentences[i:i + 100]), **extra), settings=gate.config.settings)
            bad += [(f.rule, f.text) for c in checks for f in c.run(doc) or ()]
    assert bad == []


@pytest.mark.parametrize("kind", ["工作规程", "实施细则", "管理规则", "服务指引", "发展纲要", "权责清单"])
def test_an_interpretation_named_by_any_kind_of_policy_title_matches_its_policy(check, kind):
    """The title names the policy (《…工作规程》解读); a regulation the body cites as its basis
    (《婚姻登记条例》) is not the policy interpreted, so there is no mismatch."""
    name = f"某某市婚姻登记“跨省通办”{kind}"
    r = check("依据《婚姻登记条例》，结合我市实际，制定本规程。", doc_type="interpretation",
              title=f"《{name}》解读",
              related=[{"url": "https://x.gov.cn/1", "title": f"关于印发《{name}》的通知", "relation": "policy"}])
    assert il(r) == []
