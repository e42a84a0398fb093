"""The statistical layer with the real model built by ``pubgate lm build`` (skipped when absent)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from pubgate import Draft
from pubgate.checks import Document
from pubgate.plugins import _typo_lm
from pubgate.plugins.typo import PROTECTED_RULE, THREE_MODEL_BARS, StatisticalTypoCheck
from pubgate.plugins.typo_lexicon import PROTECTED_RULE as LEXICON_PROTECTED_RULE


@pytest.fixture(scope="module")
def lm_ready():
    pytest.importorskip("kenlm")
    _typo_lm.reset_cache()
    if _typo_lm.model_status() is None:
        pytest.skip("language model not built (run: pubgate lm build)")
    return True


def lm_findings(report):
    return [f for f in report.findings if f.rule == "typo.statistical"]


@pytest.fixture(scope="module")
def two_models(lm_ready):
    if len(_typo_lm.load_models()) < 2:
        pytest.skip("companion model not installed (apt-get install libime-data-language-model; pubgate lm build)")
    return True


@pytest.mark.parametrize("body, wrong, right", [
    ("会议要求各单位加强组织零导，确保各项工作落到实处。", "零", "领"),
    ("各单位要认真组织学习，切实提高思想认试。", "试", "识"),
    ("进一步完善社会保障体系，提高城乡居民基本养老保险待偶。", "偶", "遇"),
    # one stroke off (not in pycorrector's look-alike groups)
    ("坚持白主创新，加快建设科技强国。", "白", "自"),
    ("切实维护厂大人民群众的切身利益。", "厂", "广"),
    # sharing a component (the looser tier, with a higher bar)
    ("各地要加快推进老旧小区改造，完善配套设拖。", "拖", "施"),
    ("加快补齐公共卫生短板，完善重大疫情防控体制机制，健全国家公共卫生应急管理体糸。", "糸", "系"),
])
def test_lm_flags_a_slip_with_its_suggestion(lm_ready, check, body, wrong, right):
    found = lm_findings(check(body))
    assert [(f.text, f.suggestion) for f in found] == [(wrong, right)]
    assert str(found[0].severity) in ("info", "warn") and 0.5 < found[0].confidence <= 1


@pytest.fixture(scope="module")
def char_model(two_models):
    if [m.granularity for m in _typo_lm.load_models()][-1] != "char":
        pytest.skip("character model not installed (pubgate lm build --char-lm pycorrector-0.1.4.tar.gz)")
    return True


@pytest.mark.parametrize("body, wrong, right", [
    # found only with the character model: neither slip breaks a word the word models would miss
    ("市场监管部门开站专项检查。", "站", "展"),
    ("严肃查处违规收费兴为。", "兴", "行"),
    ("请各单位于月底前报送总戒材料。", "戒", "结"),
    # the word models alone "correct" the wrong character here (伸 → 神)
    ("推动公共服务向农村眼伸。", "眼", "延"),
    # the right character makes no vocabulary word (工作中 is not one): the character model's own
    # preference puts it among the candidates; without it the word models suggested 日
    ("严禁在工作盅搞形式主义。", "盅", "中"),
    ("严禁在工作叮搞形式主义。", "叮", "中"),
    ("严禁在工作中篙形式主义。", "篙", "搞"),
])
def test_char_model_finds_slips_the_word_models_miss(char_model, check, body, wrong, right):
    assert [(f.text, f.suggestion) for f in lm_findings(check(body))] == [(wrong, right)]


@pytest.mark.parametrize("body", [
    "会议要求各单位加强组织领导，确保各项工作落到实处。",
    "全县上下要认真贯彻落实会议精神，加快推进经济社会发展，不断提高人民群众的生活水平。",
    "县长张琳同志主持会议，副县长萧红出席。",
    "抗疫一线的医务人员，疫后重建工作，放管服改革，党章党规，审评审批，转企改制，访惠聚工作队。",
    "省人民政府关于同意设立开发区的请示（2023〕6号）收悉。现批复如下。",
    "请于2024年5月30日前将报名表报送至县人社局，网址 https://www.example.gov.cn/bm 。",
    "中方愿同葡方加强全球治理合作，欢迎玻方用好中国国际进口博览会平台。",
    "筑牢拒腐防变的思想道德防线，主动急民之所急、忧民之所忧。",
    "必须有一支坚强的有战斗力的干部队伍，确保能源资源国内生产自给的战略底线。",
    "电视台开设时事评论栏目，各地抓紧制定实施方案。",
    "本项目预算金额为人民币贰拾万元整，采购文件售价伍佰元。",
    # numbers written in Chinese numerals (a model trained on older text prefers 十七大)
    "认真学习贯彻党的十九大和十九届历次全会精神，编制“十四五”规划。",
    "二〇二六年十二月三日，县人民政府召开第三十九次常务会议。",
    # names of government-service platforms (the character model prefers 愉快)
    "所有公共服务类事项要全部入驻“渝快办”政务服务平台。",
    # a real word the character model alone would read as 网络化
    "该小区排水管网老化，已纳入今年老旧小区改造计划。",
])
def test_lm_leaves_correct_text_names_and_new_vocabulary_alone(lm_ready, check, body):
    assert lm_findings(check(body)) == []


def test_lm_never_flags_inside_a_title(lm_ready, check):
    assert lm_findings(check("详见《会议要求各单位加强组织零导的通知》。")) == []


def test_slips_in_protected_terms_are_left_to_the_severe_misstatement_check(lm_ready, check):
    report = check("举行升国旗仪式，热烈庆祝中华人民共合国成立75周年。")
    assert [(f.rule, f.text) for f in report.findings] == [("terms.protected-names", "中华人民共合国")]


def test_a_slip_the_term_checks_do_not_list_is_a_severe_misstatement(char_model, check):
    """人民政腑 is no listed variant (the term checks list four-character names' variants from a fixed
    set of look-alikes): the model finds it, and it is reported as a misstatement of the name."""
    report = check("经省人民政腑同意，现将有关事项通知如下。")
    [found] = report.findings
    # the lexicon (人民政府 is a word of jieba's) or the model: either reports the name's misstatement
    assert found.rule in (PROTECTED_RULE, LEXICON_PROTECTED_RULE)
    assert (found.category, found.severity) == ("severe_misstatement", "warn")
    assert found.end == 6 and found.text.endswith("腑") and found.suggestion.endswith("府")
    assert "「人民政府」" in found.message and report.verdict == "warn"
    assert not check("经省人民政府同意，现将有关事项通知如下。").findings


@pytest.mark.parametrize("body", [
    # protected names spelt right are never edited (三严三实 → 三亚三实 before they were masked)
    "扎实开展“三严三实”专题教育。",
    # a set phrase the models split into rare parts (时艰 → 事件 / 艰 → 间)
    "团结国际社会共克时艰。",
])
def test_protected_names_and_set_phrases_spelt_right_are_left_alone(char_model, check, body):
    assert not check(body).findings


@pytest.mark.parametrize("body, word", [
    ("任何怀疑、唱衰国有企业的思想和言论都是错误的。", "唱衰"),
])
def test_a_rare_word_one_model_lacks_is_not_read_as_a_homophone_slip(char_model, gate, body, word):
    """A word edit needs a gain from each word model (word_min_each); without that floor the model
    that lacks the word (敌伪 → 低位, 唱衰 → 长沙) carries the sum over the bar."""
    [shipped] = [c for c in gate.checks if c.id == "typo.statistical"]
    loose = StatisticalTypoCheck(shipped.dictionaries, bars=replace(THREE_MODEL_BARS, word_min_each=None))

    def flags(check):
        doc = Document(draft=Draft.from_dict({"body": body, "format": "text"}))
        return [f.text for f in check.run(doc)]

    assert flags(shipped) == []
    assert flags(loose) == [word]


def test_no_notice_when_model_is_present(lm_ready, gate):
    assert not any("错别字统计层" in n for n in gate.notices)


def test_clean_official_prose_stays_under_the_false_alarm_budget(lm_ready, check, shared_file):
    path = shared_file("data", "clean", "xxqg.json")
    sentences = [d["correct_text"] for d in json.loads(path.read_text(encoding="utf-8"))[:600]]
    body = "\n".join(sentences)
    flags = [f for f in check(body).findings if str(f.category) == "typo"]
    assert len(flags) * 1000 / len(body) <= 0.2


def test_a_word_typed_as_its_homophone_is_found(two_models, check):
    """A pinyin IME replaces a whole word: 实施方案 typed as 时事方案 (two wrong characters)."""
    found = lm_findings(check("各地要抓紧制定时事方案，明确责任分工。"))
    assert [(f.text, f.suggestion) for f in found] == [("时事", "实施")]


def test_two_neighbouring_slips_are_corrected_as_one_word(two_models, check):
    """Neither 坏→环 nor 竟→境 alone makes a word: only the pair does."""
    found = lm_findings(check("持续优化营商坏竟，激发市场活力。"))
    assert [(f.text, f.suggestion) for f in found] == [("坏竟", "环境")]


def test_two_slips_in_one_sentence_are_both_found(two_models, check):
    found = lm_findings(check("要落实经费保障和人员配背，提高城乡居民基本养老保险待偶。"))
    assert sorted((f.text, f.suggestion) for f in found) == [("偶", "遇"), ("背", "备")]


def test_traditional_characters_are_left_to_the_format_check(lm_ready, check):
    report = check("根據有關規定，進一步加強檢查。市發改委對網民咨詢留言作出答復。")
    assert lm_findings(report) == []
    assert any(f.rule.startswith("format.") for f in report.findings)


def test_one_traditional_character_does_not_switch_the_layer_off_for_the_rest(two_models, check):
    found = lm_findings(check("根據上级要求，要落实经费保障和人员配背，提高城乡居民基本养老保险待偶。"))
    assert sorted((f.text, f.suggestion) for f in found) == [("偶", "遇"), ("背", "备")]
