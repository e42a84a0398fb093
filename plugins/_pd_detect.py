"""Finding personal identifiers in plain text: candidates, validators, context, negatives.

Candidates come from regexes with ASCII-only boundaries (``\\b`` fails between CJK and digits) run on
the 1:1 mapped text (full-width → ASCII, lower case), so offsets are the original's. Each candidate
must pass its validator (GB 11643, Luhn + BIN, ``phonenumbers``) and survive the negative rules
(统一社会信用代码, organisation accounts, office numbers, URLs). Context is read in character windows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from . import _pd_masks as masks
from ._pd_validators import (is_valid_id15, is_valid_id18, is_valid_uscc, luhn_ok, plausible_card_bin)

__all__ = ["Hit", "PdContext", "detect", "parse_context"]

_B = r"(?<![0-9a-z*×])"      # nothing alphanumeric (or a mask) right before
_E = r"(?![0-9a-z*×])"        # … or right after

ID18 = re.compile(_B + r"\d{6}[ ]?\d{4}[ ]?\d{4}[ ]?\d{3}[0-9x]" + _E)
ID15 = re.compile(_B + r"\d{15}" + _E)
ALNUM18 = re.compile(_B + r"[0-9a-z]{18}" + _E)
MOBILE = re.compile(_B + r"(?:(?:\+|00)86[ \-]?)?1[3-9]\d(?:[ \-.]?\d{4}){2}" + _E)
CARD = re.compile(_B + r"\d{4}(?:[ ]?\d{4}){3}(?:[ ]?\d{1,3})?" + _E)
LANDLINE = re.compile(_B + r"(?:\(0\d{2,3}\)|0\d{2,3})[ \-]?[2-9]\d{6,7}" + _E)
PASSPORT = re.compile(_B + r"(?:e[0-9a-hj-np-z]\d{7}|[eg]\d{8}|[dsp]e\d{7}|k\d{8}|ma\d{7})" + _E)
PERMIT = re.compile(_B + r"(?:c\d{8}|[hm]\d{8}(?:\d{2})?|l\d{8}|\d{8}|[wg]\d{8})" + _E)
EMAIL = re.compile(r"(?<![0-9a-z._%+\-])[0-9a-z._%+\-]+@(?:[0-9a-z\-]+\.)+[a-z]{2,}(?![0-9a-z\-])")
MASKED_GROUPED = re.compile(r"(?<![0-9a-z*×])[0-9*×]{4}(?: [0-9*×]{4}){3}(?: [0-9*×]{1,3})?(?![0-9a-z*×])")
MASKED = re.compile(r"(?<![0-9a-z*×])(?:\+86[ \-]?)?[0-9*×]{10,18}[0-9x*×](?![0-9a-z*×])")
_ADDRESS_DETAIL = re.compile(
    r"[^\n，。；;,]{0,30}?(?:[0-9一二三四五六七八九十]+(?:组|社|队)"
    r"|[0-9]+(?:-[0-9]+)?(?:号楼|号院|号|栋|幢|单元|室|户|弄)|[0-9]+(?:-[0-9]+)+)"
    r"(?:[0-9\-]*(?:号楼|号|栋|幢|单元|室|户|层|楼))*"
)
_LEVEL_CUT = re.compile(r"(?:街道|镇|乡)")
_COUNTY_CUT = re.compile(r"[\u4e00-\u9fff]{1,8}?(?:县|(?<![小社园景校厂矿营])区|旗)")
_CN_NUM = "0-9一二三四五六七八九十"
# What only a dwelling has: a flat (2单元301室, 4栋602室, 12号3-2-501, 望江苑3-2-601) or a house in a 村民小组 (村3组12号).
# A parcel (村3组12号地块) is land, not a home.
_DWELLING = re.compile(
    r"(?:\d+(?:号楼|栋|幢|座)-?)?\d+单元-?\d+(?:室|号|户)?"
    r"|\d+(?:号楼|栋|幢|座)-?\d{3,4}(?:室|户)"
    r"|\d+号\d+-\d+-\d{3,4}(?:室|户)?(?!\d)"
    r"|(?<=[苑园区城府居庭湾坊寓])\d{1,3}-\d{1,2}-\d{3,4}(?:室|户)?(?![\d-])"
    rf"|村[{_CN_NUM}]+(?:组|社)\d+号(?!地|宗|田|林)"
)
_DWELLING_TAIL = re.compile(r"(?:-?\d+(?:室|户|号))+")
# Characters that end the walk back from a dwelling to the start of its address: words of the
# sentence around it (反映的|, 家住|, 位于|), never part of a road, village or town name.
_ADDRESS_STOP = frozenset("的在于到住是为和与及向至从把将对您我你他她其位系即经")
_ADDRESS_REACH = 24
# A dwelling counts only behind a named road, village, estate or town (not 第3栋1单元 of a list).
_PLACE_NAME = re.compile(r"[\u4e00-\u9fff](?:路|街|巷|道|弄|里|村|组|小区|苑|园|城|府|居|湾|坊|寓|厦|区|镇|乡|县|市)")
# An organisation named right after the address is the one that sits there (…3号楼县委政法委).
_ORG_AFTER = re.compile(r"\s?[县市区州镇乡][\u4e00-\u9fff]{1,10}?(?:局|委|办|中心|院|所|队|站|处|科|股|室|馆|部)")
# Every number pattern above (ID18, ID15, MOBILE, CARD, LANDLINE, PASSPORT, PERMIT) contains seven
# digits with at most one separator after the third (ID: 110101 1990…, mobile: 138 1234 5678, card:
# 6222 0212 …; the others are longer runs), and a mask someone wrote contains * or ×. Prose whose
# numbers are years, dates and amounts has neither, so one search rules all those scans out.
_NUMBER_CLUSTER = re.compile(r"\d\d\d[ \-.]?\d{4}")
_DECIMAL = re.compile(r"\d")

PERSONAL_EMAIL_DOMAINS = frozenset(
    "qq.com foxmail.com 163.com 126.com yeah.net sina.com sina.cn sohu.com 139.com aliyun.com "
    "gmail.com outlook.com hotmail.com live.com yahoo.com 189.cn wo.cn tom.com 21cn.com vip.qq.com "
    "vip.163.com icloud.com".split()
)


@dataclass
class PdContext:
    """Context word lists (dictionaries/personal/context.yml)."""

    lists: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _re: dict[str, re.Pattern] = field(default_factory=dict, repr=False)

    def rx(self, name: str) -> re.Pattern:
        if name not in self._re:
            words = sorted(self.lists.get(name, ()), key=len, reverse=True)
            self._re[name] = re.compile("|".join(map(re.escape, words)) if words else r"(?!x)x", re.I)
        return self._re[name]

    def near(self, name: str, text: str) -> bool:
        return bool(self.rx(name).search(text))


REQUIRED_LISTS = (
    "id_words", "org_code_words", "card_words", "not_card_words", "org_holder_labels", "org_suffixes",
    "org_account_words", "private_phone_words", "service_words", "official_mail_words",
    "personal_mail_words", "passport_words", "permit_words", "address_words", "sensitive_words", "minor_words", "name_labels",
)
# Lists added later: a site file written before them need not carry them.
OPTIONAL_LISTS = ("home_words", "premises_words", "residence_words", "public_address_words")


def parse_context(data: dict, path: str) -> PdContext:
    from pubgate.dictionary_loader import DictionaryError

    lists = {}
    for name in REQUIRED_LISTS:
        value = data.get(name)
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise DictionaryError(path, name, f"{name} 应为非空字符串列表", f"按原格式填写 {name}: [词1, 词2]")
        lists[name] = tuple(value)
    for name in OPTIONAL_LISTS:
        value = data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise DictionaryError(path, name, f"{name} 应为字符串列表", f"按原格式填写 {name}: [词1, 词2]")
        lists[name] = tuple(value)
    return PdContext(lists)


@dataclass
class Hit:
    kind: str            # id-card, id-card-15, mobile, bank-card, landline, passport, permit, email, address, weak-mask, mask-union
    start: int
    end: int
    value: str           # normalised value (digits etc.)
    suggestion: str
    severity: str        # block | warn
    message: str
    escalated: str = ""  # why severity was raised (sensitive / minor / name)
    service: bool = False  # a published work number: never raised to block


def _line_window(text: str, start: int, end: int, before: int, after: int) -> tuple[str, str]:
    """Text before and after a span, both cut at line breaks."""
    b = text[max(0, start - before):start]
    b = b[b.rfind("\n") + 1:]
    a = text[end:end + after]
    nl = a.find("\n")
    return b, (a if nl < 0 else a[:nl])


class _Spans:
    def __init__(self, blocked: list[tuple[int, int]]):
        self.taken = list(blocked)

    def free(self, s: int, e: int) -> bool:
        return not any(s < b and a < e for a, b in self.taken)

    def take(self, s: int, e: int) -> None:
        self.taken.append((s, e))


def _org_account(ctx: PdContext, before: str, after: str) -> bool:
    window = before[-60:] + " " + after[:40]
    if ctx.near("org_account_words", window):
        return True
    labels = ctx.rx("org_holder_labels")
    for m in labels.finditer(window):
        holder = re.match(r"[:：\s]*([^\n，,。；;：:]{2,30})", window[m.end():])
        if holder and any(holder.group(1).rstrip().endswith(s) or s in holder.group(1)
                          for s in ctx.lists["org_suffixes"]):
            return True
    return False


def detect(text: str, original: str, ctx: PdContext, *, doc_type: str, blocked: list[tuple[int, int]],
           allowed_numbers: frozenset[str] = frozenset(), today: date | None = None,
           address_doc_types: tuple[str, ...] = ("disclosure", "reply")) -> list[Hit]:
    """All personal-data hits of one field. ``text`` is the mapped view, ``original`` the plain text."""
    hits: list[Hit] = []
    spans = _Spans(blocked)
    # \d (a decimal digit) implies str.isdigit; the character loop only runs without one.
    has_digit = _DECIMAL.search(text) is not None or any(c.isdigit() for c in text)

    def add(hit: Hit) -> None:
        spans.take(hit.start, hit.end)
        hits.append(hit)

    if has_digit:
        if "*" in text or "×" in text or _NUMBER_CLUSTER.search(text):
            _ids(text, ctx, spans, add, today)
            _masked(text, spans, add)
            _mobiles(text, ctx, spans, add, allowed_numbers)
            _cards(text, ctx, spans, add)
            _landlines(text, ctx, spans, add)
            _documents(text, ctx, spans, add)
        elif "@" in text or doc_type in address_doc_types:
            # No number candidates, but a credit code still shields what the later scans see.
            _reserve_credit_codes(text, spans)
    if "@" in text:
        _emails(text, ctx, spans, add)
    if doc_type in address_doc_types:
        _addresses(text, original, ctx, spans, add)
        if has_digit:
            _dwellings(text, original, ctx, spans, add)
    elif has_digit and ctx.near("home_words", text):
        # News and other pages: only a private person's home told in the story (家住…602室).
        _addresses(text, original, ctx, spans, add, cue_list="home_words", dwelling_only=True)
    for hit in hits:
        _escalate(text, ctx, hit)
    return hits


def _ids(text, ctx, spans, add, today):
    for m in ID18.finditer(text):
        raw = m.group()
        number = raw.replace(" ", "")
        if not spans.free(m.start(), m.end()):
            continue
        before, _ = _line_window(text, m.start(), m.end(), 16, 0)
        if is_valid_uscc(number.upper()) and (ctx.near("org_code_words", before) or not is_valid_id18(number, today)):
            spans.take(m.start(), m.end())
            continue
        if is_valid_id18(number, today):
            add(Hit("id-card", m.start(), m.end(), number.upper(), masks.mask_id(number.upper()), "block",
                    "未脱敏的居民身份证号码（校验位、地区码、出生日期均有效）"))
    _reserve_credit_codes(text, spans)
    for m in ID15.finditer(text):
        if not spans.free(m.start(), m.end()):
            continue
        before, _ = _line_window(text, m.start(), m.end(), 12, 0)
        if ctx.near("id_words", before) and is_valid_id15(m.group()):
            add(Hit("id-card-15", m.start(), m.end(), m.group(), masks.mask_id(m.group()), "block",
                    "未脱敏的15位居民身份证号码"))


def _reserve_credit_codes(text, spans):
    """Letter-bearing 18-character codes: 统一社会信用代码 are never personal; reserve their spans."""
    for m in ALNUM18.finditer(text):
        if spans.free(m.start(), m.end()) and is_valid_uscc(m.group().upper()):
            spans.take(m.start(), m.end())


def _masked(text, spans, add):
    """Masks people wrote: judged for adequacy; different masks of one number must not add up."""
    seen: dict[str, list[tuple[str, int, int]]] = {}
    matches = sorted([*MASKED_GROUPED.finditer(text), *MASKED.finditer(text)], key=lambda m: m.start())
    for m in matches:
        raw = m.group()
        if not any(c in masks.MASK_CHARS for c in raw) or sum(c.isdigit() for c in raw) < 2:
            continue
        if not spans.free(m.start(), m.end()):
            continue
        value = raw.replace(" ", "")
        if value.startswith("+86"):
            value = value[3:]
        n = len(value)
        if n == 18 and value[0].isdigit() and (value[:17].replace("*", "").replace("×", "").isdigit()):
            kind = "id"
        elif n == 11 and value[0] == "1":
            kind = "mobile"
        elif 16 <= n <= 19 and value[0] in "3456" and value[-1] not in masks.MASK_CHARS:
            kind = "card"
        else:
            continue
        spans.take(m.start(), m.end())
        union = None
        for other, os_, oe in seen.get(kind, []):
            combined = masks.combine_masks(value, other)
            if combined is None or (kind == "id" and not is_valid_id18(combined)):
                continue
            fix = {"id": masks.mask_id, "mobile": masks.mask_mobile, "card": masks.mask_card}[kind](combined)
            union = Hit("mask-union", m.start(), m.end(), value, fix, "block",
                        f"与前文「{text[os_:oe]}」脱敏位置不同，两处合并可还原完整号码")
            break
        verdict = masks.judge_mask(kind, value)
        if union is not None:
            add(union)
        elif verdict:
            problem, fix = verdict
            add(Hit("weak-mask", m.start(), m.end(), value, fix, "warn", problem))
        seen.setdefault(kind, []).append((value, m.start(), m.end()))


def _mobiles(text, ctx, spans, add, allowed_numbers):
    import phonenumbers

    for m in MOBILE.finditer(text):
        if not spans.free(m.start(), m.end()):
            continue
        digits = re.sub(r"\D", "", m.group())
        if digits.startswith("0086"):
            digits = digits[4:]
        elif digits.startswith("86") and len(digits) == 13:
            digits = digits[2:]
        try:
            num = phonenumbers.parse(digits, "CN")
        except phonenumbers.NumberParseException:
            continue
        if not phonenumbers.is_valid_number(num) or phonenumbers.number_type(num) not in (
                phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
            continue
        before, after = _line_window(text, m.start(), m.end(), 20, 8)
        if ctx.near("not_card_words", before[-6:]):
            continue  # 订单号13812345678…
        private = ctx.near("private_phone_words", before) or re.match(r"\s*[（(](?:个人|私人|本人)", after)
        service = digits in allowed_numbers or (not private and ctx.near("service_words", before))
        severity = "warn" if service else "block"
        msg = ("公开的联系手机号码为个人信息，建议改用单位办公电话或脱敏"
               if service else "未脱敏的个人手机号码")
        add(Hit("mobile", m.start(), m.end(), digits, masks.mask_mobile(digits), severity, msg, service=service))


def _cards(text, ctx, spans, add):
    for m in CARD.finditer(text):
        if not spans.free(m.start(), m.end()):
            continue
        digits = m.group().replace(" ", "")
        if not 16 <= len(digits) <= 19 or not luhn_ok(digits):
            continue
        before, after = _line_window(text, m.start(), m.end(), 60, 40)
        near_before = before[-14:]
        if ctx.near("not_card_words", near_before):
            continue
        positive = ctx.near("card_words", near_before)
        if not (positive or (digits.startswith("62") and plausible_card_bin(digits))):
            continue
        if not plausible_card_bin(digits) and not positive:
            continue
        if _org_account(ctx, before, after):
            continue
        add(Hit("bank-card", m.start(), m.end(), digits, masks.mask_card(digits), "block",
                "未脱敏的个人银行卡号"))


def _landlines(text, ctx, spans, add):
    for m in LANDLINE.finditer(text):
        if not spans.free(m.start(), m.end()):
            continue
        before, _ = _line_window(text, m.start(), m.end(), 12, 0)
        if not ctx.near("private_phone_words", before) or ctx.near("service_words", before[-6:]):
            continue
        digits = re.sub(r"\D", "", m.group())
        area = 3 if digits[1] in "12" else 4
        add(Hit("landline", m.start(), m.end(), digits,
                digits[:area] + "-" + "*" * (len(digits) - area - 2) + digits[-2:], "block",
                "私人固定电话号码"))


def _documents(text, ctx, spans, add):
    for rx, words, kind, label in ((PASSPORT, "passport_words", "passport", "护照号码"),
                                   (PERMIT, "permit_words", "permit", "港澳台通行证件号码")):
        for m in rx.finditer(text):
            if not spans.free(m.start(), m.end()):
                continue
            before, _ = _line_window(text, m.start(), m.end(), 14, 0)
            if not ctx.near(words, before):
                continue
            value = m.group().upper()
            add(Hit(kind, m.start(), m.end(), value, masks.mask_generic(value, 1, 2), "block",
                    f"未脱敏的{label}"))


def _emails(text, ctx, spans, add):
    for m in EMAIL.finditer(text):
        if not spans.free(m.start(), m.end()):
            continue
        address = m.group().strip(".")
        domain = address.rsplit("@", 1)[1]
        if domain not in PERSONAL_EMAIL_DOMAINS:
            continue
        # A unit's contact block (电话…，邮箱…) often spans more than one clause.
        before, _ = _line_window(text, m.start(), m.end(), 28, 0)
        named = ctx.near("name_labels", before)
        if ctx.near("official_mail_words", before) and not named and not ctx.near("personal_mail_words", before):
            continue
        add(Hit("email", m.start(), m.start() + len(address), address, masks.mask_email(address), "warn",
                "个人电子邮箱地址"))


def _addresses(text, original, ctx, spans, add, *, cue_list: str = "address_words", dwelling_only: bool = False):
    """Detail after a personal context word (住址：…, 家住…). With ``dwelling_only`` (news), the
    detail must reach a flat or a village house, not just a street number."""
    rx = ctx.rx(cue_list)
    for m in rx.finditer(text):
        rest = text[m.end():m.end() + 50]
        lead = re.match(r"[:：为是在于\s]*", rest)
        start = m.end() + lead.end()
        detail = _ADDRESS_DETAIL.match(text, start)
        if not detail or detail.end() - start < 4 or not spans.free(start, detail.end()):
            continue
        if dwelling_only and not _DWELLING.search(text, start, detail.end()):
            continue
        if _not_a_home(text, ctx, start, detail.end()):
            continue
        add(_address_hit(original, start, detail.end()))


def _dwellings(text, original, ctx, spans, add):
    """A flat (…2单元301室, …4栋602室) or a village house (…村3组12号) written without a context word:
    in a 公示 or a reply only a private person lives there. The address runs back over the road,
    village and town names to the first word that is not part of it (反映的|白鹭镇滨河路…)."""
    for m in _DWELLING.finditer(text):
        end = m.end()
        tail = _DWELLING_TAIL.match(text, end)
        if tail:
            end = tail.end()
        start = m.start()
        while start > 0 and m.start() - start < _ADDRESS_REACH and _address_char(text[start - 1]):
            start -= 1
        named = text[start:m.start()]
        if m.group().startswith("村"):
            named += "村"
        if not _PLACE_NAME.search(named) or not spans.free(start, end):
            continue
        if _not_a_home(text, ctx, start, end):
            continue
        add(_address_hit(original, start, end))


def _address_char(ch: str) -> bool:
    return ("\u4e00" <= ch <= "\u9fff" or ch.isdigit() or ch == "-") and ch not in _ADDRESS_STOP


def _not_a_home(text, ctx, start, end) -> bool:
    """Premises of an agency, a service point or a business, or a venue: an address published on
    purpose (联系地址：县人民政府大院3号楼县委政法委; 经营场所：…; 活动地点：…)."""
    value = text[start:end]
    if ctx.near("premises_words", value) and not ctx.near("residence_words", value):
        return True
    if _ORG_AFTER.match(text, end):
        return True
    before, _ = _line_window(text, start, end, 24, 0)
    return ctx.near("public_address_words", before)


def _address_hit(original, start, end) -> Hit:
    value = original[start:end]
    cut = None
    for lv in _LEVEL_CUT.finditer(value):
        cut = lv.end()
    if cut is None:  # no town named: keep the county or district when the address starts with one
        county = _COUNTY_CUT.match(value)
        cut = county.end() if county else None
    suggestion = value[:cut] if cut is not None and cut < len(value) else "（仅保留到乡镇（街道）一级）"
    return Hit("address", start, end, value, suggestion, "block", "个人详细住址（乡镇以下的村组、门牌、楼栋、房号）")


def _escalate(text, ctx, hit: Hit) -> None:
    if hit.service or hit.kind == "weak-mask":
        return
    before, after = _line_window(text, hit.start, hit.end, 30, 30)
    window = before + " " + after
    if ctx.near("sensitive_words", window):
        hit.escalated = "邻近健康、救助或违法犯罪等敏感信息"
    elif ctx.near("minor_words", window):
        hit.escalated = "涉及未成年人"
    elif hit.severity == "warn" and hit.kind in ("email",) and ctx.near("name_labels", before):
        hit.escalated = "与个人姓名一同出现"
    if hit.escalated:
        hit.severity = "block"
