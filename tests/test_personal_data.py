"""personal_data: validators (Hypothesis on generated numbers), detection both ways, masks."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings, strategies as st

from pubgate.plugins._pd_validators import (
    PROVINCE_CODES, id18_check_char, is_valid_id15, is_valid_id18, is_valid_uscc, luhn_check_digit, luhn_ok,
    uscc_check_char,
)
from pubgate import Draft
from pubgate.plugins._pd_masks import combine_masks, judge_mask


def make(body: str, **fields) -> Draft:
    return Draft.from_dict({"body": body, "format": fields.pop("format", "text"), **fields})

# -- generators of valid numbers ---------------------------------------------------------------

provinces = st.sampled_from(sorted(PROVINCE_CODES))
birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=date.today() - timedelta(days=1))


@st.composite
def valid_ids(draw):
    region = f"{draw(provinces):02d}{draw(st.integers(0, 9999)):04d}"
    born = draw(birth_dates).strftime("%Y%m%d")
    seq = f"{draw(st.integers(0, 999)):03d}"
    first17 = region + born + seq
    return first17 + id18_check_char(first17)


@st.composite
def valid_cards(draw):
    prefix = draw(st.sampled_from(["622202", "622848", "621700", "622588", "436742"]))
    length = draw(st.sampled_from([16, 19])) if prefix.startswith("62") else 16
    body = prefix + "".join(str(draw(st.integers(0, 9))) for _ in range(length - len(prefix) - 1))
    return body + luhn_check_digit(body)


USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@st.composite
def valid_usccs(draw):
    first17 = "".join(draw(st.sampled_from(USCC_ALPHABET)) for _ in range(17))
    return first17 + uscc_check_char(first17)


@given(valid_ids())
def test_generated_ids_validate(number):
    assert is_valid_id18(number)
    assert is_valid_id18(number.lower())


@given(valid_ids(), st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_change_breaks_an_id(number, pos, delta):
    changed = number[:pos] + str((int(number[pos]) + delta) % 10) + number[pos + 1:]
    assert not is_valid_id18(changed)


@given(valid_ids())
def test_wrong_check_character_is_rejected(number):
    for c in "0123456789X":
        if c != number[-1].upper():
            assert not is_valid_id18(number[:-1] + c)


def test_impossible_birth_dates_and_regions_are_rejected():
    assert not is_valid_id18("510104200102290115")   # 2001-02-29
    assert not is_valid_id18("320102198802300128")   # 1988-02-30
    assert not is_valid_id18("110101199003074515")   # bad checksum
    first17 = "99010119900307451"                    # leading 9: 永居证, accepted
    assert is_valid_id18(first17 + id18_check_char(first17))
    first17 = "19010119900307451"                    # province 19 does not exist
    assert not is_valid_id18(first17 + id18_check_char(first17))
    assert is_valid_id18("810000199003074518")       # 港澳居民居住证
    future = (date.today() + timedelta(days=400)).strftime("%Y%m%d")
    first17 = "110101" + future + "001"
    assert not is_valid_id18(first17 + id18_check_char(first17))
    assert is_valid_id15("130503670401001") and not is_valid_id15("130503671301001")


@given(valid_cards())
def test_generated_cards_pass_luhn(card):
    assert luhn_ok(card)


@given(valid_cards(), st.integers(0, 15), st.integers(1, 9))
def test_single_digit_change_fails_luhn(card, pos, delta):
    changed = card[:pos] + str((int(card[pos]) + delta) % 10) + card[pos + 1:]
    assert not luhn_ok(changed)


@given(valid_usccs())
def test_generated_usccs_validate(code):
    assert is_valid_uscc(code)


def test_known_usccs():
    for code in ("91110000600037341L", "12100000400010398P", "11100000000013127D", "N2330110MA2B4X5C1G"):
        assert is_valid_uscc(code), code
    assert not is_valid_uscc("91110000600037341M")


# -- detection in drafts ------------------------------------------------------------------------

def pd(report):
    return [f for f in report.findings if f.category == "personal_data"]


@settings(max_examples=40, deadline=None)
@given(valid_ids())
def test_generated_ids_are_found_in_text(gate, number):
    r = gate.check(make(f"申请人身份证号码{number}，已受理。", doc_type="reply"))
    hits = pd(r)
    assert [h.text for h in hits] == [number] and hits[0].severity == "block"
    assert hits[0].suggestion == number[:6] + "********" + number[-4:]


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet="0123456789", min_size=18, max_size=18))
def test_random_digit_strings_are_rarely_ids(gate, digits):
    assume(not is_valid_id18(digits))
    assert not [f for f in pd(gate.check(make(f"编号为{digits}的文件"))) if f.rule.endswith("id-card")]


@pytest.mark.parametrize("body,expected", [
    ("王某某 110101199003074514 申请低保", "110101199003074514"),
    ("身份证号：11010519491231002x", "11010519491231002x"),
    ("身份证110101 1990 0307 4514已核验", "110101 1990 0307 4514"),
    ("身份证号１１０１０１１９９００３０７４５１４", "１１０１０１１９９００３０７４５１４"),
    ("投诉人手机13812345678", "13812345678"),
    ("手机号码+86 186 1234 5678", "+86 186 1234 5678"),
    ("电话138.0013.8000", "138.0013.8000"),
    ("联系方式：１３８００１３８０００", "１３８００１３８０００"),
    ("银行卡号6222021234567890128", "6222021234567890128"),
    ("补贴发放至社保卡6217 0028 1001 2345 678", "6217 0028 1001 2345 678"),
    ("家庭电话：0591-87654321", "0591-87654321"),
    ("护照号码：E12345678", "E12345678"),
    ("往来港澳通行证号码C12345678", "C12345678"),
    ("身份证号130503670401001", "130503670401001"),
    ("结果已发送至您的邮箱zhangsan@163.com", "zhangsan@163.com"),
])
def test_flags(check, body, expected):
    assert expected in [f.text for f in pd(check(body, doc_type="reply"))]


@pytest.mark.parametrize("body", [
    "统一社会信用代码：91110000600037341L",
    "纳税人识别号 N2330110MA2B4X5C1G",
    "公示：张某某，身份证号3501**********1234，手机138****1234。",
    "身份证号110101********4514",
    "政务服务便民热线12345，消费者投诉举报专线12315",
    "咨询电话：0591-87654321（办公室）",
    "户名：某某市财政局，开户行：工商银行，账号：6222021234567890128",
    "订单号4367123456789014已发货",
    "流水号6222021234567890128",
    "索引号：000014349/2017-00110，文号：京政发〔2022〕15号",
    "身份证号110101199003074515（校验位错误）",
    "出生日期510104200102290115",
    "投稿邮箱tougao@163.com，单位邮箱office@xx.gov.cn",
    "详见 https://www.x.gov.cn/art/13812345678.html",
    "130503670401001",                       # 15 digits without ID context
    "台胞证",                                # a label alone
    "400-800-1234 和 95588",
])
def test_does_not_flag(check, body):
    assert pd(check(body, doc_type="disclosure")) == []


def test_contact_mobile_is_warn_and_sensitive_context_raises(check):
    contact = pd(check("联系人：李老师，联系电话：13812345678"))
    assert [f.severity for f in contact] == ["warn"]
    private = pd(check("联系人手机 13812345678（个人）"))
    assert [f.severity for f in private] == ["block"]
    ill = pd(check("患者王某，确诊后居家隔离，邮箱wang@qq.com"))
    assert ill and ill[0].severity == "block" and "敏感" in ill[0].message


def test_allowed_numbers_are_warn_never_block():
    from pubgate import Gate, GateConfig

    gate = Gate(GateConfig(load_entrypoints=False, settings={"personal_data_allowed_numbers": ["13812345678"]}))
    found = pd(gate.check(make("手机13812345678（个人）")))
    assert [f.severity for f in found] == ["warn"]


def test_address_only_in_disclosure_and_reply(check):
    body = "当事人赵某，住址：永安市燕江中路123号3栋2单元501室。"
    found = pd(check(body, doc_type="disclosure"))
    assert [f.text for f in found] == ["永安市燕江中路123号3栋2单元501室"]
    village = pd(check("来信人家住城关镇东风村3组12号。", doc_type="reply"))
    assert village and village[0].suggestion == "城关镇"
    assert pd(check(body, doc_type="news")) == []
    assert pd(check("户籍地：福建省大田县；住址：大田县均溪镇。", doc_type="disclosure")) == []


def test_weak_masks_and_mask_unions(check):
    weak = pd(check("身份证号1101011990****4514", doc_type="disclosure"))
    assert [(f.rule, f.severity, f.suggestion) for f in weak] == [
        ("personal-data.weak-mask", "warn", "110101********4514")]
    weak_mobile = pd(check("手机1381234**78"))
    assert [f.suggestion for f in weak_mobile] == ["138******78"]
    union = pd(check("户主身份证号3504**********1538；备注：35042519720506****。", doc_type="disclosure"))
    assert [f.rule for f in union] == ["personal-data.mask-union"]
    assert union[0].suggestion == "350425********1538"
    # Two different people masked the same (adequate) way never add up.
    assert pd(check("3504**********0617、3504**********1521", doc_type="disclosure")) == []


def test_judge_and_combine_masks():
    assert judge_mask("id", "110101********4514") is None
    assert judge_mask("id", "1101011990****4514")[1] == "110101********4514"
    assert judge_mask("mobile", "138****5678") is None
    assert judge_mask("mobile", "13812**5678") is not None
    assert judge_mask("card", "622202*********0128") is None
    assert judge_mask("card", "62220212345****0128") is not None
    assert combine_masks("138****5678", "1381234****") == "13812345678"
    assert combine_masks("138****5678", "139****5678") is None


def test_offsets_point_at_original_text(check):
    body = "<p>姓名：张三</p><p>身份证号：<b>１１０１０１１９９００３０７４５１４</b></p>"
    r = check(body, format="html", doc_type="disclosure")
    f = pd(r)[0]
    from pubgate.checks import Document

    text = Document(draft=make(body, format="html")).text("body")
    assert text[f.start:f.end] == f.text == "１１０１０１１９９００３０７４５１４"


def test_corpus_examples_are_consistent():
    """Every planted personal-data text in the corpus is an exact substring of its draft."""
    from pathlib import Path

    for path in (Path(__file__).parent / "corpus" / "pdld").glob("pd-*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        for exp in data["expect"]:
            assert exp["text"] in data["body"] or exp.get("field") == "meta", path.name


def test_a_units_contact_mailbox_on_a_public_provider_is_not_personal(check):
    body = "于下一年度1月5日前报县政府办459室。（联系电话：70606013，邮箱：fdxxgk@163.com）"
    assert [f for f in check(body, doc_type="notice").findings if f.category == "personal_data"] == []
    named = "申请人：张晓明，联系电话：70606013，邮箱：zhangxm1988@163.com"
    assert [f.text for f in check(named, doc_type="disclosure").findings if f.category == "personal_data"] == ["zhangxm1988@163.com"]
