"""banned_expression, outdated_expression, secret_marking, voice, vague_expression and format (script).

Every rule is tested both ways: drafts it must flag and near-misses it must leave alone.
"""

from __future__ import annotations

import json

import pytest
import yaml

from pubgate.dictionary_loader import shipped_dictionary_dir

PUBLISHED = "2024-06-12T10:00:00+08:00"
MY_DIRS = ("banned", "outdated", "secret", "vague", "format")


def hits(report, category, severity=None):
    return [f for f in report.findings if str(f.category) == category
            and (severity is None or str(f.severity) == severity)]


def texts(report, category, severity=None):
    return [f.text for f in hits(report, category, severity)]


# -- dictionaries load cleanly -----------------------------------------------------------------

def test_my_dictionaries_have_no_errors(gate):
    mine = [e for e in gate.dictionaries.errors if any(f"/{d}/" in e.path for d in MY_DIRS)]
    assert mine == []
    rule_ids = {f.rule_id for f in gate.dictionaries.files}
    assert {"banned.xinhua", "banned.vulgar", "banned.advertising", "outdated.institutions",
            "outdated.repealed-laws", "outdated.congress", "secret.markings", "vague.guide-phrases",
            "format.script"} <= rule_ids


def test_every_phrase_entry_has_source_and_examples(gate):
    for f in gate.dictionaries.files:
        if f.rule_id.split(".")[0] in MY_DIRS and f.kind == "phrases":
            for e in f.entries:
                assert e.source, (f.path, e.id)
                assert e.flag and e.passes, (f.path, e.id)


def _kind_examples(subdir, name):
    data = yaml.safe_load((shipped_dictionary_dir() / subdir / name).read_text(encoding="utf-8"))
    return data["examples"]["flag"], data["examples"]["pass"], data["category"]


@pytest.mark.parametrize("subdir,name", [("secret", "markings.yml"), ("format", "script.yml")])
def test_structured_dictionary_examples(check, subdir, name):
    flags, passes, category = _kind_examples(subdir, name)
    for ex in flags:
        found = hits(check(ex["text"]), category, ex.get("severity"))
        assert found, ex
        if ex.get("suggestion"):
            assert found[0].suggestion == ex["suggestion"]
    for text in passes:
        assert [f for f in hits(check(text), category) if str(f.severity) != "info"] == [], text


# -- banned_expression -------------------------------------------------------------------------

@pytest.mark.parametrize("body,expected", [
    ("为全县残废人发放生活补贴。", "残废"),
    ("社区志愿者为瞎子读报。", "瞎子"),
    ("维族群众载歌载舞庆丰收。", "维族"),
    ("蒙族同胞欢度那达慕。", "蒙族"),
    ("北朝鲜代表团访问我市。", "北朝鲜"),
    ("亚太经合组织成员国代表参加论坛。", "成员国"),
    ("引导青少年践行八荣八耻。", "八荣八耻"),
    ("积极融入“一带一路”战略。", "一带一路”战略"),
    ("罪犯张某已被刑事拘留。", "罪犯"),
    ("警方接到报警后迅速出动，将罪犯王某抓获。", "罪犯"),
    ("全国人大副委员长到我县调研。", "人大副委员长"),
    ("县人民检察院院长作工作报告。", "检察院院长"),
])
def test_xinhua_rules_flag(check, body, expected):
    assert expected in texts(check(body), "banned_expression")


@pytest.mark.parametrize("body", [
    "为全县残疾人发放生活补贴。",
    "规章制度不能成为聋子的耳朵，消费者不能吃哑巴亏。",
    "经法院判决，罪犯王某被判处有期徒刑三年。",
    "在押罪犯张某因涉嫌漏罪被移送审查起诉。",
    "欧盟成员国和东盟成员国代表出席。",
    "该村长期坚持植树造林，全村长达3公里的渠道已修通。",
    "学生们返回教室上课。",
    "1950年颁布的《革命残废军人优待抚恤暂行条例》是新中国最早的优抚法规之一。",
    "习近平总书记亲自部署、亲自指挥。",
    "五星红旗在天安门广场升起，毛主席纪念堂、毛泽东选集。",
    "路口交通秩序良好，三黄片纳入医保，大麻烦已解决，法网恢恢。",
    "他妈妈的身体不太好。",
    "双方将继续推动“一带一路”倡议走深走实。",
])
def test_xinhua_and_vulgar_pass(check, body):
    assert hits(check(body), "banned_expression") == []


