"""severe_misstatement checks: protected names, leaders, sovereignty, law titles, formulations."""

from __future__ import annotations

import json

import pytest

from pubgate.checks import Document
from pubgate.model import Draft

MY_RULES = ("terms.",)


def severe(report, rule_prefix: str = "terms."):
    return [f for f in report.findings if str(f.category) == "severe_misstatement" and f.rule.startswith(rule_prefix)]


def run(check, text, publish_at=None, **fields):
    if publish_at:
        fields["publish_at"] = f"{publish_at}T10:00:00+08:00"
    return check(text, **fields)


# -- the examples written in the data files ---------------------------------------------------

def _examples(gate):
    """(rule prefix, example, should_flag) for every example in the kinds these checks own."""
    out = []
    for f in gate.dictionaries.of_kind("protected"):
        for group in f.data["groups"]:
            out += [("terms.protected-names", x, True) for x in group.get("flag", [])]
            out += [("terms.protected-names", x, False) for x in group.get("pass", [])]
    for kind, prefix in (("roster", "terms.leaders"), ("laws", "terms.laws"), ("protected", "terms.protected-names")):
        for f in gate.dictionaries.of_kind(kind):
            ex = f.data.get("examples") or {}
            out += [(prefix, x, True) for x in ex.get("flag", [])]
            out += [(prefix, x, False) for x in ex.get("pass", [])]
            for person in f.data.get("people", []) if kind == "roster" else []:
                out += [(prefix, x, True) for x in person.get("flag", [])]
                out += [(prefix, x, False) for x in person.get("pass", [])]
    for f in gate.dictionaries.of_kind("formulations"):
        for item in f.data["ordered"]:
            out += [("terms.formulations", x, True) for x in item.get("flag", [])]
            out += [("terms.formulations", x, False) for x in item.get("pass", [])]
    return out


def test_every_data_file_example(gate, check):
    examples = _examples(gate)
    assert len(examples) > 40
    wrong = []
    for prefix, example, should_flag in examples:
        spec = {"text": example} if isinstance(example, str) else dict(example)
        report = run(check, spec["text"], spec.get("publish_at", "2024-06-01"))
        hit = bool(severe(report, prefix))
        if hit != should_flag:
            wrong.append((prefix, spec["text"], should_flag, [f.text for f in severe(report)]))
    assert not wrong, wrong


def test_owned_dictionaries_load_cleanly(gate):
    problems = [e for e in gate.dictionaries.errors if "terms/" in str(e)]
    assert not problems
    ids = {c.id for c in gate.checks}
    assert {"terms.protected-names", "terms.leaders", "terms.laws", "terms.formulations",
            "terms.sovereignty-context", "terms.sovereignty", "terms.formulations-fixed"} <= ids


# -- protected names ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, wrong, right", [
    ("热烈庆祝中华人民共合国成立75周年", "中华人民共合国", "中华人民共和国"),
    ("县人民攻府办公室关于印发方案的通知", "人民攻府办公室", "人民政府办公室"),
    ("深入推进扫黑险恶专项斗争", "扫黑险恶专项斗争", "扫黑除恶专项斗争"),
    ("中華人民共合國成立", "中華人民共合國", "中华人民共和国"),     # traditional characters
    ("中华人民*共合国", "中华人民*共合国", "中华人民共和国"),        # inserted symbol
])
def test_protected_name_near_miss(check, text, wrong, right):
    found = severe(run(check, text), "terms.protected-names")
    assert [(f.text, f.suggestion, str(f.severity)) for f in found] == [(wrong, right, "block")]
    assert text[found[0].start:found[0].end] == wrong


@pytest.mark.parametrize("text", [
    "维护国家安全不动摇",          # 不 is not a slip for 部 here: 不动摇
    "推进财政补贴改革",
    "最高人民检察院检察委员会",
    "人民群众的获得感",
    "人力资源社会保障部办公厅",     # the official abbreviation drops 和 legitimately
    "中华人民共和国成立75周年",
])
def test_protected_name_no_false_alarm(check, text):
    assert not severe(run(check, text), "terms.protected-names")


