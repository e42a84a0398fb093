"""Script and encoding on a simplified-Chinese site: traditional characters, mojibake, conversion debris.

* Traditional characters (warn): what OpenCC's phrase-aware t2s conversion changes, minus the 规范字
  of 《通用规范汉字表》 listed as ``keep`` (乾, 於 as a surname …). Consecutive traditional characters of
  one phrase are one finding, with the simplified text as the suggestion. Quoted text is skipped
  (Hong Kong and Taiwan names are quoted as written).
* Conversion debris (block): a pinyin syllable with tone marks in parentheses glued to the character
  before it, 關(guān)于 / 網(wǎng)站, left by broken 繁简 converters. A single annotation after a
  simplified character is the legitimate 注音 of a rare word (踔(chuō)厉奋发), so it is only reported
  when it follows a traditional character or when the field has several of them.
* Mojibake (block): 锟斤拷, 烫烫烫, U+FFFD, UTF-8 read as Latin-1 (â€œ, Ã©) or GBK read as Latin-1.
* Half-width punctuation between Chinese characters (info): 各乡镇,各部门 → 各乡镇，各部门. Numbers
  (3,000), times (10:30), URLs and English text are never between two Han characters.
* A Chinese paragraph written in half-width punctuation throughout (warn): the marks are counted
  only where they touch Han text (汉字, / 汉字. / "汉字" / (汉字)), so 9:00, 3.5%, IPv6, GB/T 2260,
  URLs and the 序号 1. never count. Two or more such marks, at least one of them a sentence-ending
  "." and no fewer half-width sentence ends than full-width 。！？, that make up most of the paragraph's
  punctuation give one finding over the sentences that carry them. A stray mark, or half-width
  commas in sentences that end in 「。」 (a copy-and-paste or storage artifact), stay info.
"""

from __future__ import annotations

import re
import threading

from pubgate import BaseCheck, Category, Severity, hookimpl
from pubgate.dictionary_loader import DictionaryError
from pubgate.normalize import is_han
from pubgate.prefilter import needed

KIND = "script_format"
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
PINYIN_DEBRIS = re.compile(rf"[(（](?P<py>[a-zü]{{0,5}}[{_TONED}][a-zü{_TONED}]{{0,5}})[)）]")
_LATIN1_LETTER = re.compile(r"[\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]")
_FFFD = re.compile("\ufffd+")
_LATIN1_UTF8 = re.compile(r"(?:â€[\u0080-\u00ff\u2010-\u2122\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u02c6\u02dc]?"
                          r"|[ÃÂ][\u0080-\u00bf])+")
# GBK bytes shown as Latin-1: runs of accented capitals/lower letters and Latin-1 symbols. ×÷·°±²³µ§¥®©
# are left out: they occur in real text (王××, 3×4, 36.5°).
_LATIN1_RUN_CLASS = (r"\u00a1-\u00a4\u00a6\u00a8\u00aa-\u00ad\u00af\u00b2-\u00b5\u00b8-\u00bf"
                     r"\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff")
_LATIN1_RUN = re.compile(rf"[{_LATIN1_RUN_CLASS}]{{4,}}")
# The look-behind sits after the mark (a pattern that starts with a character class lets the regex
# engine jump to the next mark in C instead of trying every position).
HALF_WIDTH = re.compile(rf"(?P<p>[,;:!?])(?<=[{_HAN}][,;:!?])[ ]?(?=[{_HAN}])")
# Every mojibake pattern above needs U+FFFD, â/Ã/Â or a character of the Latin-1 run class, and
# pinyin debris a toned vowel. Simplified Chinese prose has none of them (its · ° ± × are left
# out), and one search for them is cheaper than the four scans it rules out.
_MOJIBAKE_OR_DEBRIS_HINT = re.compile(rf"[\ufffd{_LATIN1_RUN_CLASS}{_TONED}]")
_FULL = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？"}
# Half-width marks that touch Han text. A comma-like mark needs Han (or a closing quote/bracket)
# before it, or Han right after a number (增长5%;其中); between two digits it is part of a number or
# time (3,000, 9:00) and never counts. A full stop needs Han (or %) before it and nothing glued
# after it (方案.docx, 域名.cn), so 3.5 and the 序号 1. stay out. A pair of ASCII quotes or
# brackets counts when it holds Han text and is glued to Han text on one side.
# (Each pattern starts with the mark itself, its look-behind after it, as in HALF_WIDTH above.)
_CN_COMMA = re.compile(rf"[,;:!?](?:(?<=[{_HAN}\"\)][,;:!?])(?=[ ]?[{_HAN}\"\(]|[ ]?\d|$)"
                       rf"|(?<=[0-9A-Za-z%][,;:!?])(?=[{_HAN}]))", re.M)