def test_vulgar_is_block(check):
    report = check("网友留言：施工队真是王八蛋。")
    assert [(f.text, str(f.severity)) for f in hits(report, "banned_expression")] == [("王八蛋", "block")]


@pytest.mark.parametrize("body,channel", [
    ("欢迎选购本店的顶级富硒大米，品质最佳！", "website"),
    ("是全国最佳的富硒大米品牌！即日起限时促销，扫码即可购买。", "wechat"),
    ("本品药到病除，每盒仅售98元，欢迎订购。", "website"),
])
def test_advertising_superlatives_in_promotion(check, body, channel):
    assert hits(check(body, channel=channel), "banned_expression", "warn")


@pytest.mark.parametrize("body,channel", [
    ("当前是我县发展最好的时期之一。现在正是播种的最佳时期，提醒农户购买种子时要选择正规渠道。", "wechat"),
    ("我县入选国家级非物质文化遗产项目2项，是全国最佳旅游目的地之一。", "weibo"),
    ("建议消费者购买年货时最好到正规商超，并索要发票。", "website"),
    ("对症下药、药到病除，精准施策。坚决根治拖欠农民工工资问题。", "website"),
    ("市场监管局提醒：商家宣称“药到病除”“无效退款”的保健品，购买时要警惕。", "website"),
    ("鼓励机关单位购买国家级贫困县农产品。政府购买服务项目绩效评价为最佳。", "website"),
])
def test_advertising_not_in_government_prose(check, body, channel):
    assert hits(check(body, channel=channel), "banned_expression") == []


# -- outdated_expression -----------------------------------------------------------------------

@pytest.mark.parametrize("body,expected,suggestion", [
    ("请到县国土资源局办理不动产登记。", "国土资源局", "自然资源局（厅）"),
    ("营业执照请到县工商局办理。", "工商局", "市场监督管理局"),
    ("国家工商总局发布消费警示。", "国家工商总局", "国家市场监督管理总局"),
    ("县卫计委组织开展义诊活动。", "卫计委", "卫生健康委员会（卫生健康局）"),
    ("该基地被农业部认定为标准化示范区。", "农业部", "农业农村部"),
    ("该景区经国家旅游局评定为5A级旅游景区。", "国家旅游局", "文化和旅游部"),
    ("县安监局开展安全生产大检查。", "安监局", "应急管理局"),
    ("银保监会提醒消费者警惕非法集资。", "银保监会", "国家金融监督管理总局"),
])
def test_outdated_institutions_flag(check, body, expected, suggestion):
    found = hits(check(body, publish_at=PUBLISHED), "outdated_expression")
    assert [(f.text, f.suggestion) for f in found] == [(expected, suggestion)]


@pytest.mark.parametrize("body", [
    "2016年，县国土资源局牵头启动不动产统一登记工作。",
    "原县国土资源局的职责已划入县自然资源局。",
    "时任县工商局局长张某某主持会议。",
    "县工商局、质监局、食药监局的职责整合，组建县市场监督管理局。",
    "农业部门要做好春耕服务，文化部门要加强监管。",
    "美国农业部发布供需报告，法国文化部代表团来访，美国国税局公布数据。",
    "根据《国家工商行政管理总局关于工商行政管理机关电子数据取证的规定》执行。",
])
def test_outdated_institutions_history_pass(check, body):
    assert hits(check(body, publish_at=PUBLISHED), "outdated_expression") == []


def test_outdated_judged_against_publish_date(check):
    body = "请到县国土资源局办理不动产登记。"
    assert hits(check(body, publish_at="2016-05-01T10:00:00+08:00"), "outdated_expression") == []
    assert hits(check(body, publish_at=PUBLISHED), "outdated_expression")
    # 保监局 → 银保监会 between the two reforms, → 国家金融监督管理总局 after 2023
    old = hits(check("保险纠纷可向保监局投诉。", publish_at="2020-01-01T10:00:00+08:00"), "outdated_expression")
    new = hits(check("保险纠纷可向保监局投诉。", publish_at=PUBLISHED), "outdated_expression")
    assert [f.suggestion for f in old] == ["银保监会"] and [f.suggestion for f in new] == ["国家金融监督管理总局"]


