"""涉密标识: classification markings and internal-circulation notes in a draft meant for the public.

Block: a 密级 with ★ and an optional 保密期限 (秘密★1年, 机密★长期, 秘密★一年), a 密级：… label, a 密级
alone on a line (or opening one of the first lines), 密电 after a 机关代字 (市委密电) or before a year
bracket, 密电 as a marking of its own (alone on a line, opening one of the first lines, or in
brackets: 【密电】), and a 文号 whose 机关代字 contains 密 (县政密〔2023〕1号). Warn: internal-circulation phrases (内部资料, 注意保存, 不得
外传 …) where they act as a marking. Exam papers marked 绝密★启用前 are published on purpose once the
exam is over, so that form is a warning. Quoted markings (保密 education) and ordinary words (保守国家秘密,
商业秘密, 秘密投票, 机密性) are not findings. Attachment names go through the same rules (a meta finding).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pubgate import BaseCheck, Category, Severity, hookimpl
from pubgate.dictionary_loader import DictionaryError
from pubgate.prefilter import NeedsIndex, needed

KIND = "secret_markings"
DEFAULT_LEVELS = ("绝密", "机密", "秘密")
_ORGAN_CHARS = "委办府政厅局党组部署院"
_YEAR_BRACKET = r"\s*[〔\[【(（]\s*(?:19|20)\d{2}\s*[〕\]】)）]"
# How many non-empty lines at the head of a field may carry a marking before the title.
_HEAD_LINES = 3
# A line whose content besides the phrases is at most this many characters is a marking line.
_LEFTOVER = 4
_NOT_CONTENT = re.compile(r"[\s\d\W_第期号年月日]+")
_GAP = re.compile(r"[\s　，,、；;。:：·•|/]{0,3}")


# A 保密期限 after ★: 1年, 6个月, 长期, and the same in Chinese numerals (一年, 十个月).
_TERM = r"(?:\d{1,2}|[一二三四五六七八九十两]{1,3})[ \t　]*(?:年|个月)|长期"
# 密电 as a marking: alone on a line, opening a line before other text (密电 特急), or bracketed.
_CIPHER_MARK = r"[ \t　]*[【\[（(]?[ \t　]*密[ \t　]*电[ \t　]*[】\]）)]?(?=[ \t　]*$|[ \t　]+\S)"

_SCANS = ("star", "label", "alone", "head", "cipher", "cipher_line", "cipher_bracket", "doc_number", "phrase_re")


@dataclass(frozen=True)
class _Phrase:
    match: str
    exceptions: tuple[str, ...]


class SecretMarkingRules:
    """The compiled rules of one ``secret_markings`` file (or the built-in defaults)."""

    def __init__(self, levels: tuple[str, ...], phrases: tuple[_Phrase, ...]):
        self.levels = levels
        self.phrases = phrases
        lv = "|".join(map(re.escape, levels))
        spaced = "|".join(r"\s*".join(map(re.escape, level)) for level in levels)
        self.star = re.compile(
            rf"(?P<level>{lv})[ \t　]*(?:[★☆](?:[ \t　]*(?P<term>{_TERM}|(?P<exam>启用前)))?"
            rf"|\*[ \t　]*\d{{1,2}}[ \t　]*(?:年|个月))")
        self.label = re.compile(rf"密\s*级\s*[:：]\s*(?P<level>{lv}|内部)")
        self.alone = re.compile(rf"^\s*(?P<level>{spaced})\s*$")
        self.head = re.compile(rf"^\s*(?P<level>{lv})(?=[\s　]+\S)")
        self.cipher = re.compile(rf"(?<=[{_ORGAN_CHARS}])密电|密电(?={_YEAR_BRACKET})")
        self.cipher_line = re.compile(rf"^{_CIPHER_MARK}")
        self.cipher_bracket = re.compile(r"[【\[]\s*密\s*电\s*[】\]]")
        self.doc_number = re.compile(
            rf"(?<=[{_ORGAN_CHARS}])密(?:发|函|字|电|件)?{_YEAR_BRACKET}\s*\d{{1,5}}\s*号")
        self.phrase_re = re.compile("|".join(re.escape(p.match) for p in phrases)) if phrases else None
        self.by_match = {p.match: p for p in phrases}
        # The text each pattern needs (a 密级 word, 密电, 密 …): most drafts have none, and one
        # check of all of them rules out the scans (pubgate.prefilter).
        self.needs = {name: needed(getattr(self, name)) for name in _SCANS if getattr(self, name) is not None}
        self.needs_index = NeedsIndex(self.needs.values())


def load_rules(dictionaries) -> SecretMarkingRules:
    """Rules from the ``secret_markings`` files; problems are recorded, never raised."""
    levels: list[str] = []
    phrases: list[_Phrase] = []
    for f in dictionaries.of_kind(KIND) if dictionaries is not None else ():
        data = f.data
        try:
            raw_levels = data.get("levels", [])
            if not isinstance(raw_levels, list) or not all(isinstance(x, str) and x for x in raw_levels):
                raise DictionaryError(f.path, "levels", "levels 应为密级名称列表", "写成 levels: [绝密, 机密, 秘密]")
            raw_phrases = data.get("internal_phrases", [])
            if not isinstance(raw_phrases, list):
                raise DictionaryError(f.path, "internal_phrases", "internal_phrases 应为列表",
                                      "每项写成 {match: 内部资料, exceptions: [...]}")
            parsed = []
            for item in raw_phrases:
                item = {"match": item} if isinstance(item, str) else item
                if not isinstance(item, dict) or not isinstance(item.get("match"), str) or not item["match"]:
                    raise DictionaryError(f.path, str(item), "内部用语条目缺少 match", "写成 {match: 内部资料}")
                exc = item.get("exceptions") or []
                if isinstance(exc, str):
                    exc = [exc]
                parsed.append(_Phrase(item["match"], tuple(exc)))
        except DictionaryError as err:
            dictionaries.errors.append(err)
            continue
        levels.extend(raw_levels)
        phrases.extend(parsed)
    return SecretMarkingRules(tuple(dict.fromkeys(levels)) or DEFAULT_LEVELS, tuple(phrases))


class SecretMarkingCheck(BaseCheck):
    id = "secret.markings"
    category = Category.SECRET_MARKING
    severity = Severity.BLOCK
    description = "涉密标识（密级标志、密电、含「密」的文号、内部资料等）不得出现在公开发布的信息中"
    dictionary_kinds = (KIND,)

    def __init__(self, rules: SecretMarkingRules):
        self.rules = rules

    def run(self, doc):
        for field_name in ("title", "body"):
            text = doc.view(field_name).mapped  # full-width → ASCII, same length as the original
            if text:
                yield from self._field(doc, field_name, text)
        for attachment in doc.draft.attachments:
            name = str(attachment.get("name") or "")
            hit = self._attachment_hit(name)
            if hit:
                severity, what = hit
                yield self.finding(doc, "meta", None, None,
                                   f"附件「{name}」的名称含涉密标识「{what}」，涉密文件不得上网发布。",
                                   "撤下该附件，或经保密审查确认已解密后再发布",
                                   severity=severity, rule="secret.markings.attachment")

    # -- one field -----------------------------------------------------------------------------
    def _field(self, doc, field_name: str, text: str):
        r = self.rules
        spans: list[tuple[int, int]] = []
        possible = r.needs_index.tester(text)

        def scan(name: str):
            return getattr(r, name).finditer(text) if possible(r.needs[name]) else ()

        def emit(start, end, message, suggestion, severity=Severity.BLOCK, rule=None):
            if any(s < end and start < e for s, e in spans) or doc.quoted(field_name, start, end, titles=False):
                return None
            spans.append((start, end))
            return self.finding(doc, field_name, start, end, message, suggestion, severity=severity,
                                rule=rule or self.id)

        for m in scan("star"):
            if m["exam"]:
                f = emit(m.start(), m.end(), f"「{m.group()}」为试卷密级标志，须确认考试已结束、试卷已解密后方可公开。",
                         "确认已解密，或删除密级标志", Severity.WARN, "secret.markings.exam")
            else:
                f = emit(m.start(), m.end(), f"「{m.group()}」为国家秘密密级标志，涉密信息不得上网发布。",
                         "撤下稿件，经保密审查后再处理")
            if f:
                yield f
        for m in scan("label"):
            internal = m["level"] == "内部"
            f = emit(m.start(), m.end(), f"「{m.group()}」表明该文件{'限内部使用' if internal else '属于国家秘密'}，不得公开发布。",
                     "撤下稿件，经保密审查后再处理", Severity.WARN if internal else Severity.BLOCK)
            if f:
                yield f
        for m in scan("cipher"):
            f = emit(_code_start(text, m.start()), m.end(), "「密电」为涉密电报，其内容不得上网发布。", "撤下稿件，经保密审查后再处理")
            if f:
                yield f
        for m in scan("doc_number"):
            start = _code_start(text, m.start())
            f = emit(start, m.end(), f"文号「{text[start:m.end()]}」的机关代字含「密」，为涉密文件，不得上网发布。",
                     "撤下稿件，经保密审查后再处理")
            if f:
                yield f
        for m in scan("cipher_bracket"):
            f = emit(m.start(), m.end(), f"「{m.group()}」为涉密电报标识，其内容不得上网发布。", "撤下稿件，经保密审查后再处理")
            if f:
                yield f
        # A marking alone on a line, or opening one of the first lines.
        offset, seen = 0, 0
        ciphers = possible(r.needs["cipher_line"])
        lines = text.split("\n") if possible(r.needs["alone"]) or possible(r.needs["head"]) or ciphers else ()
        for line in lines:
            if line.strip():
                m = r.alone.match(line) or (r.head.match(line) if seen < _HEAD_LINES else None)
                if m:
                    s, e = offset + m.start("level"), offset + m.end("level")
                    f = emit(s, e, f"「{text[s:e]}」为密级标志，涉密文件不得上网发布。", "撤下稿件，经保密审查后再处理")
                    if f:
                        yield f
                c = r.cipher_line.match(line) if ciphers else None
                # 密电 alone on a line is a marking anywhere; before other text only at the head
                # (密电 特急), since a sentence may open with the word.
                if c and (not line[c.end():].strip() or seen < _HEAD_LINES):
                    s, e = offset + len(line) - len(line.lstrip()), offset + len(line[:c.end()].rstrip())
                    f = emit(s, e, f"「{text[s:e]}」为涉密电报标识，其内容不得上网发布。", "撤下稿件，经保密审查后再处理")
                    if f:
                        yield f
                seen += 1
            offset += len(line) + 1
        if r.phrase_re is not None and possible(r.needs["phrase_re"]):
            yield from self._internal(doc, field_name, text, emit)

    def _internal(self, doc, field_name, text, emit):
        r = self.rules
        hits = []
        for m in r.phrase_re.finditer(text):
            phrase = r.by_match[m.group()]
            if any(_covers(text, x, m.start(), m.end()) for x in phrase.exceptions):
                continue
            hits.append((m.start(), m.end()))
        for i, (s, e) in enumerate(hits):
            line_start = text.rfind("\n", 0, s) + 1
            line_end = text.find("\n", e)
            line_end = len(text) if line_end == -1 else line_end
            bracketed = bool(re.search(r"[【\[(（]\s*$", text[max(0, s - 2):s])) and \
                bool(re.match(r"\s*[】\])）]", text[e:e + 2]))
            paired = any(j != i and ((s2 >= e and _GAP.fullmatch(text[e:s2])) or
                                     (s >= e2 and _GAP.fullmatch(text[e2:s])))
                         for j, (s2, e2) in enumerate(hits))
            if bracketed or paired or self._marking_line(text, hits, line_start, line_end):
                f = emit(s, e, f"「{text[s:e]}」表明该材料限内部使用，公开发布前须经保密审查。",
                         "删除该标注并确认内容可公开", Severity.WARN, "secret.markings.internal")
                if f:
                    yield f

    @staticmethod
    def _marking_line(text, hits, line_start, line_end) -> bool:
        """A line that is (almost) nothing but internal-circulation phrases: a marking, not prose."""
        rest = []
        pos = line_start
        for s, e in hits:
            if line_start <= s and e <= line_end:
                rest.append(text[pos:s])
                pos = e
        rest.append(text[pos:line_end])
        leftover = _NOT_CONTENT.sub("", "".join(rest))
        return len(leftover) <= _LEFTOVER

    def _attachment_hit(self, name: str):
        if not name:
            return None
        r = self.rules
        for regex in (r.star, r.label, r.cipher, r.doc_number):
            m = regex.search(name)
            if m:
                return Severity.BLOCK, m.group()
        m = re.search("|".join(map(re.escape, r.levels)), name)
        if m and re.search(r"[（(【\[]\s*" + m.group() + r"\s*[）)】\]]", name):
            return Severity.BLOCK, m.group()
        if r.phrase_re is not None:
            m = r.phrase_re.search(name)
            if m:
                return Severity.WARN, m.group()
        return None


_NOT_CODE = set("据照按依的与和及将对于在为把转发印")


def _code_start(text: str, start: int, limit: int = 6) -> int:
    """Walk back over the 机关代字 before 密 (县政密 → start at 县), stopping at function words."""
    while limit and start > 0 and "\u4e00" <= text[start - 1] <= "\u9fff" and text[start - 1] not in _NOT_CODE:
        start -= 1
        limit -= 1
    return start


def _covers(text: str, phrase: str, start: int, end: int) -> bool:
    lo = max(0, end - len(phrase))
    pos = text.find(phrase, lo, start + len(phrase))
    return pos != -1 and pos <= start and end <= pos + len(phrase)


@hookimpl
def pubgate_register_checks(register, dictionaries):
    register(SecretMarkingCheck(load_rules(dictionaries)))
