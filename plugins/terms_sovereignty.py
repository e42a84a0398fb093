"""Sovereignty wording that needs sentence context (handbook §3.4; fixed phrases are in
dictionaries/terms/sovereignty.yml).

- 台湾/香港/澳门 listed among 国家 without 和地区 (美国、日本、台湾等国家) → warn, suggest 国家和地区;
- 中华民国 in current use (中华民国护照, 台湾的中华民国, 民国113年) → block; history (民国时期,
  中华民国成立, 民国二十年) and critical reporting (所谓“中华民国”) pass;
- Taiwan's institutions (立法院, 行政院 …) named without quotation marks → warn;
- 中国 set beside 台湾/香港/澳门 as if they were separate (中国和台湾, 香港与中国) → block, suggest
  大陆和台湾 / 内地和香港; 中国台湾, 中国大陆和台湾, 台湾和中国其他省份 are right;
- 中台/中港/中澳 for cross-strait or mainland–Hong Kong/Macao relations (中港合作, 中台关系) → block;
  中澳 only when 澳门, not 澳大利亚, is what the sentence is about; 数据中台 is technology;
- 两国 (两个国家) for the two sides of the strait or the mainland and Hong Kong/Macao → block;
- 台湾 called a 国家 (台湾是一个国家, 台湾国旗) → block, unless reported as a separatist claim.

Meta-talk (不得将中国与台湾并列), quotations and 所谓… are not findings.
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

# 中国 beside a region as if separate. Left: 中国 not part of a longer name (美丽中国, 新中国 are
# slogans or history); right: 中国台湾/中国大陆/中国其他省份 are the correct, inclusive wordings.
_REGIONS = "台湾|香港|澳门"
_CONJ = "和|与|及|以及|、|同|跟|或"
_CN_BEFORE_REGION = re.compile(
    rf"(?<!美丽)(?<!数字)(?<!健康)(?<!平安)(?<!法治)(?<!智慧)(?<!网络)(?<!文化)(?<![新全旧老大])"
    rf"中国(?P<conj>{_CONJ})(?P<region>{_REGIONS})(?:地区|特区|特别行政区|省)?")
_REGION_BEFORE_CN = re.compile(
    rf"(?<!中国)(?P<region>{_REGIONS})(?:地区|特区|特别行政区)?(?P<conj>{_CONJ})中国"
    rf"(?!{_REGIONS}|大陆|内地|其他|其它|其余|各|的其他|境内|共产党|人民|政府对)")
# Talking about the rule, not breaking it: 不得将中国与台湾并列.
_META = re.compile(r"并列|并称|相提并论|混为一谈|不得|不能|禁止|严禁|所谓|错误表述|不规范")
_RIGHT_PAIR = {"台湾": "大陆和台湾", "香港": "内地和香港", "澳门": "内地和澳门"}

# 中台/中港/中澳 used for cross-strait or mainland–HK/Macao relations. The character before 中 must
# not make it part of another word (数据中台, 华中港口, 沪深中港…).
_ABBREV = re.compile(
    r"(?<![据务术能端前后华海城南北东西河江湾国山沪深武青])中(?P<other>台|港|澳)"
    r"(?P<rel>两地|两岸|关系|合作|交流|贸易|之间|矛盾|双方|往来|经贸|融合|边境|通关|口岸|跨境|澳|台)")
_TAIWAN_CUE = re.compile(r"台湾|两岸|大陆|海峡|岛内|台胞|台商|台企|台青|民进党|国民党")
_MACAO_CUE = re.compile(r"澳门|濠江|珠澳|港澳|横琴")
_AUSTRALIA_CUE = re.compile(r"澳大利亚|澳洲|堪培拉|悉尼|墨尔本|澳元|澳方|南半球")

# 两国 for the two sides: 大陆和台湾两国, 两岸两国人民, 内地与香港两个国家.
_TWO_STATES = re.compile(
    rf"(?P<side>两岸|{_REGIONS}|中台|中港)(?P<gap>[^，。；！？!?\n]{{0,8}}?)(?P<noun>两国|两个国家)")
_FOREIGN = re.compile(r"国|美|日本|韩|英|法|德|俄|朝|越|泰|印|澳大利亚|新加坡|加拿大|菲律宾|马来|欧")

# 台湾 called a state.
_TW_STATE = re.compile(r"(?P<name>台湾)(?:(?:是|作为|这个|这一)(?:一个)?(?:独立的?|主权)?(?:的)?国家|(?:的)?(?:国旗|国歌|国号|国籍))")
_SEPARATIST_CLAIM = re.compile(r"宣称|鼓吹|妄称|声称|叫嚣|谬论|炒作|所谓|歪曲|否认|反对|驳斥|污蔑|谎称|宣扬|荒谬|分裂|台独|不是")

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
            if any(r in text for r in ("台湾", "香港", "澳门")):
                yield from self._juxtaposed(doc, field_name, view, text)
                if "台湾" in text:
                    yield from self._taiwan_as_state(doc, field_name, view, text)
            if any(r in text for r in ("台湾", "香港", "澳门", "两岸", "中台", "中港")):
                yield from self._two_states(doc, field_name, view, text)
            if "中台" in text or "中港" in text or "中澳" in text:
                yield from self._abbreviations(doc, field_name, view, text)

    def _report(self, doc, field_name, view, start, end, message, suggestion, rule):
        """A block finding unless the span is quoted, 所谓…, or the sentence talks about the rule."""
        text = view.norm
        lo, hi = sentence_bounds(text, start, end)
        if _META.search(text, lo, hi):
            return None
        s, e = view.to_original(start, end)
        if quoted_or_so_called(doc, field_name, s, e):
            return None
        return self.finding(doc, field_name, s, e, message, suggestion, rule=rule, severity=Severity.BLOCK,
                            source=SOURCE)

    def _juxtaposed(self, doc, field_name, view, text):
        if "中国" not in text:
            return
        for m in [*_CN_BEFORE_REGION.finditer(text), *_REGION_BEFORE_CN.finditer(text)]:
            region = m.group("region")
            found = self._report(
                doc, field_name, view, m.start(), m.end(),
                f"「{m.group(0)}」把{region}与中国并列，违反一个中国原则，应表述为「{_RIGHT_PAIR[region]}」"
                f"{'或「海峡两岸」' if region == '台湾' else ''}。",
                _RIGHT_PAIR[region], "terms.sovereignty-context.juxtaposed")
            if found:
                yield found

    def _abbreviations(self, doc, field_name, view, text):
        for m in _ABBREV.finditer(text):
            other, rel = m.group("other"), m.group("rel")
            lo, hi = sentence_bounds(text, m.start(), m.end())
            window = text[max(0, lo - 60):min(len(text), hi + 60)]
            if other == "台":
                # 中台 is also a technology word (业务中台); without a strong relation word the
                # sentence must be about Taiwan.
                if rel not in ("关系", "两岸", "之间", "双方", "两地") and not _TAIWAN_CUE.search(text, lo, hi):
                    continue
                right, place = "两岸", "大陆与台湾"
            elif other == "港":
                right, place = "内地与香港", "内地与香港"
            else:
                # 中澳 usually means China–Australia; only the Macao sense is wrong.
                if not _MACAO_CUE.search(window) or _AUSTRALIA_CUE.search(window):
                    continue
                right, place = "内地与澳门", "内地与澳门"
            found = self._report(doc, field_name, view, m.start(), m.end(),
                                 f"「{m.group(0)}」不得使用，{place}的关系应表述为「{right}」。", right,
                                 "terms.sovereignty-context.abbreviation")
            if found:
                yield found

    def _two_states(self, doc, field_name, view, text):
        if "两国" not in text and "两个国家" not in text:
            return
        for m in _TWO_STATES.finditer(text):
            clause_start = max(text.rfind(ch, 0, m.start()) for ch in _CLAUSE) + 1
            if _FOREIGN.search(m.group("gap")) or _FOREIGN.search(text, clause_start, m.start()):
                continue  # 台湾问题上中美两国; 日本、香港两个国家 is the country-list rule's
            side = m.group("side")
            right = "两岸" if side in ("两岸", "台湾", "中台") else "两地"
            found = self._report(doc, field_name, view, m.start("noun"), m.end("noun"),
                                 f"「{m.group('noun')}」把{'海峡两岸' if right == '两岸' else '内地与港澳'}称为两个国家，"
                                 f"违反一个中国原则，应表述为「{right}」。", right,
                                 "terms.sovereignty-context.two-states")
            if found:
                yield found

    def _taiwan_as_state(self, doc, field_name, view, text):
        for m in _TW_STATE.finditer(text):
            lo, hi = sentence_bounds(text, m.start(), m.end())
            if _SEPARATIST_CLAIM.search(text, lo, hi):
                continue  # reporting or refuting the claim
            found = self._report(doc, field_name, view, m.start(), m.end(),
                                 f"「{m.group(0)}」把台湾称为国家，违反一个中国原则，台湾是中国的一个省。",
                                 None, "terms.sovereignty-context.taiwan-state")
            if found:
                yield found

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