@pytest.mark.parametrize("body,expected", [
    ("根据《中华人民共和国合同法》第五十二条规定，该合同无效。", "《中华人民共和国合同法》"),
    ("依照《婚姻法》和《继承法》的有关规定办理。", "《婚姻法》"),
    ("《物权法》第三十九条规定，所有权人依法享有占有、使用、收益和处分的权利。", "《物权法》"),
    ("根据《中华人民共和国食品卫生法》，对该店作出处罚。", "《中华人民共和国食品卫生法》"),
])
def test_repealed_law_cited_as_basis(check, body, expected):
    assert expected in texts(check(body, publish_at=PUBLISHED), "outdated_expression")


@pytest.mark.parametrize("body,publish_at", [
    ("根据《中华人民共和国合同法》第五十二条规定，该合同无效。", "2020-06-01T10:00:00+08:00"),
    ("《民法典》自2021年1月1日起施行，《婚姻法》《继承法》《合同法》同时废止。", PUBLISHED),
    ("2019年，法院依据《合同法》判决被告承担违约责任。", PUBLISHED),
    ("根据原《物权法》的规定，该行为当时合法。", PUBLISHED),
    ("根据《中华人民共和国民法典》第一百五十三条规定，该合同无效。", PUBLISHED),
])
def test_repealed_law_history_pass(check, body, publish_at):
    assert hits(check(body, publish_at=publish_at), "outdated_expression") == []


def test_repealed_laws_cover_the_law_table(gate):
    """Every repealed title in terms/laws.yml (owned by severe_misstatement) has a rule here."""
    laws = [f for f in gate.dictionaries.of_kind("laws")]
    if not laws:
        pytest.skip("no laws table shipped")
    ours = gate.dictionaries.by_rule("outdated.repealed-laws")
    patterns = [(e.pattern, e.valid_from) for e in ours.entries]
    for f in laws:
        for item in f.data.get("repealed") or []:
            title = item["title"] if isinstance(item, dict) else item
            if isinstance(item, dict) and item.get("replaced_by") is None:
                continue  # nothing to suggest (劳动教养试行办法)
            assert any(p.search(f"《{title}》") and str(d) == str(item["repealed_on"]) for p, d in patterns), title


def test_congress_reference(check):
    assert texts(check("深入学习贯彻党的十九大精神。", publish_at=PUBLISHED), "outdated_expression") == ["党的十九大"]
    for body in ("党的十九大以来，我县脱贫攻坚取得决定性成就。", "深入学习贯彻党的二十大精神。"):
        assert hits(check(body, publish_at=PUBLISHED), "outdated_expression") == []
    assert hits(check("深入学习贯彻党的十九大精神。", publish_at="2019-03-01T10:00:00+08:00"), "outdated_expression") == []


# -- secret_marking ----------------------------------------------------------------------------

@pytest.mark.parametrize("body,expected,severity", [
    ("秘密★1年\n关于做好防汛工作的通知", "秘密★1年", "block"),
    ("机密★\n关于……的通报", "机密★", "block"),
    ("绝密\n县委办公室关于……的通报", "绝密", "block"),
    ("机密 关于人事安排的通知\n各乡镇：", "机密", "block"),
    ("转发《市委密电〔2024〕3号》全文如下。", "市委密电", "block"),
    ("根据县政密〔2023〕1号文件精神，现部署如下。", "县政密〔2023〕1号", "block"),
    ("密级：秘密\n保密期限：6个月", "密级：秘密", "block"),
    ("绝密★启用前\n2024年县直机关遴选笔试试卷", "绝密★启用前", "warn"),
    ("内部资料 注意保存\n2024年第3期工作简报", "内部资料", "warn"),
    ("【内部传阅】关于人事调整的说明", "内部传阅", "warn"),
    ("本刊为内部资料，不得外传。", "不得外传", "warn"),
])
def test_secret_markings_flag(check, body, expected, severity):
    assert expected in texts(check(body), "secret_marking", severity)


