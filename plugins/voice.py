"""主体口吻未转换: a first-person unit word (我局, 我队, 我镇 …) that does not fit the publishing unit.

When a county portal republishes a reply or news item written by a subordinate unit, the text keeps
that unit's first person, and the reader sees the portal speaking as a police squad or a township.
The draft's ``unit`` field names the publisher. A token is a finding when

* it names a kind of body (局, 委, 办, 队, 所, 院, 中心 …) that the unit's name does not contain
  (unit 县人民政府办公室 + 我队), or
* it names an administrative level below the unit's own (unit 市政府 + 我镇; unit 县政府 + 我市 is the
  parent city and is left alone).

Never findings: an empty ``unit`` (nothing to compare with), quoted speech, a draft with an explicit
来源/转载 line, 自我/你我/忘我 compounds, 我所 + verb (我所了解的), and 本 + a region word that names
the place being talked about rather than the speaker (户籍不在本乡, 非本村村民, 本乡本土): a county
bureau answering about one township may say 本乡 without speaking as that township.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pubgate import BaseCheck, Category, Severity, hookimpl


@dataclass(frozen=True)
class _Token:
    word: str            # the body word after 我/本 (局, 中心, 镇 …)
    unit_marks: tuple[str, ...]  # the token fits a unit whose name contains one of these
    level: int = 0       # administrative level for region words (1 省 … 5 村), 0 for kinds of body
    followers: str = ""  # a next character that makes it another word (我办理, 本办法)
    only_next: str = ""  # when set, the next character must be one of these (我所已…)


_ORG = [
    _Token("局", ("局",), followers="限面势部"),
    _Token("委", ("委",), followers="托屈婉"),
    _Token("办", ("办",), followers="理事证好成完的法妥"),
    _Token("队", ("队",), followers="伍友员"),
    _Token("所", ("所",), only_next="已将于对高会联组派民辖全及立迅第，。、,"),
    _Token("院", ("院",), followers="子落墙士校"),
    _Token("中心", ("中心",)),
    _Token("厅", ("厅",), followers="堂"),
    _Token("站", ("站",), followers="在起着立了岗住出"),
    _Token("馆", ("馆",)),
    _Token("处", ("处",), followers="理于在置分罚事境世"),
    _Token("校", ("校", "学"), followers="对准正验核"),
    _Token("公司", ("公司",)),
    # Sub-units and the smaller kinds of body: 我分局, 我支队, 我科, 我股, 我室, 我庭, 我部 …
    _Token("分局", ("局",)),
    _Token("支队", ("队",)),
    _Token("大队", ("队",), followers="长"),
    _Token("中队", ("队",)),
    _Token("分中心", ("中心",)),
    _Token("分院", ("院",)),
    _Token("分公司", ("公司",)),
    _Token("科室", ("科",)),
    _Token("科", ("科",), followers="技学研普目幻举员长"),
    _Token("股", ("股",), followers="市份票东权民长"),
    _Token("室", ("室",), followers="内外友"),
    _Token("庭", ("庭", "法院"), followers="院长"),
    _Token("部", ("部",), followers="分门署位队件落长"),
    _Token("厂", ("厂",), followers="房区商家长"),
    _Token("园", ("园",), followers="林艺丁地长"),
    _Token("司", ("司",), followers="机法令空仪长"),
    _Token("团", ("团",), followers="结体员圆聚伙长"),
]
_REGION = [
    _Token("省", ("省",), level=1, followers="略钱心去力份"),
    _Token("市", ("市",), level=2, followers="场民"),
    _Token("州", ("州",), level=2),
    _Token("县", ("县", "旗"), level=3, followers="域"),
    _Token("区", ("区",), level=3, followers="域别分间"),
    _Token("旗", ("旗",), level=3, followers="帜"),
    _Token("盟", ("盟",), level=2, followers="友国军约"),
    _Token("镇", ("镇",), level=4, followers="定静守压"),
    _Token("乡", ("乡",), level=4, followers="愁音亲土本情"),
    _Token("街道", ("街道",), level=4),
    _Token("社区", ("社区",), level=5),
    _Token("村", ("村",), level=5, followers="庄民"),
]
_TOKENS = {t.word: t for t in _ORG + _REGION}
_TOKEN_RE = re.compile(r"(?P<p>[我本])(?P<w>" + "|".join(sorted(map(re.escape, _TOKENS), key=len, reverse=True)) + ")")
# 本 + these are not first person at all (本省 is; 本办法 is not) – only 我 forms for these words.
_ONLY_WO = {"处", "校", "公司", "州", "旗", "盟", "分局", "支队", "大队", "中队", "分中心", "分院", "分公司",
            "科室", "科", "股", "室", "庭", "部", "厂", "园", "司", "团"}
# 本 + a region word that points at a place under discussion, not at the speaker: the word is the
# object of a place or membership verb (户籍不在本乡, 非本村, 迁出本镇) or qualifies residents and
# origin (本乡本土, 本村村民, 本镇户籍, 本乡以外).
_PLACE_BEFORE = re.compile(r"(?:不在|未在|均在|仍在|非|属于?|出|离开?|回到?|返回|迁入|迁出|迁回|来自|外出|户籍在|户口在|居住在|生活在)$")
_PLACE_AFTER = re.compile(r"(?:本土|户籍|户口|籍|人(?![民大])|村民|居民|常住|以外|之外|外(?!出|派))")
# Characters before 我 that make another word: 自我, 敌我, 忘我, 你我, 大我, 小我, 无我, 唯我.
_NOT_BEFORE_WO = set("自敌忘你大小无唯")
_SOURCE_LINE = re.compile(r"(?:来源|稿源|信息来源|转载自|转自|供稿|供稿单位|作者单位|原标题)\s*[:：]")
# Words in unit names whose characters are not administrative levels (县市场监管局, 县农业农村局).
_NOT_LEVEL = re.compile(r"市场|城市|城乡|乡村|农村|村镇|城镇|区域|县域|市域|社区卫生|街道办事处(?=.)")
_LEVEL_MARKS = [(5, re.compile(r"社区|村")), (4, re.compile(r"镇|乡|街道")),
                (3, re.compile(r"县|旗|(?<!自治)区")), (2, re.compile(r"市|州|盟")), (1, re.compile(r"省|自治区"))]


def unit_level(unit: str) -> int:
    """The deepest administrative level named in a unit's name (0 when it names none)."""
    name = _NOT_LEVEL.sub("", unit)
    for level, pattern in _LEVEL_MARKS:
        if pattern.search(name):
            return level
    return 0


