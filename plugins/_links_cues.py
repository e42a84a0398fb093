"""Sales cues without a link: literal phrases and patterns from ``kind: link-cues`` files.

A promotion in a government post often carries no URL at all: a coupon code, a 团购价, 加客服购买,
直播间下单. Literal phrases cover fixed slogans; patterns cover a class whose members differ in the
code, the price or the channel (输入优惠码XXXX立减10元, 扫码加客服购买, 团购价仅需99元).

The same words appear legitimately, so a cue is cancelled by context words: ``suppress`` words in
its sentence (市场监管 news, 消费券 and 助农 campaigns) and ``suppress_paragraph`` words anywhere
in its paragraph (反诈 publicity describes the scam two sentences after naming it; a 以旧换新
notice names 云闪付 in one line and 搜索…领取 in the next).

Everything here works on the mapped text (full-width → ASCII, ASCII lower case), so offsets are
the editor's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["CuePattern", "CueHit", "parse_cue_patterns", "find_cues"]

_SENTENCE_END = re.compile(r"[。！？!?\n；;]")
_PARAGRAPH_END = re.compile(r"\n")


@dataclass(frozen=True)
class CuePattern:
    id: str
    regex: re.Pattern
    flag: tuple[str, ...] = ()
    passes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CueHit:
    start: int
    end: int
    entry: str   # the pattern id, or the literal phrase


def _span_of(text: str, start: int, end: int, boundary: re.Pattern) -> str:
    s = max((m.end() for m in boundary.finditer(text, 0, start)), default=0)
    m = boundary.search(text, end)
    return text[s:m.start() if m else len(text)]


def parse_cue_patterns(raw, path: str) -> list[CuePattern]:
    """``patterns:`` of one link-cues file: a list of {id, pattern, flag, pass} mappings."""
    from pubgate.dictionary_loader import DictionaryError

    if raw is None:
        return []
    if not isinstance(raw, list):
        raise DictionaryError(path, "patterns", "patterns 应为列表", "写成 patterns: [{id: …, pattern: …}]")
    out = []
    for item in raw:
        if not isinstance(item, dict) or not item.get("id") or not item.get("pattern"):
            raise DictionaryError(path, "patterns", "每个 patterns 条目须有 id 和 pattern", "补全 id 和 pattern")
        try:
            regex = re.compile(str(item["pattern"]))
        except re.error as exc:
            raise DictionaryError(path, str(item["id"]), f"正则表达式无效：{exc}", "修正 pattern") from None
        out.append(CuePattern(str(item["id"]), regex, tuple(map(str, item.get("flag") or ())),
                              tuple(map(str, item.get("pass") or ()))))
    return out


def find_cues(mapped: str, phrases: re.Pattern | None, patterns: list[CuePattern],
              suppress: re.Pattern | None, suppress_paragraph: re.Pattern | None) -> list[CueHit]:
    """Cue hits in one field, longest first where they overlap, with context-cancelled ones removed."""
    candidates: list[CueHit] = []
    if phrases is not None:
        candidates += [CueHit(m.start(), m.end(), m.group()) for m in phrases.finditer(mapped)]
    for p in patterns:
        candidates += [CueHit(m.start(), m.end(), p.id) for m in p.regex.finditer(mapped) if m.end() > m.start()]
    candidates.sort(key=lambda h: (h.start, -(h.end - h.start)))
    kept: list[CueHit] = []
    for hit in candidates:
        if kept and hit.start < kept[-1].end:
            continue  # one promotion, one finding: 直播间下单 inside 进入直播间下单抢购
        if suppress is not None and suppress.search(_span_of(mapped, hit.start, hit.end, _SENTENCE_END)):
            continue
        if suppress_paragraph is not None and suppress_paragraph.search(
                _span_of(mapped, hit.start, hit.end, _PARAGRAPH_END)):
            continue
        kept.append(hit)
    return kept