_CN_STOP = re.compile(rf"(?P<p>\.)(?<=[{_HAN}\"\)%]\.)(?![.0-9A-Za-z])")
_CN_PAIR = re.compile(rf'(?P<o>["(])(?=[^"()\n]*[{_HAN}])[^"()\n]{{1,60}}(?P<c>[")])')
_FULL_IN_CHINESE = re.compile(rf"(?<=[{_HAN}])[，。；：！？“”（）]|[，。；：！？“”（）](?=[{_HAN}])")
_SENTENCE_END = "。！？!?"
_PARAGRAPH_MIN_SHARE = 0.6    # half-width marks in Chinese context must be most of a paragraph's punctuation
_PAIR_FULL = {'"': "“”", "(": "（）"}
_GROUP_GAP = 3           # simplified Han characters allowed inside one traditional phrase
MAX_PER_FIELD = 20       # traditional-character findings per field; the first one carries the total
MAX_PUNCT_PER_FIELD = 3  # info findings for half-width punctuation per field
_DEBRIS_RUN = 2          # this many debris fragments in a field make every one of them debris

_lock = threading.Lock()
_converter = None


def _t2s():
    global _converter
    if _converter is None:
        with _lock:
            if _converter is None:
                import opencc

                _converter = opencc.OpenCC("t2s")
    return _converter


def simplified(text: str) -> str:
    """OpenCC t2s of ``text``, kept to the same length (line by line, char by char as a fallback)."""
    conv = _t2s()
    out = []
    for line in text.split("\n"):
        converted = conv.convert(line) if line else line
        if len(converted) != len(line):
            converted = "".join(c if len(c := conv.convert(ch)) == 1 else ch for ch in line)
        out.append(converted)
    return "\n".join(out)


class ScriptRules:
    def __init__(self, keep: frozenset[str], markers: tuple[str, ...]):
        self.keep = keep
        self.markers = re.compile("|".join(map(re.escape, markers))) if markers else None
        self.markers_needs = needed(self.markers) if self.markers else None


def load_rules(dictionaries) -> ScriptRules:
    keep: set[str] = set()
    markers: list[str] = []
    for f in dictionaries.of_kind(KIND) if dictionaries is not None else ():
        try:
            raw_keep = f.data.get("keep") or []
            chars = []
            for item in raw_keep:
                ch = item.get("char") if isinstance(item, dict) else item
                if not isinstance(ch, str) or len(ch) != 1:
                    raise DictionaryError(f.path, str(item), "keep 的每项应为单个汉字", "写成 {char: 乾, note: 乾坤、乾隆}")
                chars.append(ch)
            raw_markers = f.data.get("mojibake_markers") or []
            if not all(isinstance(m, str) and m for m in raw_markers):
                raise DictionaryError(f.path, "mojibake_markers", "mojibake_markers 应为字符串列表", "写成 [锟斤拷, 烫烫烫]")
        except DictionaryError as err:
            dictionaries.errors.append(err)
            continue
        keep.update(chars)
        markers.extend(raw_markers)
    return ScriptRules(frozenset(keep), tuple(dict.fromkeys(markers)))