@pytest.mark.parametrize("body", [
    "严格遵守《中华人民共和国保守国家秘密法》，不得泄露国家秘密。",
    "加强商业秘密保护；选举采用无记名秘密投票方式进行；提升数据的机密性。",
    "标有“秘密★1年”等密级标志的文件严禁上网发布。",
    "现将《密云区防汛应急预案》（密政办发〔2024〕3号）印发给你们。",
    "按照国办秘函〔2019〕19号文件要求开展检查。",
    "县保密委员会办公室印发《保密工作要点》（县保密发〔2024〕1号）。",
    "县档案馆建立健全内部文件管理制度，涉密文件做到专人保管、不得外传。",
    "加强内部资料性出版物的管理，提醒市民注意保存好重要票据。",
    "1935年，红军电台截获敌军密电，及时调整了行军路线。",
    "密级：公开",
])
def test_secret_markings_pass(check, body):
    assert hits(check(body), "secret_marking") == []


def test_secret_marking_in_attachment_name(check):
    report = check("请查收附件。", attachments=[{"name": "附件1：名单（机密）.docx", "url": "https://x.gov.cn/1.docx"}])
    found = hits(report, "secret_marking", "block")
    assert found and found[0].field == "meta"
    assert hits(check("请查收附件。", attachments=[{"name": "附件1：保密工作要点.docx"}]), "secret_marking") == []


# -- voice -------------------------------------------------------------------------------------

@pytest.mark.parametrize("body,unit,expected", [
    ("我队已对该路段加强巡查。", "某某县人民政府办公室", "我队"),
    ("如有疑问请与我局联系。", "县人民政府办公室", "我局"),
    ("6月5日，我镇召开安全生产会议。", "某某县人民政府", "我镇"),
    ("我所已于当日派民警到现场核查。", "某某区人民政府", "我所"),
    ("本局将于近期公布结果。", "某某县人民政府", "本局"),
    ("我县上半年经济运行平稳。", "某某市人民政府办公室", "我县"),
])
def test_voice_flags_mismatch(check, body, unit, expected):
    found = hits(check(body, unit=unit, doc_type="reply"), "voice", "warn")
    assert [f.text for f in found] == [expected]
    assert found[0].suggestion


@pytest.mark.parametrize("body,unit", [
    ("我队已对该路段加强巡查。", "某某县公安局交通警察大队"),
    ("我镇召开安全生产会议，本镇各村参加。", "某某县城关镇人民政府"),
    ("我市上半年经济运行平稳，本市就业稳定。", "某某市统计局"),
    ("我市上半年经济运行平稳。", "某某县人民政府"),       # the parent city
    ("负责人表示：“我队将继续加大巡查力度。”", "某某县人民政府"),
    ("6月5日，我镇召开防汛工作会议。\n来源：城关镇人民政府", "某某县人民政府"),
    ("这是我所了解的情况，自我局限要不得。", "某某县人民政府"),
    ("本办法自发布之日起施行。", "某某县人民政府"),
    ("我队已对该路段加强巡查。", ""),                  # no unit: nothing to compare with
    ("县农业农村局：我局将加强指导。", "某某县农业农村局"),
])
def test_voice_pass(check, body, unit):
    assert hits(check(body, unit=unit, doc_type="reply"), "voice") == []


# -- vague_expression --------------------------------------------------------------------------

@pytest.mark.parametrize("body,expected", [
    ("申请材料：1.身份证；2.根据有关法律法规规定应提交的其他材料。", "根据有关法律法规规定应提交的其他材料"),
    ("3.其他相关材料。", "其他相关材料"),
    ("携带身份证、户口簿等材料到窗口办理。", "等材料"),
    ("办理时限：按规定时限办理。", "按规定"),
    ("收费标准：按有关规定收取。", "按有关规定"),
    ("办理时间：另行通知。", "另行通知"),
    ("办理地点：相关窗口。", "相关窗口"),
])
def test_vague_in_guides(check, body, expected):
    found = texts(check(body, doc_type="guide"), "vague_expression", "warn")
    assert found == [expected]


@pytest.mark.parametrize("body,doc_type", [
    ("申请材料：1.身份证；2.户口簿。无需提交其他材料。", "guide"),
    ("办理地点：县政务服务中心二楼3号窗口；办理时限：20个工作日。", "guide"),
    ("要按规定时限办结群众诉求，相关材料另行通知。", "news"),
    ("不得要求企业提交其他材料，具体细则另行通知。", "policy"),
])
def test_vague_pass(check, body, doc_type):
    assert [f for f in hits(check(body, doc_type=doc_type), "vague_expression") if str(f.severity) != "info"] == []


