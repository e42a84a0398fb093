"""Classes of wording, not single strings: vague_expression in 办事指南, placeholder, secret_marking, voice.

Every class is tested with several made-up phrasings that must be flagged and near-misses that must
not: the sentences are written for this file (varied units, places and numbers), not copied from any
evaluation set.
"""

from __future__ import annotations

import pytest


def hits(report, category, severity=None):
    return [f for f in report.findings if str(f.category) == category
            and (severity is None or str(f.severity) == severity)]


def serious(report, category):
    return [f.text for f in hits(report, category) if str(f.severity) in ("warn", "block")]


# -- vague_expression in guides ----------------------------------------------------------------

@pytest.mark.parametrize("body,expected", [
    # open-ended material lists and catch-alls
    ("三、申请材料\n1.身份证原件；\n2.村委会出具的证明等有关证明。", "等有关证明"),
    ("4.婚姻状况声明、户口簿等相关资料。", "等相关资料"),
    ("5.其他相关证明。", "其他相关证明"),
    ("6.其它需要提供的材料。", "其它需要提供的材料"),
    ("申报材料：1.申请表；2.其他必要的证明材料。", "其他必要的证明材料"),
    ("7.有关部门要求的其他材料。", "有关部门要求的其他材料"),
    ("8.依照相关法规应当提交的其他资料。", "依照相关法规应当提交的其他资料"),
    ("所需材料以窗口告知为准。", "以窗口告知为准"),
    ("具体材料以现场工作人员解释为准。", "以现场工作人员解释为准"),
    # deadlines and fees stated only by reference
    ("收费标准：按相关文件规定执行。", "按相关文件规定"),
    ("收费依据：依照有关规定收取。", "依照有关规定"),
    ("办结时限：按照上级有关政策执行。", "按照上级有关政策"),
    ("承诺时限：根据具体情况确定。", "根据具体情况确定"),
    ("需现场核查的，时限视实际情况而定。", "视实际情况而定"),
    ("补办证件的时限视情况确定。", "视情况确定"),
    ("领证时间届时另行通知。", "届时另行通知"),
    ("收费标准：按有关文件规定。", "按有关文件规定"),
])
def test_vague_guide_classes_flag(check, body, expected):
    assert serious(check(body, doc_type="guide"), "vague_expression") == [expected]


@pytest.mark.parametrize("body", [
    # a clause that names the document, the amount, the number of days or the cases
    "收费标准：按《某某省行政事业性收费管理条例》第十二条规定执行。",
    "补贴范围：以市商务局公布的年度目录为准。",
    "收费标准：每件80元，由申请人在窗口缴纳。",
    "办理时限：受理之日起12个工作日；需专家评审的，评审时间不超过20日。",
    "其他情形：1.代办的，提交授权委托书和代办人身份证；2.外籍人员提交护照。",
    "申请材料：1.申请表；2.法人营业执照或者其他主体资格证明文件。",
    "2.场地使用相关证明，如不动产权证书或租赁合同。",
    "3.法律、行政法规以及《某某登记条例实施细则》规定的其他材料。",
    "申请人无需提交其他证明材料。",
    "本事项不收取其他费用。",
])
def test_vague_guide_specific_clauses_pass(check, body):
    assert serious(check(body, doc_type="guide"), "vague_expression") == []


@pytest.mark.parametrize("body,doc_type", [
    ("对违规倾倒的，依法予以处罚；实施细则另行制定。", "policy"),
    ("小区内设置可回收物、有害垃圾和其他垃圾收集容器。", "news"),
    ("各单位按时报送月报及其他需要报告的事项。", "notice"),
    ("施工期间视情况而定的交通管制措施，以交警部门公告为准。", "news"),
    ("相关材料另行通知。", "other"),
])
def test_vague_outside_guides_never(check, body, doc_type):
    assert serious(check(body, doc_type=doc_type), "vague_expression") == []


# -- placeholder -------------------------------------------------------------------------------

@pytest.mark.parametrize("body,expected", [
    ("五、咨询电话\n待补充", "待补充"),
    ("报名地点：待定。", "待定"),
    ("联系电话：【待补充】", "【待补充】"),
    ("联系人：（待填写）", "（待填写）"),
    ("关于XXX同志试用期满考核合格的公示", "XXX"),
    ("如需咨询，请联系XXX主任。", "XXX"),
    ("请各单位于月底前报县XX局备案。", "XX局"),
    ("××镇人民政府\n2024年5月8日", "××镇"),
    ("为做好20XX年度防汛工作，现通知如下。", "20XX"),
    ("试用期自202X年起计算。", "202X"),
    ("会议定于X月X日在县行政中心召开。", "X月X日"),
    ("转发《关于做好冬季供暖工作的通知》（市住建发〔20XX〕号）。", "20XX"),
    ("各乡镇要高度重视，此处插入会议照片。", "此处插入会议照片"),
    ("防汛物资已全部到位。【此处插入图片】", "【此处插入图片】"),
    ("Lorem ipsum dolor sit amet, consectetur adipiscing elit.", "Lorem ipsum dolor sit amet, consectetur adipiscing elit."),
])
def test_placeholder_forms_flag(check, body, expected):
    found = [f.text for f in hits(check(body, doc_type="notice"), "placeholder", "block")]
    assert expected in found