class ScriptFormatCheck(BaseCheck):
    id = "format.script"
    category = Category.FORMAT
    severity = Severity.WARN
    description = "简体网站中的繁体字、乱码和繁简转换残留"
    dictionary_kinds = (KIND,)

    def __init__(self, rules: ScriptRules):
        self.rules = rules

    def run(self, doc):
        for name in ("title", "body"):
            text = doc.text(name)
            if not text:
                continue
            traditional = self._traditional_positions(text)
            latin = _MOJIBAKE_OR_DEBRIS_HINT.search(text) is not None
            yield from self._mojibake(doc, name, text, latin)
            if latin:
                yield from self._debris(doc, name, text, traditional)
            yield from self._traditional(doc, name, text, traditional)
            yield from self._half_width(doc, name, text)

    # -- traditional characters --------------------------------------------------------------
    def _traditional_positions(self, text: str) -> dict[int, str]:
        if not any(is_han(ch) for ch in text):
            return {}
        conv = simplified(text)
        if conv == text:  # the usual case on a simplified site: nothing to compare
            return {}
        keep = self.rules.keep
        return {i: b for i, (a, b) in enumerate(zip(text, conv))
                if a != b and a not in keep and "\u4e00" <= b <= "\u9fff"}

    def _traditional(self, doc, name, text, positions):
        groups: list[list[int]] = []
        for i in sorted(positions):
            if groups and i - groups[-1][1] <= _GROUP_GAP + 1 and \
                    all(is_han(ch) for ch in text[groups[-1][1] + 1:i]):
                groups[-1][1] = i
            else:
                groups.append([i, i])
        groups = [(s, e + 1) for s, e in groups if not doc.quoted(name, s, e + 1, titles=False)]
        total = sum(1 for p in positions if any(s <= p < e for s, e in groups))
        for n, (start, end) in enumerate(groups[:MAX_PER_FIELD]):
            suggestion = "".join(positions.get(i, text[i]) for i in range(start, end))
            message = f"「{text[start:end]}」含繁体字，简体网站应使用规范简化字「{suggestion}」。"
            if n == 0 and len(groups) > 1:
                message += f"本{'标题' if name == 'title' else '正文'}共有{total}个繁体字，建议整体转换为简体后重新核对。"
            yield self.finding(doc, name, start, end, message, suggestion, rule="format.script.traditional")

    # -- pinyin debris -------------------------------------------------------------------------
    def _debris(self, doc, name, text, traditional):
        found = [m for m in PINYIN_DEBRIS.finditer(text) if m.start() > 0 and not text[m.start() - 1].isspace()]
        systematic = len(found) >= _DEBRIS_RUN
        debris = [m for m in found if systematic or m.start() - 1 in traditional]
        for n, m in enumerate(debris[:MAX_PER_FIELD]):
            prev = m.start() - 1
            message = f"「{text[prev]}{m.group()}」中的「{m.group()}」是繁简转换留下的拼音残留，页面内容已损坏。"
            if n == 0 and len(debris) > 1:
                message += f"共{len(debris)}处，应从原始文稿重新导出全文。"
            yield self.finding(doc, name, m.start(), m.end(), message,
                               "删除拼音残留，并从原始文稿重新导出", severity=Severity.BLOCK,
                               rule="format.script.conversion-debris")

    # -- mojibake ------------------------------------------------------------------------------
    def _mojibake(self, doc, name, text, latin: bool):
        spans = []
        markers = self.rules.markers
        patterns = ([_FFFD, _LATIN1_UTF8, _LATIN1_RUN] if latin else []) + (
            [markers] if markers and self.rules.markers_needs.possible(text) else [])
        for pattern in patterns:
            spans.extend(m.span() for m in pattern.finditer(text)
                         # a Latin-1 run needs two accented letters: "¹²³" alone is footnote marks
                         if pattern is not _LATIN1_RUN or len(_LATIN1_LETTER.findall(m.group())) >= 2)
        merged: list[list[int]] = []
        for s, e in sorted(spans):
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        for s, e in merged:
            yield self.finding(doc, name, s, e, f"「{text[s:e]}」是乱码（字符编码错误），页面无法正常阅读。",
                               "从原始文稿按 UTF-8 编码重新导出", severity=Severity.BLOCK, rule="format.script.mojibake")

    # -- half-width punctuation ----------------------------------------------------------------
    def _half_width(self, doc, name, text):
        if not any(mark in text for mark in ',;:!?."('):  # the usual case: skip the scans
            return
        covered = []
        for start, end, marks in _half_width_paragraphs(text):
            covered.append((start, end))
            shown = "".join(dict.fromkeys(text[i] for i, _ in marks))
            yield self.finding(
                doc, name, start, end,
                f"这段中文使用了半角标点（{shown}，共{len(marks)}处），中文段落应使用全角标点（，。；：“”（）等）。",
                _to_full_width(text, start, end, marks), severity=Severity.WARN,
                rule="format.script.half-width-paragraph")
        hits = [m for m in HALF_WIDTH.finditer(text)
                if not any(s <= m.start() < e for s, e in covered)]
        for n, m in enumerate(hits[:MAX_PUNCT_PER_FIELD]):
            mark = m["p"]
            message = f"中文语句中应使用全角标点「{_FULL[mark]}」，而不是半角「{mark}」。"
            if n == 0 and len(hits) > 1:
                message += f"共{len(hits)}处。"
            yield self.finding(doc, name, m.start("p"), m.end("p"), message, _FULL[mark],
                               severity=Severity.INFO, rule="format.script.half-width-punctuation")


