"""Advertising absolutes, vulgar net slang and link-free sales cues, tested as classes.

Each class has members the rules do not spell out letter by letter (other products, codes, prices,
channels) and near-misses from government prose that share its words (titles, rankings, anti-fraud
publicity, subsidy notices). All sentences are made up for these tests.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from pubgate.plugins._links_classify import parse_rules

BANNED, COMMERCIAL = "banned_expression", "commercial_link"


def serious(report, category):
    return [f for f in report.findings if str(f.category) == category and str(f.severity) in ("warn", "block")]


def texts(report, category):
    return [f.text for f in serious(report, category)]


# -- banned_expression: 广告法 absolutes used to sell goods --------------------------------------

@pytest.mark.parametrize("body, channel, expected", [
    # price superlatives need no cue
    ("腊味专场今晚八点开抢，全网最低价，错过再等一年！", "wechat", "全网最低价"),
    ("这批赣南脐橙全网最低，先到先得。", "website", "全网最低"),
    ("高山土豆史上最低价，每斤只要一块五。", "weibo", "史上最低价"),
    # a rank fused with 品牌, quoted or not
    ("县里的酸菜被誉为“全国酸菜第一品牌”。", "website", "第一品牌"),
    ("我们是滇西咖啡第一品牌，值得信赖。", "wechat", "第一品牌"),
    # 国家级 fused with a product word
    ("合作社的野生菌干被称为国家级产品，回头客很多。", "wechat", "国家级产品"),
    ("这坛米酒可谓国家级好酒。", "website", "国家级好酒"),
    # 最佳/首选 + a gift
    ("手工麻糖香酥不粘牙，是游客的最佳伴手礼。", "wechat", "最佳伴手礼"),
    ("回乡过年，首选年货就是这份腊肉礼包。", "weibo", "首选年货"),
    # 顶级/极品 + a food or drink
    ("山里的野生蜂蜜，顶级蜂蜜爱好者都抢着要。", "wechat", "顶级蜂蜜"),
    ("极品滇红，一口回甘。", "wechat", "极品滇红"),
    # a bare superlative next to an explicit purchase route (公众号 post, next line)
    ("这款黑木耳口感最优质。\n想买的朋友，点击购买即可。", "wechat", "最优质"),
    # a bare superlative with a purchase cue in the same sentence (any channel)
    ("欢迎选购本社世界级工艺的竹编果篮。", "website", "世界级"),
])
def test_advertising_absolutes_are_flagged(check, body, channel, expected):
    found = texts(check(body, channel=channel), BANNED)
    assert any(expected in t or t in expected for t in found), found


@pytest.mark.parametrize("body", [
    # titles and official names
    "我县成功创建国家级旅游度假区，另有两个项目入选国家级非物质文化遗产代表性项目名录。",
    "保护区升级为国家级自然保护区，开发区获批国家级经济技术开发区。",
    "驻村第一书记是村级防汛第一责任人，汛情发生后第一时间赶赴现场。",
    "最高人民法院、最高人民检察院联合发布典型案例。",
    "社区开展“最美家庭”评选活动，10户家庭获表彰。",
    "县质检所筹建国家级产品质量检验检测中心。",
    "争创国家级品牌培育示范区，力争打造全省茶叶第一品牌。",
    # 最佳 with nothing sold
    "疾控专家提醒，九月至十月是接种流感疫苗的最佳时间。",
    "本月下旬进入银杏最佳观赏期，游客可提前在线购买门票。",
    "应急部门启动最高级别响应，要求限时完成隐患排查。",
    # 顶级 outside goods
    "学院教师在国际顶级期刊发表论文，并邀请顶级茶叶专家授课。",
    "赛事吸引了世界顶级选手参赛，周边新建一家顶级酒店。",
    # rankings in statistics are not advertising
    "一季度全市地区生产总值增速居全省第一，粮食产量连续三年全国第一。",
    "我省新能源汽车产量位居全国第一，出口额同比增长三成。",
    # market-supervision news reports the claim, it does not make it
    "某网店宣称全网最低价诱导消费，被市场监管部门依法查处。",
    "执法人员发现商家在包装上使用“国家级产品”等用语，涉嫌违反广告法。",
    "以“史上最低价”为噱头的促销活动将受到严查。",
    # idioms and fixed epithets
    "老周的竹编手艺在全村数一数二，趵突泉素有天下第一泉之称。",
    "史上最严环保法实施以来，执法力度持续加大。",
    "平安健康就是送给家人最好的礼物。",
    # qualified, planned or reported claims
    "该企业是白酒行业领导品牌之一。",
    "推动打造国家级品牌，提升区域公用品牌影响力。",
    "受寒潮影响，蔬菜批发价创下历史最低价。",
    "全网最低气温出现在北部山区，史上最低温度纪录被打破。",
    "医院引进顶级配置的CT设备，举办全国顶级茶叶品鉴会。",
    "全县新增国家级专精特新“小巨人”企业3家。",
])
def test_official_names_rankings_and_reports_are_not_advertising(check, body):
    for channel in ("website", "wechat"):
        assert texts(check(body, channel=channel), BANNED) == [], (body, channel)


# -- banned_expression: vulgar net slang and slurs -----------------------------------------------

@pytest.mark.parametrize("body, expected", [
    ("新推出的文创帆布包逼格满满。", "逼格"),
    ("有网友调侃自己是“小城屌丝”。", "屌丝"),
    ("这个设计简直吊炸天。", "吊炸天"),
    ("评论区有人骂他娘娘腔。", "娘娘腔"),
    ("加班到深夜真是苦逼。", "苦逼"),
])
def test_vulgar_slang_is_flagged(check, body, expected):
    assert expected in "".join(texts(check(body), BANNED))


@pytest.mark.parametrize("body", [
    "以环保标准倒逼格局重塑，推动产业转型。",
    "海滩上举办沙雕艺术节，吸引市民参观。",
    "他妈妈今年七十岁，身体硬朗。",
    "逼近历史最高水平，吊装作业顺利完成。",
])
def test_words_that_contain_slang_characters_are_not_flagged(check, body):
    assert texts(check(body), BANNED) == []


# -- commercial_link: sales cues without a URL ---------------------------------------------------

@pytest.mark.parametrize("body, expected", [
    ("结账时输入优惠码TEA2025立减8元。", "输入优惠码TEA2025立减8元"),
    ("凭折扣码 hk88 可享九折优惠。", "折扣码 hk88"),
    ("民宿双人间团购价仅需168元。", "团购价仅需168元"),
    ("直播价：29.9元两斤。", "直播价：29.9元"),
    ("原价120元，现价仅需69元。", "原价120元，现价仅需"),
    ("扫码加客服购买，数量有限。", "扫码加客服购买"),
    ("需要的朋友可以加微信订购。", "加微信订购"),
    ("私信小编下单，次日发货。", "私信小编下单"),
    ("今晚七点进入直播间抢购。", "进入直播间抢购"),
    ("打开购物App搜索“山里红薯干”领券下单。", "打开购物App搜索“山里红薯干”领券"),
    ("拍下即送竹编杯垫一个。", "拍下即送"),
    ("下单即享八折。", "下单即享"),
    ("5斤装49元包邮。", "49元包邮"),
    ("产地直发，全国包邮。", "全国包邮"),
    ("限时秒杀，手慢无。", "限时秒杀"),
])
def test_sales_cues_without_a_link_are_flagged(check, body, expected):
    found = texts(check(body, channel="wechat"), COMMERCIAL)
    assert any(expected in t or t in expected for t in found), found


@pytest.mark.parametrize("body", [
    # anti-fraud publicity describes the script
    "反诈提醒：骗子冒充电商客服，以退款为由诱导群众扫码加微信后购买“理赔保险”。",
    "套路二：虚假直播间。\n主播推荐所谓内部渠道的理财产品，诱导粉丝私信下单，这是诈骗。",
    "不要扫码添加陌生人微信购买低价商品。",
    # subsidies and consumer vouchers
    "消费者打开“云闪付”APP搜索“家电以旧换新”领取补贴资格，在门店下单立减。",
    "第三轮消费券将于周五发放，市民可在指定商户使用，满100元减20元。",
    # procurement notices and public prices
    "本项目采用公开招标方式，采购预算为99万元，中标供应商须于合同签订后交货。",
    "景区门票60元，60周岁以上老年人、现役军人凭证件免票。",
    "全程马拉松报名费100元，半程80元。",
    "按每亩93元的标准发放耕地地力保护补贴。",
    # services, not sales
    "县电商服务中心为农户提供直播培训、包装设计等服务。",
    "社区团购平台价格监管工作座谈会召开。",
    "推动西部地区快递包邮，降低群众寄递成本。",
    "扫码添加客服可咨询开放时间和预约方式。",
    "市民用手机拍下违法停车行为后举报。",
    "县长走进助农直播间，为家乡农产品代言。",
    "区商务局举办直播带货培训，学员练习引导网友在直播间下单。",
    "在直播间购买的商品同样享有七日无理由退货权利。",
    "窗口增加微信支付等购买方式。",
    "企业下单、农户接单，订单农业带动农民增收。",
    # market supervision quotes the slogans
    "某商家张贴“限时秒杀”“买一送一”等虚假宣传标语，被依法处罚。",
])
def test_anti_fraud_subsidy_procurement_and_prices_are_not_sales_cues(check, body):
    assert texts(check(body, channel="wechat"), COMMERCIAL) == []


# -- one category per claim (handbook §15) -------------------------------------------------------

def test_lowest_price_claim_is_banned_expression_only(check):
    report = check("土鸡蛋今晚全网最低价，进入直播间下单。", channel="wechat")
    assert any("全网最低" in t for t in texts(report, BANNED))
    assert not any("全网最低" in t for t in texts(report, COMMERCIAL))
    assert any("直播间下单" in t for t in texts(report, COMMERCIAL))


def test_overlapping_cues_are_reported_once(check):
    found = texts(check("记得进入直播间下单，直播间下单更优惠。", channel="wechat"), COMMERCIAL)
    spans = sorted(found)
    assert len(found) == 2 and spans[0] != spans[1], found


# -- cue pattern examples run at load time -------------------------------------------------------

def _cue_file(pattern, flag=(), passes=()):
    data = {"kind": "link-cues", "phrases": [], "suppress": ["诈骗"],
            "patterns": [{"id": "demo", "pattern": pattern, "flag": list(flag), "pass": list(passes)}]}
    return SimpleNamespace(path="demo/cues.yml", rule_id="demo.cues", data=data)


def test_cue_pattern_examples_are_checked():
    _, errors = parse_rules({"link-cues": [_cue_file("团购价\\d+元", flag=["团购价99元"], passes=["门票60元"])]})
    assert errors == []
    _, errors = parse_rules({"link-cues": [_cue_file("团购价\\d+元", flag=["团购价仅需99元"],
                                                     passes=["谨防团购价9元的诈骗", "团购价5元"])]})
    problems = " ".join(str(e) for e in errors)
    assert "团购价仅需99元" in problems and "团购价5元" in problems and "诈骗" not in problems


def test_invalid_cue_pattern_is_a_dictionary_error():
    _, errors = parse_rules({"link-cues": [_cue_file("团购价(")]})
    assert errors and "正则表达式无效" in str(errors[0])