def test_institution_wording_is_warn(check):
    found = severe(run(check, "市人力资源与社会保障局发布公告"), "terms.protected-names")
    assert [(f.text, str(f.severity)) for f in found] == [("人力资源与社会保障", "warn")]


# -- leaders -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, date, rule", [
    ("国务院总理李克强主持召开国务院常务会议", "2024-05-01", "terms.leaders.title"),
    ("国家副主席王岐山会见外宾", "2023-06-01", "terms.leaders.title"),
    ("全国人大常委会委员长李强出席", "2024-05-01", "terms.leaders.title"),
    ("国务院总理李强主持会议", "2022-12-01", "terms.leaders.title"),
    ("李克强总理指出", "2024-05-01", "terms.leaders.title"),
    ("国家主席习近乎出席", "2024-05-01", "terms.leaders.name"),
    ("习进平总书记强调", "2024-05-01", "terms.leaders.name"),
    ("国务院总理李克勤", "2019-05-01", "terms.leaders.name"),
    ("李强、习近平、赵乐际等出席会议", "2024-05-01", "terms.leaders.order"),
])
def test_leader_flags(check, text, date, rule):
    found = severe(run(check, text, date), "terms.leaders")
    assert [f.rule for f in found] == [rule], [(f.rule, f.text) for f in found]


@pytest.mark.parametrize("text, date", [
    ("时任国务院总理李克强主持召开国务院常务会议", "2024-05-01"),
    ("原国务院总理李克强同志遗体在京火化", "2024-05-01"),
    ("2019年，国务院总理李克强来我市考察", "2024-05-01"),
    ("国务院总理李克强主持召开国务院常务会议", "2019-05-01"),
    ("国家副主席王岐山会见外宾", "2020-05-01"),
    ("国务院总理李强主持召开国务院常务会议", "2024-05-01"),
    ("报道称“国务院总理李克强主持会议”", "2024-05-01"),
    ("中共中央总书记、国家主席、中央军委主席习近平", "2024-05-01"),
    ("村民李强反映道路积水问题", "2024-05-01"),
    ("英国总理李强", "2024-05-01"),
    ("歌手李克勤来我市演出", "2024-05-01"),
    ("习近平、李强、赵乐际、王沪宁、蔡奇、丁薛祥、李希等出席", "2024-05-01"),
    ("一片汪洋，韩正在抢险", "2024-05-01"),
])
def test_leader_passes(check, text, date):
    assert not severe(run(check, text, date), "terms.leaders")


def test_leader_title_suggests_current_holder(check):
    found = severe(run(check, "国务院总理李克强主持会议", "2024-05-01"), "terms.leaders")
    assert found[0].suggestion == "国务院总理李强"


# -- sovereignty -------------------------------------------------------------------------------

@pytest.mark.parametrize("text, wrong, severity", [
    ("产品销往美国、日本、台湾等20多个国家", "国家", "warn"),
    ("吸引美国、英国、香港等国的投资者", "国", "warn"),
    ("加强两岸三地青年交流", "两岸三地", "block"),
    ("台湾总统选举结果揭晓", "台湾总统", "block"),
    ("斯普拉特利群岛海域", "斯普拉特利群岛", "block"),
    ("尖阁列岛周边海域", "尖阁列岛", "block"),
    ("他持中华民国护照入境", "中华民国", "block"),
    ("民国112年出版", "民国112年", "block"),
    ("台湾立法院审议通过", "立法院", "warn"),
    ("深化中港合作", "中港合作", "block"),
    ("坚决反对台独分裂行径", "台独", "warn"),
])
def test_sovereignty_flags(check, text, wrong, severity):
    found = severe(run(check, text), "terms.sovereignty")
    assert [(f.text, str(f.severity)) for f in found] == [(wrong, severity)]


@pytest.mark.parametrize("text", [
    "产品销往美国、日本和台湾地区等20多个国家和地区",
    "欢迎中国台湾、香港、澳门的客商",
    "台湾省是中国领土不可分割的一部分",
    "岛内所谓“中华民国”当局",
    "民国时期的老建筑",
    "1912年中华民国成立",
    "民国二十年出版的县志",
    "台湾“立法院”审议通过",
    "不得使用“两岸三地”等说法",
    "日方所谓的“尖阁诸岛”",
    "坚决反对“台独”分裂行径",
    "建设政务数据中台",
    "获得国家级荣誉，吸引香港、澳门等地游客",
])
def test_sovereignty_passes(check, text):
    assert not severe(run(check, text), "terms.sovereignty")