def test_guide_elements_info(check):
    body = "事项名称：A\n设定依据：B\n申请条件：C\n申请材料：D\n办理地点：E"
    found = hits(check(body, doc_type="guide"), "vague_expression", "info")
    assert len(found) == 1 and "办理时间" in found[0].message and found[0].field == "meta"
    assert hits(check(body, doc_type="news"), "vague_expression") == []
    assert hits(check("申请材料：身份证", doc_type="guide"), "vague_expression", "info") == []


# -- format: script ----------------------------------------------------------------------------

def test_traditional_grouped_with_suggestion(check):
    found = hits(check("我們將進一步加強監管。"), "format", "warn")
    assert [(f.text, f.suggestion) for f in found] == [("們將進一步加強監", "们将进一步加强监")]


def test_mixed_simplified_traditional(check):
    found = hits(check("各乡镇要提高思想認識，加强组织领导。"), "format", "warn")
    assert [(f.text, f.suggestion) for f in found] == [("認識", "认识")]


@pytest.mark.parametrize("body", [
    "清代乾隆年间，乾坤朗朗，登高瞭望。於先生是乾县人，沈阳市民。",
    "访问 https://www.gov.cn/zhengce/ 查看，共3,000元，10:30开会。The State Council issued a notice.",
    "台湾“中華民國”的说法是错误的。",  # quoted text is left to severe_misstatement
    "“踔(chuō)厉奋发、笃行不怠”出自党的二十大报告。",
])
def test_script_pass(check, body):
    assert [f for f in hits(check(body), "format") if str(f.severity) != "info"] == []


@pytest.mark.parametrize("body,expected", [
    ("福州市人民政府辦公廳關(guān)于通報", "(guān)"),
    ("关(guān)于政府网(wǎng)站的通报", "(guān)"),
    ("页面显示锟斤拷锟斤拷", "锟斤拷锟斤拷"),
    ("â€œ政务公开â€", "â€œ"),
    ("标题\ufffd\ufffd乱码", "\ufffd\ufffd"),
    ("ÖÐ¹ú¹²²úµ³", "ÖÐ¹ú¹²²úµ³"),
])
def test_mojibake_and_debris_block(check, body, expected):
    assert expected in texts(check(body), "format", "block")


def test_single_pinyin_annotation_after_simplified_is_not_debris(check):
    assert hits(check("单(shàn)县位于山东省西南部。"), "format", "block") == []


def test_half_width_punctuation_info(check):
    found = hits(check("各乡镇,各部门:现将有关事项通知如下"), "format", "info")
    assert [(f.text, f.suggestion) for f in found] == [(",", "，"), (":", "：")]
    assert hits(check("共3,000元，10:30开会，see a, b."), "format", "info") == []


# -- shared data ---------------------------------------------------------------------------------

MINE = {"banned_expression", "outdated_expression", "secret_marking", "voice", "vague_expression"}


def _seed(shared_file, prefix):
    seeds = shared_file("seeds")
    path = next(seeds.glob(prefix + "_*.txt"))
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("prefix", ["003", "004"])
def test_garbled_reprints_get_format_findings(check, shared_file, prefix):
    report = check(_seed(shared_file, prefix))
    rules = {f.rule for f in report.findings if str(f.category) == "format"}
    assert {"format.script.traditional", "format.script.conversion-debris"} <= rules


@pytest.mark.parametrize("prefix", ["000", "001", "002"])
def test_simplified_seeds_no_block_from_these_checks(check, shared_file, prefix):
    report = check(_seed(shared_file, prefix))
    mine = [f for f in report.findings if (str(f.category) in MINE or f.rule.startswith("format.script"))
            and str(f.severity) == "block"]
    assert mine == []


def test_clean_official_prose(gate, shared_file):
    from pubgate import Draft

    data = json.loads(shared_file("data", "clean", "xxqg.json").read_text(encoding="utf-8"))
    text = "\n".join(item["original_text"] for item in data)
    report = gate.check(Draft.from_dict({"body": text, "format": "text"}))
    ours = [f for f in report.findings if str(f.category) in MINE or f.rule.startswith("format.script")]
    assert [f for f in ours if str(f.severity) == "block"] == []
    warns = [f for f in ours if str(f.severity) == "warn"]
    assert len(warns) <= len(text) / 10_000