@pytest.mark.parametrize("body,fields", [
    ("公示对象：张某某、王某、杨*芬，联系电话138****1234。", {"doc_type": "disclosure"}),
    ("身份证号码：5301**********2211，姓名：李××。", {"doc_type": "disclosure"}),
    ("体检项目包括X射线胸片和CT检查。", {"doc_type": "news"}),
    ("某某单位、某部门的同志不得以任何理由推诿。", {"doc_type": "notice"}),
    ("【县城东片区今晚停水】因管网改造，今晚22时至次日6时停水。#便民提醒#", {"doc_type": "notice", "channel": "weibo"}),
    ("【工作动态】我局开展安全生产大检查\n【经验交流】某乡探索网格化治理", {"doc_type": "news"}),
    ("相关机制尚待完善，具体开工时间待定后另行通知。", {"doc_type": "news"}),
    ("文号：县政发〔2024〕12号；2024年6月5日印发。", {"doc_type": "policy"}),
])
def test_placeholder_near_misses_pass(check, body, fields):
    assert hits(check(body, **fields), "placeholder") == []


# -- secret_marking ----------------------------------------------------------------------------

@pytest.mark.parametrize("body,expected,severity", [
    ("密电\n加急\n各镇人民政府：", "密电", "block"),
    ("密电　特急\n县直各单位：", "密电", "block"),
    ("现转发县应急密电〔2025〕4号，请遵照执行。", "县应急密电", "block"),
    ("【密电】关于做好节日值守工作的通知", "【密电】", "block"),
    ("机密★长期\n关于调整应急值守安排的通知", "机密★长期", "block"),
    ("秘密★两年\n关于防汛物资储备的通知", "秘密★两年", "block"),
    ("绝密\n县委办公室关于……的通报", "绝密", "block"),
    ("内部资料　严禁外传\n第9期", "内部资料", "warn"),
    ("内部刊物，妥善保管\n2025年第2期", "内部刊物", "warn"),
])
def test_secret_marking_variants_flag(check, body, expected, severity):
    found = [f.text for f in hits(check(body, doc_type="notice"), "secret_marking", severity)]
    assert expected in found


@pytest.mark.parametrize("body", [
    "全体干部要增强保守国家秘密的意识，涉密人员须签订保密承诺书。",
    "办公计算机密码应定期更换，不得使用弱口令。",
    "全年共收到申请52件，不予公开4件（其中属于国家秘密1件、属于内部事务信息3件）。",
    "单位应建立内部管理制度，规范资金使用。",
    "所谓“内部渠道”“保本高收益”都是诈骗话术。",
    "特急\n各乡（镇）人民政府：",
    "抗战时期，地下交通员冒险传递密电。",
    "密电码技术的发展经历了多个阶段。",
    "请妥善保管好本人身份证件，不得转借他人。",
])
def test_secret_marking_near_misses_pass(check, body):
    assert hits(check(body, doc_type="notice"), "secret_marking") == []


# -- voice -------------------------------------------------------------------------------------

@pytest.mark.parametrize("body,unit,expected", [
    ("您反映的问题，我办已转交相关部门。", "某某市人民政府", "我办"),
    ("我中心将于下周安排专人回访。", "某某县人民政府", "我中心"),
    ("我站已派技术人员现场指导。", "某某县人民政府办公室", "我站"),
    ("经核实，我所民警已上门调解。", "某某区人民政府", "我所"),
    ("我院已为该患者开通绿色通道。", "某某市卫生健康委员会", "我院"),
    ("我委已将该项目列入年度计划。", "某某县人民政府", "我委"),
    ("我分局已对该企业立案调查。", "某某市人民政府办公室", "我分局"),
    ("我大队已在该路口增设信号灯。", "某某县人民政府", "我大队"),
    ("我科将尽快组织复核。", "某某县卫生健康局", "我科"),
    ("本镇将于近期组织排查。", "某某县人民政府", "本镇"),
])
def test_voice_unit_forms_flag(check, body, unit, expected):
    assert [f.text for f in hits(check(body, unit=unit, doc_type="reply"), "voice", "warn")] == [expected]


@pytest.mark.parametrize("body,unit", [
    ("经核实，该校教师中有9人户籍不在本乡，住宿需求较大。", "某某县教育体育局"),
    ("非本村村民不得申请该村宅基地。", "某某县农业农村局"),
    ("鼓励本乡本土人才回乡创业。", "某某县人民政府"),
    ("迁出本镇的居民可在新住地办理。", "某某县公安局"),
    ("我院将继续做好诊疗服务。", "某某市第一人民医院"),
    ("我庭依法组成合议庭审理。", "某某县人民法院"),
    ("进一步提升我部门服务水平，我部分工作已完成。", "某某县人民政府"),
    ("坚持科技创新，我科技企业数量稳步增长。", "某某县人民政府"),
])
def test_voice_near_misses_pass(check, body, unit):
    assert hits(check(body, unit=unit, doc_type="reply"), "voice") == []
