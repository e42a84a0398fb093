"""Typos in fixed expressions, found against lexicons: ``typo.fixed-expression``.

A span one character away from a known expression is a slip for it (如火如茶 → 如火如荼, 格尽职守 →
恪尽职守, 按排 → 安排) when

- the changed character sounds the same or nearly the same as the right one (tones ignored; z/zh,
  c/ch, s/sh, l/n, f/h and -n/-ng confused) or looks like it (pycorrector's shape groups, one-stroke
  edits, a shared rare component); a doubled character may be wrong twice (竞竞业业);
- the span itself is no word: absent from jieba's dictionary, or fifteen times rarer there than the
  expression (jieba lists some slips, 签定 and 座落, at low frequencies);
- its edges make no word with the text around it: 长足进步 holds 足进 (促进?) only by accident, and
  应付市长 holds 付市长 (副市长?). For words of two characters either edge word rules it out; for
  longer ones an edge word does when the rest of the span is a word too.

The lexicons are jieba's 成语 and 习用语 (tags ``i`` and ``l``, four to eight characters) and the
``fixed-expressions`` dictionary kind: set phrases of official prose jieba lacks, and official titles
and administrative words (two or three characters). No hand list of wrong forms is needed; the
curated ``typo.*`` phrase dictionaries stay the place for pairs that depend on context (截止/截至).
Names the draft introduces, quotations and titles (“一老一小”, 古人说“以人为贵”, 《…》) and
allow-listed vocabulary are never read as slips.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass

from pubgate import BaseCheck, Category, Severity, hookimpl
from pubgate.checks import quoted_spans
from pubgate.plugins._typo_names import is_post

__all__ = ["FixedExpressionCheck", "KIND", "PROTECTED_RULE", "near_sound", "looks_alike"]

KIND = "fixed-expressions"
PROTECTED_RULE = "typo.fixed-expression.protected-name"
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
# The frequency given to an expression of the site's list that jieba does not know.
_LISTED_FREQ = 1000
# A span jieba knows is a slip only when the expression is this many times more frequent.
_RARER = 15
# Edge words that rule a span out must be this frequent in jieba (rare entries are often slips).
_EDGE_FREQ = 20
# Numerals are numbers, never slips (第三十三次 is no 第三十一次).
_NUMERALS = frozenset("〇零一二三四五六七八九十百千万亿两壹贰叁肆伍陆柒捌玖拾佰仟")
# Fuzzy initials and finals of Mandarin that editors from many regions confuse (前后鼻音, 平翘舌, l/n, f/h).
_FUZZY = ((r"^zh", "z"), (r"^ch", "c"), (r"^sh", "s"), (r"^n", "l"), (r"^h(?=u)", "f"), (r"ng$", "n"))


def _fuzzy(syllable: str) -> str:
    for pattern, repl in _FUZZY:
        syllable = re.sub(pattern, repl, syllable)
    return syllable


@functools.lru_cache(maxsize=65536)
def _sound_keys(ch: str) -> frozenset[str]:
    from pubgate.confusables import readings

    return frozenset(_fuzzy(r) for r in readings(ch))


def near_sound(a: str, b: str) -> bool:
    """Whether two characters read the same or nearly the same, tones ignored."""
    return bool(_sound_keys(a) & _sound_keys(b))


@functools.lru_cache(maxsize=65536)
def _shapes(ch: str) -> frozenset[str]:
    from pubgate.confusables import component_neighbours, same_stroke, stroke_neighbours

    return same_stroke().get(ch, frozenset()) | frozenset(stroke_neighbours(ch)) | frozenset(component_neighbours(ch))


def looks_alike(a: str, b: str) -> bool:
    """Whether one character is a look-alike of the other (either direction)."""
    return b in _shapes(a) or a in _shapes(b)


def _similar(wrong: str, right: str) -> bool:
    from pubgate.confusables import same_pinyin

    return (near_sound(wrong, right) or right in same_pinyin().get(wrong, ())
            or looks_alike(wrong, right))


@dataclass(frozen=True, slots=True)
class _Expression:
    text: str
    freq: int
    kind: str  # 成语 or 常用词语 (jieba), 固定表述 or 规范用词 (the dictionary), as shown to editors


class Lexicon:
    """Expressions indexed by what a one-character slip leaves intact, for a few lookups a character.

    A slip in the first four characters of a long expression leaves three of them intact, at known
    places: the first three (slip at 3 or later), the last three of the four (slip at 0), or the
    first and the third and fourth (slip at 1), or the first two and the fourth (slip at 2). A doubled
    character wrong twice (竞竞业业) leaves the other pair. Short words (two or three characters, a
    few dozen) are matched by one regular expression of their one-gap patterns."""

    def __init__(self, expressions: dict[str, _Expression]):
        self.expressions = expressions
        self.anchors: dict[str, list[tuple[_Expression, int]]] = {}
        self.doubled: dict[str, list[tuple[_Expression, int]]] = {}
        short = []
        for expr in expressions.values():
            word = expr.text
            if len(word) < 4:
                short.append(expr)
                continue
            for key, offset in ((word[0:3], 0), (word[1:4], 1), (word[0] + "\0" + word[2:4], 0),
                                (word[0:2] + "\0" + word[3], 0)):
                self.anchors.setdefault(key, []).append((expr, offset))
            if word[0] == word[1]:
                self.doubled.setdefault("L" + word[2:4], []).append((expr, 0))
            if word[2] == word[3]:
                self.doubled.setdefault("R" + word[0:2], []).append((expr, 0))
        self.short_gaps: dict[str, list[_Expression]] = {}
        for e in short:
            for k in range(len(e.text)):
                self.short_gaps.setdefault(e.text[:k] + "\0" + e.text[k + 1:], []).append(e)
        patterns = {w.text[:k] + "[^" + w.text[k] + "]" + w.text[k + 1:] for w in short for k in range(len(w.text))}
        self.short_pattern = re.compile("|".join(sorted(patterns, key=len, reverse=True))) if patterns else None

    def near_misses(self, text: str, lo: int, hi: int):
        """(start, expression, changed positions) for every span of ``text[lo:hi]`` one character, or
        one doubled character (竞竞业业), away from an expression."""
        seen = set()
        for start, expr in self._candidates(text, lo, hi):
            end = start + len(expr.text)
            if start < lo or end > hi or (start, expr.text) in seen:
                continue
            seen.add((start, expr.text))
            positions = _changed(text[start:end], expr.text)
            if positions:
                yield start, expr, positions

    def _candidates(self, text: str, lo: int, hi: int):
        anchors, doubled = self.anchors, self.doubled
        for i in range(lo, hi - 2):
            for key in (text[i:i + 3], text[i] + "\0" + text[i + 2:i + 4], text[i:i + 2] + "\0" + text[i + 3:i + 4]):
                for expr, offset in anchors.get(key, ()):
                    yield i - offset, expr
            if text[i] == text[i + 1]:
                for expr, _ in doubled.get("L" + text[i + 2:i + 4], ()):
                    yield i, expr
            if i + 3 < hi and text[i + 2] == text[i + 3]:
                for expr, _ in doubled.get("R" + text[i:i + 2], ()):
                    yield i, expr
        if self.short_pattern is not None:
            pos = lo
            while True:
                m = self.short_pattern.search(text, pos, hi)
                if m is None:
                    break
                start = pos = m.start()
                for length in (2, 3):
                    window = text[start:start + length]
                    for k in range(len(window)):
                        yield from ((start, e) for e in self.short_gaps.get(window[:k] + "\0" + window[k + 1:], ()))
                pos += 1


def _changed(window: str, word: str) -> tuple[int, ...] | None:
    """The positions where ``window`` differs from ``word`` when that is one character, or one
    doubled character wrong twice; else None."""
    if len(window) != len(word):
        return None
    diff = tuple(k for k in range(len(word)) if window[k] != word[k])
    if len(diff) == 1:
        return diff
    if (len(diff) == 2 and diff[1] == diff[0] + 1 and word[diff[0]] == word[diff[1]]
            and window[diff[0]] == window[diff[1]]):
        return diff
    return None


_LISTS = {"expressions": ("固定表述", 4), "words": ("规范用词", 2)}


def listed_expressions(dictionaries) -> dict[str, tuple[str, ...]]:
    """The ``fixed-expressions`` files' lists, validated; a bad file is reported (file, entry, fix)
    in ``dictionaries.errors`` and skipped, like every other dictionary."""
    from pubgate.dictionary_loader import DictionaryError

    out: dict[str, list[str]] = {key: [] for key in _LISTS}
    for f in dictionaries.of_kind(KIND) if dictionaries is not None else ():
        try:
            lists = {}
            for key, (what, shortest) in _LISTS.items():
                items = f.data.get(key) or []
                if not isinstance(items, list):
                    raise DictionaryError(f.path, key, f"{key} 应为列表", f"写成 {key}: [词语, …]")
                for item in items:
                    if not (isinstance(item, str) and len(item) >= shortest and _HAN_RUN.fullmatch(item)):
                        raise DictionaryError(f.path, str(item), f"{what}应为至少 {shortest} 个汉字的词语",
                                              f"改为汉字写成的{what}，或删除该条")
                lists[key] = items
        except DictionaryError as err:
            dictionaries.errors.append(err)
            continue
        for key, items in lists.items():
            out[key].extend(items)
    return {key: tuple(items) for key, items in out.items()}


def build_lexicon(listed: dict[str, tuple[str, ...]]) -> Lexicon:
    from pubgate.plugins._word_list import set_phrases, word_frequencies

    freq = word_frequencies()
    expressions = {word: _Expression(word, count, "成语" if idiom else "常用词语")
                   for word, count, idiom in set_phrases()}
    for key, (what, _) in _LISTS.items():
        for word in listed.get(key, ()):
            expressions[word] = _Expression(word, max(freq.get(word, 0), _LISTED_FREQ), what)
    return Lexicon(expressions)


class FixedExpressionCheck(BaseCheck):
    id = "typo.fixed-expression"
    category = Category.TYPO
    severity = Severity.WARN
    description = "错别字（词库比对）：成语、固定表述和公文常用词中的同音、近音或形近字"
    dictionary_kinds = (KIND,)

    def __init__(self, listed: dict[str, tuple[str, ...]] | None = None, allowed=(), protected=None):
        self.listed = listed or {}
        self._allowed = frozenset(allowed)
        self.protected = protected  # ProtectedTerms: a slip in one is a severe misstatement
        self._lexicon: Lexicon | None = None  # built on first use: jieba's lexicon takes 0.3 s to read
        self._lock = threading.Lock()

    def _ensure(self) -> Lexicon:
        if self._lexicon is None:
            with self._lock:
                if self._lexicon is None:
                    self._lexicon = build_lexicon(self.listed)
        return self._lexicon

    def run(self, doc):
        from pubgate.plugins._typo_names import draft_names, name_spans
        from pubgate.plugins._word_list import word_frequencies

        lexicon = self._ensure()
        freq = word_frequencies()
        texts = {field: doc.text(field) for field in ("title", "body")}
        names = draft_names(*texts.values())
        for field, text in texts.items():
            protected = bytearray(len(text))
            titles = []
            for s, e in name_spans(text, names, posts=False) + quoted_spans(text):
                protected[s:e] = b"\x01" * (e - s)
                if text[s] == "《" and e - s >= 5:
                    titles.append(e - 3)
            for tail in titles:  # a title's kind word stays open to slips: 《安全生产条列》
                protected[tail:tail + 2] = b"\x00\x00"
            taken = -1
            for run in _HAN_RUN.finditer(text):
                best: dict[int, tuple[_Expression, int]] = {}
                for start, expr, positions in lexicon.near_misses(text, run.start(), run.end()):
                    end = start + len(expr.text)
                    if start in best and best[start][1] >= end:
                        continue  # the longest expression at a start speaks for it
                    if self._is_slip(text, start, end, expr, positions, lexicon, freq, protected):
                        best[start] = (expr, end)
                for start in sorted(best):
                    if start >= taken:
                        expr, taken = best[start]
                        yield self._finding(doc, field, text, start, taken, expr)

    def _is_slip(self, text, start, end, expr, positions, lexicon, freq, protected) -> bool:
        if any(protected[start:end]):
            return False
        window = text[start:end]
        if window in lexicon.expressions or window in self._allowed:
            return False
        known = freq.get(window, 0)
        if known * _RARER > expr.freq:
            return False
        if expr.kind == "规范用词" and (known >= _EDGE_FREQ or is_post(window)):
            return False  # 女排 is no slip for 安排, nor 副组长 for 副县长: words and posts of their own
        if len(window) == 4 and _two_words(window, freq):
            return False  # 人居环境, 父母双方: two words, no slip in a phrase
        if any(expr.text[p] in _NUMERALS or window[p] in _NUMERALS for p in positions):
            return False  # 第三十三次 is a number, not a slip for 第三十一次
        if not all(_similar(window[p], expr.text[p]) for p in positions):
            return False
        return not _edges_make_words(text, start, end, positions, freq)

    def _finding(self, doc, field, text, start, end, expr):
        wrong = text[start:end]
        if end < len(text) and text[end] == "》":  # the kind word of a title: a wrong law or document title
            return self.finding(
                doc, field, start, end,
                f"「{wrong}」疑为「{expr.text}」之误，文件或法规名称不得出错（词库比对）。",
                expr.text, rule=PROTECTED_RULE, category=Category.SEVERE_MISSTATEMENT, confidence=0.95,
            )
        term = self.protected.completed_by(text, start, expr.text) if self.protected is not None else None
        if term is not None:  # 总书计, 付总理: a protected title or name written wrong
            return self.finding(
                doc, field, start, end,
                f"「{wrong}」疑为「{expr.text}」之误，改后为规范名称「{term}」（词库比对）。规范名称不得出错。",
                expr.text, rule=PROTECTED_RULE, category=Category.SEVERE_MISSTATEMENT, confidence=0.95,
            )
        return self.finding(
            doc, field, start, end,
            f"「{wrong}」疑为{expr.kind}「{expr.text}」之误（词库比对：只差一个音近或形近字）。",
            expr.text, confidence=0.95,
        )


def _word(s: str, freq: dict[str, int]) -> bool:
    return freq.get(s, 0) >= _EDGE_FREQ


def _two_words(window: str, freq: dict[str, int]) -> bool:
    return _word(window[:2], freq) and _word(window[2:], freq)


def _edges_make_words(text: str, start: int, end: int, positions: tuple[int, ...], freq: dict[str, int]) -> bool:
    """Whether the span's edges read as parts of words reaching outside it: a two-character word that
    takes the changed character (年底前完成 is no 提前完成, 长足进步 no 促进), or a three-character word
    that takes two of the span's characters (事业上有成就感 is no 卓有成就)."""
    changed = {start + p for p in positions}
    rest = (text[start + 1:end] if start in changed else text[start:end - 1] if end - 1 in changed else "")
    if len(rest) >= 3 and _word(rest, freq):
        return True  # 中国共产党愿同 is 共产党 + 愿, not 共产党员; 从后勤部门 is 从 + 后勤部门
    if end - start == 2:  # 干部都要 holds 部都, 谁也保护 也保: a short span is ruled out by either edge
        changed = {start, end - 1}
    if start > 0 and (start in changed and _word(text[start - 1:start + 1], freq)
                      or _word(text[start - 1:start + 2], freq)):
        return True
    if end < len(text) and (end - 1 in changed and _word(text[end - 1:end + 1], freq)
                            or _word(text[end - 2:end + 1], freq)):
        return True
    return False


@hookimpl
def pubgate_register_checks(register, dictionaries):
    from pubgate.plugins._protected_terms import ProtectedTerms

    allowed = dictionaries.allow_phrases() if dictionaries is not None else ()
    register(FixedExpressionCheck(listed_expressions(dictionaries), allowed, ProtectedTerms(dictionaries)))
