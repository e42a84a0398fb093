"""The curated typo layers (dictionaries/typo/*.yml, dictionaries/allow/*.yml): no model needed."""

from __future__ import annotations

import pytest


def typo_findings(report):
    return [f for f in report.findings if str(f.category) == "typo"]


@pytest.mark.parametrize("body, wrong, right", [
    ("希望全体干部职工再接再励，推动工作再上新台阶。", "再接再励", "再接再厉"),
    ("各部门要按步就班抓好落实。", "按步就班", "按部就班"),
    ("我们将一如继往地支持民营企业发展。", "一如继往", "一如既往"),
    ("群众迫不急待地想了解新政策。", "迫不急待", "迫不及待"),
    ("该工程已于6月峻工并交付使用。", "峻工", "竣工"),
    ("目前该项目己经完工。", "己经", "已经"),
    ("党员干部要严于律已。", "律已", "律己"),
    ("他于2019年申请加人中国共产党。", "加人", "加入"),
    ("截止2023年底，全县共有市场主体5.6万户。", "截止", "截至"),
    ("截止目前，已完成投资12亿元。", "截止", "截至"),
    ("截止6月30日，累计接种3万人次。", "截止", "截至"),
])
def test_curated_pair_is_flagged_with_the_right_suggestion(check, body, wrong, right):
    found = typo_findings(check(body))
    assert any(f.text == wrong and f.suggestion == right for f in found), found


@pytest.mark.parametrize("body", [
    "希望全体干部职工再接再厉，按部就班抓好落实，一如既往支持企业发展。",
    "报名截止日期为2024年5月1日，逾期不再受理。",
    "申报工作于6月30日截止。",
    "截至2023年底，全县共有市场主体5.6万户。",
    "他自己经常下乡调研，了解群众诉求。",
    "纪律已经明确，法律已作出规定。",
    "今年增加人员编制5名，参加人员共计120人。",
    "发挥积极的推动作用。",
    "加强预防犯罪工作。",
])
def test_correct_text_is_not_flagged(check, body):
    assert typo_findings(check(body)) == []


def test_every_occurrence_is_reported(check):
    found = typo_findings(check("要再接再励。还要再接再励。"))
    assert [f.start for f in found if f.text == "再接再励"] == [1, 8]


def test_adverbial_de_before_a_verb_warns(check):
    """Right before the verb it modifies (做好, 推进 …) 的 is always the slip for 地: on drafts and
    real pages nobody here wrote, every such finding was right, so it warns."""
    found = typo_findings(check("各地要切实的做好防汛工作。"))
    assert [(f.text, f.suggestion, str(f.severity)) for f in found] == [("切实的", "切实地", "warn")]
    assert typo_findings(check("发挥切实的推动作用。")) == []


def test_new_vocabulary_is_allow_listed(gate):
    allow = set(gate.dictionaries.allow_phrases())
    for term in ("抗疫", "疫后", "放管服", "党章党规", "审评审批", "转企改制", "访惠聚"):
        assert term in allow


def test_typo_dictionaries_load_without_errors(gate):
    own = [e for e in gate.dictionaries.errors if "/typo/" in str(e) or "/allow/" in str(e)]
    assert own == []
    assert {"typo.idioms", "typo.common", "typo.context"} <= {c.id for c in gate.checks}


@pytest.mark.parametrize("body, wrong, right", [
    ("这项工作必需在月底前完成。", "必需", "必须"),
    ("村里的路修的越来越好。", "的", "得"),
    ("按照即定方案推进。", "即定", "既定"),
    ("对群众的意见要认真的听取。", "认真的", "认真地"),
])
def test_context_pairs_flag(check, body, wrong, right):
    found = typo_findings(check(body))
    assert [(f.text, f.suggestion, str(f.severity)) for f in found] == [(wrong, right, "warn")]


@pytest.mark.parametrize("body", [
    "保障生活必需品供应。", "这是完成任务所必需的条件。", "他办的很多事情都得到了认可。", "目的很明确。",
    "会议即定于明日召开。", "他认真的学习态度值得肯定。", "展板前围满了观展的群众。", "坚持统分结合的双层经营体制。",
])
def test_context_pairs_leave_near_misses_alone(check, body):
    assert [f for f in typo_findings(check(body)) if str(f.severity) != "info"] == []
