"""Classes of severe_misstatement and outdated_expression wording (issue 17): sovereignty, formulation
families, law titles against the catalogue, and time-aware outdated expressions. Sentences are made
up for these tests; each class is tested both ways (must flag / near-misses that must not)."""

from __future__ import annotations

import pytest

NOW = "2026-03-02T10:00:00+08:00"


def found(report, category, rule_prefix=""):
    return [f for f in report.findings if str(f.category) == category and f.rule.startswith(rule_prefix)]


def severe(check, text, **fields):
    return found(check(text, **fields), "severe_misstatement", "terms.")


def outdated(check, text, publish_at=NOW):
    return found(check(text, publish_at=publish_at), "outdated_expression")


# -- sovereignty -------------------------------------------------------------------------------

@pytest.mark.parametrize("text, wrong", [
    ("两地青年围绕中国与台湾的文化渊源展开座谈", "中国与台湾"),
    ("本届博览会吸引了中国和香港的众多企业", "中国和香港"),
    ("澳门与中国的经贸往来十分密切", "澳门与中国"),
    ("面向中国、台湾及东南亚客户推介茶叶", "中国、台湾"),
    ("进一步深化中港经贸合作", "中港经贸"),
    ("中台双方就旅游合作达成共识", "中台双方"),
    ("推动中台交流，增进两岸同胞福祉", "中台交流"),
    ("加强中澳两地合作，助力澳门经济适度多元发展", "中澳两地"),
    ("大陆与台湾两国民众往来频繁", "两国"),
    ("台湾是一个国家", "台湾是一个国家"),
    ("会场挂出台湾国旗", "台湾国旗"),
    ("台湾现任总统出席活动", "台湾现任总统"),
    ("蔡英文总统发表讲话", "蔡英文总统"),
])
def test_sovereignty_class_flags(check, text, wrong):
    hits = severe(check, text)
    assert [f.text for f in hits] == [wrong]
    assert str(hits[0].severity) == "block"


@pytest.mark.parametrize("text", [
    "欢迎来自台湾地区的青年创业者",
    "中国台湾、中国香港代表队入场",
    "海峡两岸同胞血脉相连",
    "港澳台地区居民可凭居住证办理",
    "中国大陆和台湾的学者共同研讨",
    "台湾和中国其他省份一样，是中国领土不可分割的一部分",
    "香港和中国内地的合作不断加深",
    "中澳自由贸易协定实施以来，澳大利亚对华出口增长",
    "中澳关系保持稳定发展",
    "建设政务数据中台，推进技术中台交流",
    "华中港口群建设加快推进",
    "任何场合都不得将中国与台湾并列",
    "民进党当局鼓吹台湾是一个国家，纯属谬论",
    "在台湾问题上，中美两国存在分歧",
    "1895年，清政府被迫将台湾割让给日本",
    "他在发言中引用了对方的说法：“中国和台湾是两回事”，随即予以驳斥",
    "美国总统和法国总统举行会谈",
])
def test_sovereignty_class_passes(check, text):
    assert severe(check, text) == []


# -- formulations: substituted, missing, reordered ----------------------------------------------

@pytest.mark.parametrize("text, wrong, right", [
    ("社区广泛宣传社会主义核心价值观，倡导自由、平等、公正、法制。", "法制", "法治"),
    ("引导居民践行爱国、敬业、诚心、友善的价值准则", "诚心", "诚信"),
    # the slipped member carries words after it, not before
    ("倡导爱国、敬业、诚信、有善的价值准则。", "有善", "友善"),
    ("倡导自由、平等、公正、法制的社会层面价值取向。", "法制", "法治"),
    ("倡导平等、自由、公正、法治", "平等、自由、公正、法治", "自由、平等、公正、法治"),
    ("增强“四个自信”：道路自信、制度自信、文化自信。", "道路自信、制度自信、文化自信", "道路自信、理论自信、制度自信、文化自信"),
    ("牢固树立政治意识、大局意识、核心意识、看起意识", "看起意识", "看齐意识"),
    ("始终做到严以用权、严以修身、严以律己", "严以用权、严以修身、严以律己", "严以修身、严以用权、严以律己"),
    ("用习近平中国特色社会主义思想武装头脑", "习近平中国特色社会主义思想", "习近平新时代中国特色社会主义思想"),
    ("认真研读习近平新时期中国特色社会主义思想", "习近平新时期中国特色社会主义思想", "习近平新时代中国特色社会主义思想"),
    ("传达学习党的二十大四中全会精神", "二十大四中全会", "二十届四中全会"),
    ("党的十九大五中全会提出", "十九大五中全会", "十九届五中全会"),
    ("全面贯彻党的二十届精神", "党的二十届", "党的二十大"),
    ("坚决维护党中央集中统一领导和权威", "维护党中央集中统一领导和权威", "维护党中央权威和集中统一领导"),
])
def test_formulation_family_flags(check, text, wrong, right):
    hits = severe(check, text)
    assert [(f.text, f.suggestion) for f in hits] == [(wrong, right)]