class VoiceCheck(BaseCheck):
    id = "voice.first-person-unit"
    category = Category.VOICE
    severity = Severity.WARN
    description = "稿件中的单位自称（我局、我队、我镇等）与发布单位不符"

    def run(self, doc):
        unit = (doc.draft.unit or "").strip()
        if not unit:
            return
        fields = [(name, doc.text(name)) for name in ("title", "body")]
        if any(_SOURCE_LINE.search(text) for _, text in fields):
            return
        level = unit_level(unit)
        for name, text in fields:
            for m in _TOKEN_RE.finditer(text):
                token = _TOKENS[m["w"]]
                if not self._is_first_person(text, m, token):
                    continue
                if not self._mismatch(unit, level, token):
                    continue
                if doc.quoted(name, m.start(), m.end()):
                    continue
                yield self.finding(doc, name, m.start(), m.end(), self._message(m.group(), unit, token),
                                   self._suggestion(token))

    @staticmethod
    def _is_first_person(text: str, m: re.Match, token: _Token) -> bool:
        start, end = m.span()
        if m["p"] == "本" and token.word in _ONLY_WO:
            return False
        if m["p"] == "我" and start > 0 and text[start - 1] in _NOT_BEFORE_WO:
            return False
        if m["p"] == "本" and start > 0 and text[start - 1] in "根基成资日版样文为":
            return False  # 根本, 基本, 成本, 资本 …
        if m["p"] == "本" and token.level and (_PLACE_BEFORE.search(text, max(0, start - 4), start)
                                                or _PLACE_AFTER.match(text, end)):
            return False  # 户籍不在本乡: the place talked about
        nxt = text[end] if end < len(text) else ""
        if token.only_next:
            return bool(nxt) and nxt in token.only_next
        return not (nxt and nxt in token.followers)

    @staticmethod
    def _mismatch(unit: str, level: int, token: _Token) -> bool:
        if token.level:
            # A region word fits when the unit is at that level or deeper (县政府 may say 我市).
            return level != 0 and token.level > level
        return not any(mark in unit for mark in token.unit_marks)

    @staticmethod
    def _message(text: str, unit: str, token: _Token) -> str:
        if token.level:
            return f"「{text}」是下级单位的口吻，与发布单位「{unit}」不符，读者会误以为是发布单位在表态。"
        return f"「{text}」是原发单位的自称，与发布单位「{unit}」不符，转发时应改为单位全称。"

    @staticmethod
    def _suggestion(token: _Token) -> str:
        if token.level:
            return f"替换为{token.word}名全称（如「某某{token.word}」）"
        return "替换为发文单位全称"


@hookimpl
def pubgate_register_checks(register):
    register(VoiceCheck())
