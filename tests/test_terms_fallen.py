"""Fallen officials: praised or cited as an authority is a finding; disciplinary reporting is not."""

import pytest

AFTER = "2024-05-01T10:00:00+08:00"


def fallen(report):
    return [(f.text, f.severity) for f in report.findings if f.rule == "terms.fallen-officials"]


@pytest.mark.parametrize("body", [
    "周永康同志指出，要加强政法队伍建设。",
    "在孙政才的亲切关怀下，全市经济实现跨越发展。",
    "认真学习令计划重要讲话精神。",
])
def test_praise_or_authority_after_the_fall_is_blocked(check, body):
    assert fallen(check(body, publish_at=AFTER))[0][1] == "block"


@pytest.mark.parametrize("body", [
    "周永康严重违纪违法案警示教育大会召开。",
    "组织党员干部观看孙政才等人腐败案件警示教育片。",
    "中央纪委通报，令计划被开除党籍。",
    "彻底肃清周永康流毒影响。",
    "报道援引“周永康同志指出”一语，说明当年的宣传口径。",
    "村民周永康家的承包地已完成确权。",
])
def test_disciplinary_reporting_quotes_and_namesakes_pass(check, body):
    assert fallen(check(body, publish_at=AFTER)) == []


def test_before_the_announcement_it_is_not_a_finding(check):
    assert fallen(check("周永康同志指出，要加强政法队伍建设。", publish_at="2012-05-01T10:00:00+08:00")) == []


def test_site_dictionaries_add_local_cases(tmp_path):
    from pubgate import Gate, GateConfig

    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "fallen.yml").write_text(
        "kind: fallen-officials\ncategory: severe_misstatement\nofficials:\n"
        "  - name: 王某某\n    announced: 2023-01-10\n    note: 原县委书记，2023年1月被开除党籍\n", encoding="utf-8")
    gate = Gate(GateConfig(load_entrypoints=False, dictionary_dirs=[str(tmp_path)]))
    assert [f.text for f in gate.check({"body": "王某某同志强调，要抓好春耕。", "publish_at": AFTER}).findings
            if f.rule == "terms.fallen-officials"] == ["王某某"]