def _chinese_context_marks(line: str) -> list[tuple[int, str]]:
    """(offset, full-width replacement) of every half-width mark in ``line`` that touches Han text."""
    marks = [(m.start(), _FULL[m.group()]) for m in _CN_COMMA.finditer(line)]
    marks += [(m.start("p"), "。") for m in _CN_STOP.finditer(line)]
    for m in _CN_PAIR.finditer(line):
        o, c = m.start("o"), m.end("c") - 1
        outside = (line[o - 1] if o > 0 else "") + (line[c + 1] if c + 1 < len(line) else "")
        # English quoting ("PM2.5") is glued to Latin text or spaces on both sides.
        if m["o"] + m["c"] in ('""', "()") and any(is_han(ch) or ch in _FULL or ch in ".，。：；" for ch in outside):
            pair = _PAIR_FULL[m["o"]]
            marks += [(o, pair[0]), (c, pair[1])]
    return sorted(set(marks))


def _half_width_paragraphs(text: str):
    """(start, end, marks) of each paragraph written with half-width punctuation throughout; the
    span runs from the start of the first sentence with such a mark to the end of the last one."""
    if not _CN_STOP.search(text):  # no "." ends a Chinese sentence: no such paragraph (the usual case)
        return
    offset = 0
    for line in text.split("\n"):
        base, offset = offset, offset + len(line) + 1
        if not _CN_STOP.search(line):
            continue
        marks = _chinese_context_marks(line)
        if len(marks) < 2:
            continue
        # Half-width ，：；（）！？ before full-width full stops are what copy-and-paste and storage
        # normalisation leave behind (each sentence still ends in 「。」). Nothing turns 。 into ".",
        # so a paragraph typed in half-width is known by its "." full stops.
        dots = sum(1 for i, _ in marks if line[i] == ".")
        stops = sum(1 for _, full in marks if full in "。！？")
        if not dots or stops < sum(line.count(ch) for ch in "。！？"):
            continue
        full = len(_FULL_IN_CHINESE.findall(line))
        if len(marks) < _PARAGRAPH_MIN_SHARE * (len(marks) + full):
            continue
        (first, _), (last, last_full) = marks[0], marks[-1]
        start = max(line.rfind(ch, 0, first) for ch in _SENTENCE_END) + 1
        stop_before_close = len(marks) > 1 and marks[-2] == (last - 1, "。") and last_full in "”）"
        if last_full in "。！？" or stop_before_close:
            end = last + 1
        else:
            ends = [i for i in (line.find(ch, last) for ch in _SENTENCE_END) if i >= 0]
            end = min(ends) + 1 if ends else len(line.rstrip())
        while start < end and line[start].isspace():
            start += 1
        yield base + start, base + end, [(base + i, f) for i, f in marks if start <= i < end]


def _to_full_width(text: str, start: int, end: int, marks: list[tuple[int, str]]) -> str:
    """The span with its Chinese-context half-width marks replaced (a space after one goes too)."""
    replace = dict(marks)
    out = []
    for i in range(start, end):
        if i in replace:
            out.append(replace[i])
        elif text[i] == " " and i - 1 in replace:
            continue
        else:
            out.append(text[i])
    return "".join(out)


@hookimpl
def pubgate_register_checks(register, dictionaries):
    register(ScriptFormatCheck(load_rules(dictionaries)))