# -- law titles --------------------------------------------------------------------------------

@pytest.mark.parametrize("text, right", [
    ("依据《中华人民共和国消费者权益保障法》", "中华人民共和国消费者权益保护法"),
    ("《中华人民共和国政府信息公开法》第十条", "中华人民共和国政府信息公开条例"),
    ("《中华人民共和国妇女权益保护法》", "中华人民共和国妇女权益保障法"),
    ("《个人信息保户法》", "个人信息保护法"),
])
def test_law_title_flags(check, text, right):
    found = severe(run(check, text), "terms.laws")
    assert [(f.suggestion, str(f.severity)) for f in found] == [(right, "block")]


@pytest.mark.parametrize("text", [
    "《中华人民共和国消费者权益保护法》", "《中华人民共和国安全生产法（2021年修正）》",
    "《浙江省消费者权益保护条例》", "《北京物业管理条例》", "《平凡的世界》", "《劳动报》",
    "《安全生产条例》", "《中华人民共和国合同法》", "《某某县村规民约》", "《民事诉讼法》和《刑事诉讼法》",
])
def test_law_title_passes(check, text):
    assert not severe(run(check, text), "terms.laws")


def test_law_table_is_readable_by_other_checks(gate):
    from pubgate.plugins.terms_laws import law_table

    table = law_table(gate.dictionaries)
    assert len(table) >= 150
    assert table["合同法"].status == "repealed" and table["合同法"].replaced_by == "民法典"
    assert table["消费者权益保护法"].status == "current"


# -- formulations ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, right", [
    ("坚定理论自信、道路自信、制度自信、文化自信", "道路自信、理论自信、制度自信、文化自信"),
    ("牢固树立政治意识、核心意识、大局意识、看齐意识", "政治意识、大局意识、核心意识、看齐意识"),
    ("增强“四个意识”：政治意识、大局意识、核心意识、责任意识", "看齐意识"),
    ("贯彻协调、创新、绿色、开放、共享的新发展理念", "创新、协调、绿色、开放、共享"),
    ("紧密团结在以习近平为核心的党中央周围", "以习近平同志为核心的党中央"),
])
def test_formulation_flags(check, text, right):
    found = severe(run(check, text), "terms.formulations")
    assert [f.suggestion for f in found] == [right]


@pytest.mark.parametrize("text", [
    "坚定道路自信、理论自信、制度自信、文化自信",
    "他引用的原话是：“坚定理论自信、道路自信、制度自信、文化自信”",
    "增强道路自信。理论自信、制度自信、文化自信也要增强",
    "强化政治意识、政权意识、阵地意识",
    "推进政治、经济、文化、社会等各领域改革",
    "推动绿色、开放、创新发展",
    "紧密团结在以习近平同志为核心的党中央周围",
])
def test_formulation_passes(check, text):
    assert not severe(run(check, text), "terms.formulations")


# -- clean text and speed ----------------------------------------------------------------------

def _my_checks(gate):
    return [c for c in gate.checks if c.id.startswith("terms.") and str(c.category) == "severe_misstatement"]


def test_no_block_on_clean_prose_and_seeds(gate, shared_file):
    sentences = json.loads(shared_file("data", "clean", "xxqg.json").read_text(encoding="utf-8"))
    texts = ["\n".join(s["original_text"] for s in sentences)]
    texts += [p.read_text(encoding="utf-8") for p in sorted(shared_file("seeds").glob("*.txt"))]
    found = []
    for text in texts:
        doc = Document(draft=Draft.from_dict({"body": text, "format": "text",
                                              "publish_at": "2024-06-01T10:00:00+08:00"}))
        for c in _my_checks(gate):
            found += [(f.rule, f.text) for f in c.run(doc) if str(f.severity) == "block"]
        found += [(f.rule, f.text) for f in gate.check(doc.draft).findings
                  if f.rule.startswith("terms.") and str(f.severity) == "block"]
    assert not found
