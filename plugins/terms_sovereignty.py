"""Sovereignty wording that needs sentence context (handbook §3.4; fixed phrases are in
dictionaries/terms/sovereignty.yml).

- 台湾/香港/澳门 listed among 国家 without 和地区 (美国、日本、台湾等国家) → warn, suggest 国家和地区;
- 中华民国 in current use (中华民国护照, 台湾的中华民国, 民国113年) → block; history (民国时期,
  中华民国成立, 民国二十年) and critical reporting (所谓“中华民国”) pass;
- Taiwan's institutions (立法院, 行政院 …) named without quotation marks → warn.
"""

from __future__ import annotations

import re

from pubgate import BaseCheck, Category, Severity, hookimpl

from ._terms_common import TERMS_SOURCE, quoted_or_so_called, sentence_bounds

SOURCE = "新华社《新闻报道中的禁用词和慎用词》（涉及领土、港澳台部分）"

_NUM = "0-9一二三四五六七八九十百千两多余几"
# The collective noun closing a list: 等国家 / 等20多个国家 / 三个国家 / 等国. Written as one
# leading character class, 等 or a numeral, then what follows each (等 + optional count, or more
# numerals + 个): the same matches as 等(…)?|[…]+个, but the regex engine can skip ahead in C to
# the next candidate instead of trying the alternation at every position.
_COUNTRY_NOUN = (r"(?P<noun>国家(?!级|队|标准|机关|部委|重点|层面|战略|安全|发展|政策|规定|公园|和地区|或地区|及地区|与地区|地区|[（(]地区)"
                 r"|国(?=[，。、；：的和及与）)\n]|$))")
_COUNTRIES = re.compile(rf"[等{_NUM}](?:(?<=等)(?:[{_NUM}]+个?)?|(?<!等)[{_NUM}]*个)" + _COUNTRY_NOUN)
_REGION = re.compile(r"(?:中国)?(?:台湾|香港|澳门|港澳台|港澳)(?:地区|省|特别行政区|特区)?$")
_CLAUSE = "，。；：！？\n“”\"（）()"

_ROC = re.compile(r"中华民国")
_ROC_CURRENT_AFTER = re.compile(r"^(?:护照|国籍|国旗|国号|身份证|驻|外交部|国防部|国军|政府(?!时期)|当局|在台湾)")
_ROC_CURRENT_BEFORE = re.compile(r"(?:台湾的?|现在的|今天的|当今的?|目前的?|所谓的)$")
_ROC_HISTORY = re.compile(r"时期|年间|初年|初期|末年|元年|成立|建立|创立|临时|北洋|国民政府|辛亥|孙中山|南京|推翻|覆灭|大陆时期|((?:18|19)\d{2})年")
_MINGUO_YEAR = re.compile(rf"民国(?P<n>[0-9]{{2,3}}|[一二三四五六七八九十百]{{2,5}})年(?!代)")

_TW_INSTITUTION = re.compile(r"(?P<name>立法院|行政院|监察院|司法院|考试院|陆委会|总统府)")
_TW_CONTEXT = re.compile(r"(?:台湾(?:地区)?|台当局|岛内|民进党当局?)[^，。；！？\n]{0,8}$")

_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _chinese_number(s: str) -> int | None:
    if s.isdigit():
        return int(s)
    total, current = 0, 0
    for ch in s:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


class SovereigntyCheck(BaseCheck):
    id = "terms.sovereignty-context"
    category = Category.SEVERE_MISSTATEMENT
    severity = Severity.WARN
    description = "涉台港澳表述：港澳台与国家并列、「中华民国」现时使用、台湾机构名称未加引号"

    def run(self, doc):
        for field_name in ("title", "body"):
            view = doc.view(field_name)
            text = view.norm
            if not text:
                continue
            if "国" in text and any(r in text for r in ("台湾", "香港", "澳门", "港澳")):
                yield from self._country_lists(doc, field_name, view, text)
            if "民国" in text:
                yield from self._roc(doc, field_name, view, text)
            if "院" in text or "陆委会" in text or "总统府" in text:
                yield from self._institutions(doc, field_name, view, text)

    def _country_lists(self, doc, field_name, view, text):
        for m in _COUNTRIES.finditer(text):
            lo = max(text.rfind(ch, 0, m.start()) for ch in _CLAUSE) + 1
            segment = text[lo:m.start()]
            if "、" not in segment and "和" not in segment and "及" not in segment:
                continue
            items = [item for item in re.split(r"[、和及与]", segment) if item]
            if len(items) < 2 or not any(_REGION.search(item) for item in items):
                continue
            s, e = view.to_original(m.start("noun"), m.end("noun"))
            if doc.quoted(field_name, s, e, titles=False):
                continue
            noun = m.group("noun")
            yield self.finding(doc, field_name, s, e,
                               f"台湾、香港、澳门不是国家，与国家并列时应写「国家和地区」，不能统称「{noun}」。",
                               "国家和地区", rule="terms.sovereignty-context.country-list", source=SOURCE)

    def _roc(self, doc, field_name, view, text):
        for m in _ROC.finditer(text):
            after = text[m.end():m.end() + 6]
            if after.startswith(("总统", "副总统")):
                continue  # the phrase dictionary (terms.sovereignty) reports these
            current = bool(_ROC_CURRENT_AFTER.match(after)) or bool(_ROC_CURRENT_BEFORE.search(text, max(0, m.start() - 5), m.start()))
            if not current:
                continue
            lo, hi = sentence_bounds(text, m.start(), m.end())
            if _ROC_HISTORY.search(text, lo, hi):
                continue
            s, e = view.to_original(m.start(), m.end())
            if quoted_or_so_called(doc, field_name, s, e):
                continue
            yield self.finding(doc, field_name, s, e,
                               "不得使用「中华民国」指称台湾现状，应表述为「台湾地区」或「台湾当局」。",
                               "台湾地区", rule="terms.sovereignty-context.roc", severity=Severity.BLOCK, source=SOURCE)
        for m in _MINGUO_YEAR.finditer(text):
            n = _chinese_number(m.group("n"))
            if n is None or n <= 38:
                continue  # 民国纪年 for 1912–1949 is history
            s, e = view.to_original(m.start(), m.end())
            if quoted_or_so_called(doc, field_name, s, e):
                continue
            yield self.finding(doc, field_name, s, e,
                               f"「{view.original[s:e]}」是台湾当局的「民国」纪年，应改用公元纪年（{1911 + n}年）。",
                               f"{1911 + n}年", rule="terms.sovereignty-context.roc", severity=Severity.BLOCK,
                               source=SOURCE)

    def _institutions(self, doc, field_name, view, text):
        for m in _TW_INSTITUTION.finditer(text):
            if not _TW_CONTEXT.search(text, max(0, m.start() - 16), m.start()):
                continue
            s, e = view.to_original(m.start(), m.end())
            if doc.quoted(field_name, s, e, titles=False):
                continue
            name = m.group("name")
            yield self.finding(doc, field_name, s, e,
                               f"台湾地区机构名称「{name}」无法回避时须加引号。", f"“{name}”",
                               rule="terms.sovereignty-context.quote", source=SOURCE)


@hookimpl
def pubgate_register_checks(register):
    register(SovereigntyCheck())