@pytest.mark.parametrize("text", [
    "倡导富强、民主、文明、和谐，倡导自由、平等、公正、法治，倡导爱国、敬业、诚信、友善",
    "把我国建成富强、民主、文明、和谐、美丽的社会主义现代化强国",
    "坚持公开、公平、公正、法治原则",
    "加强民主、法制建设的历史经验",
    "坚定道路自信、理论自信、制度自信等方面",
    "学习贯彻党的二十大和二十届三中全会精神",
    "十四届全国人大三次会议闭幕",
    "党的十九大以来取得的成就",
    "深入学习习近平新时代中国特色社会主义思想",
    "他朗读了当年的文件原文：“党的十九大四中全会”的提法有误",
])
def test_formulation_family_passes(check, text):
    assert severe(check, text) == []


# -- law titles ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, right", [
    ("依据《中华人民共和国网络安全管理法》开展检查", "中华人民共和国网络安全法"),
    ("违反《中华人民共和国个人信息安全法》", "中华人民共和国个人信息保护法"),
    ("按《森林法防火条例》审批", "森林防火条例"),
])
def test_law_title_slip_blocks_with_suggestion(check, text, right):
    hits = severe(check, text)
    assert [(f.suggestion, str(f.severity)) for f in hits] == [(right, "block")]


@pytest.mark.parametrize("text", [
    "根据《征兵工作条例》，适龄男性公民应当按时参加兵役登记",
    "《稀土管理条例》自公布之日起施行",
    "依据《中华人民共和国大气污染 防治法》第十八条",      # a stray space is layout
    "依据《烟花爆竹安全\n管理条例》",                      # so is a line break
    "《某某市见义勇为人员奖励和保护条例》",
    "《见义勇为人员奖励和保护条例》",                       # unlisted, but nothing near: a local rule cited short
    "《中华人民共和国药典》（2020年版）",
    "《孙子兵法》选读",
    "《公司员工奖惩条例》",
])
def test_law_titles_not_misreported(check, text):
    assert [f for f in severe(check, text) if str(f.severity) == "block"] == []
    assert severe(check, text) == []


def test_unlisted_national_title_is_a_warning_without_suggestion(check):
    hits = severe(check, "依据《中华人民共和国数据资产法》")
    assert [(f.rule, str(f.severity), f.suggestion) for f in hits] == [("terms.laws.unlisted", "warn", None)]


def test_far_title_gets_no_wrong_suggestion(check):
    # 征兵 and 信访 differ in the whole distinctive part: never "corrected" to 信访工作条例.
    for text in ("《征兵工作条例》", "《征兵管理条例》", "《信访管理条例》"):
        assert all(f.suggestion != "信访工作条例" for f in severe(check, text))


# -- outdated as a class ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected, publish_at", [
    ("请向县环保局反映噪声扰民问题。", "环保局", NOW),
    ("由区安监局牵头开展检查。", "安监局", NOW),
    ("市食药监局发布抽检结果。", "食药监局", NOW),
    ("纳税人可到县地税局咨询。", "地税局", NOW),
    ("群众可向市银保监分局投诉。", "银保监分局", NOW),
    ("国家乡村振兴局部署了帮扶工作。", "国家乡村振兴局", "2024-05-01T10:00:00+08:00"),
    ("依照《中华人民共和国物权法》第七十条处理。", "《中华人民共和国物权法》", NOW),
    ("依据《信访条例》办理。", "《信访条例》", NOW),
    ("按照《中华人民共和国契税暂行条例》缴纳。", "《中华人民共和国契税暂行条例》", NOW),
    ("根据《治安管理处罚条例》予以处罚。", "《治安管理处罚条例》", NOW),
    ("全区正处于“十四五”规划实施的攻坚阶段。", "“十四五”规划实施的攻坚阶段", NOW),
    ("“十四五”期间，将建成示范园区3个。", "“十四五”期间", NOW),
    ("组织干部学习贯彻党的十九届五中全会精神。", "党的十九届五中全会", NOW),
])
def test_outdated_class_flags(check, text, expected, publish_at):
    assert expected in [f.text for f in outdated(check, text, publish_at)]


@pytest.mark.parametrize("text, publish_at", [
    ("国家乡村振兴局部署了帮扶工作。", "2022-05-01T10:00:00+08:00"),
    ("农业农村部（国家乡村振兴局）部署了帮扶工作。", NOW),
    ("2016年，县环保局开展了专项整治。", NOW),
    ("时任县安监局局长王某某因失职被问责。", NOW),
    ("原县地税局的职责已划入县税务局。", NOW),
    ("《民法典》施行后，《物权法》同时废止。", NOW),
    ("2019年，法院依据《物权法》作出判决。", NOW),
    ("《信访工作条例》自2022年5月1日起施行，《信访条例》同时废止。", NOW),
    ("全区正处于“十四五”规划实施的攻坚阶段。", "2024-06-01T10:00:00+08:00"),
    ("回顾“十四五”，全区经济总量迈上新台阶。", NOW),
    ("“十四五”时期，全区地区生产总值年均增长6%。", NOW),
    ("2025年是“十四五”规划的最后一年。", NOW),
    ("党的十九大以来，全区发生了历史性变化。", NOW),
    ("2021年，全区认真学习贯彻党的十九届六中全会精神。", NOW),
])
def test_outdated_class_passes(check, text, publish_at):
    assert outdated(check, text, publish_at) == []
