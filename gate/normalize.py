"""A matching view of plain text that sees through form variants, with offsets back to the original.

Dictionary matching must find 习近乎 in ＸＸ, 習近乎 and 习*近*乎 alike (evasion and careless input),
while every finding still points at the characters the editor typed. The view applies only
one-to-one character maps (full-width → ASCII, traditional → simplified, ASCII lower case) and
deletes noise (zero-width characters, symbols inserted between two Han characters); deletions are
recorded so any span of the view maps back to the original. NFKC is avoided on purpose: it changes
string length (①, ㈠, ℃).
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_right
from dataclasses import dataclass

__all__ = ["MatchView", "normalize", "normalize_many", "normalize_chars", "is_han"]

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
# Symbols people insert between Han characters to dodge filters, or that leak from markup.
_NOISE = r"\*＊#＃@＠_＿\-－.．·•・~～|｜/／\\＼+＋^`' 　\t"
_NOISE_RUN = re.compile(rf"(?<=[{_HAN}])[{_NOISE}{_ZERO_WIDTH}]+(?=[{_HAN}])")
_ZERO_WIDTH_RUN = re.compile(f"[{_ZERO_WIDTH}]+")

_ONE_TO_ONE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_ONE_TO_ONE[0x3000] = 0x20
_ONE_TO_ONE.update({code: code + 32 for code in range(ord("A"), ord("Z") + 1)})
_ONE_TO_ONE.update({code: code - 0xFEE0 + 32 for code in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ → a-z

_t2s_lock = threading.Lock()
_t2s_converter = None
_t2s_cache: dict[str, str] = {}


def is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff"


def _converter():
    global _t2s_converter
    if _t2s_converter is None:
        import opencc

        _t2s_converter = opencc.OpenCC("t2s")
    return _t2s_converter


def _extend_t2s(chars: set[str]) -> None:
    """Add the character-level traditional → simplified map for unseen Han characters."""
    new = [ch for ch in chars if ch not in _t2s_cache and is_han(ch)]
    if not new:
        return
    with _t2s_lock:
        conv = _converter()
        # One call for all new characters: OpenCC converts character by character when the
        # input is newline-separated single characters, which keeps the map one-to-one.
        converted = conv.convert("\n".join(new)).split("\n")
        if len(converted) != len(new):  # pragma: no cover - defensive
            converted = [conv.convert(ch) for ch in new]
        for ch, out in zip(new, converted):
            if len(out) == 1 and out != ch:
                _ONE_TO_ONE[ord(ch)] = ord(out)
            _t2s_cache[ch] = out if len(out) == 1 else ch


def normalize_chars(text: str) -> str:
    """The one-to-one part of normalisation (same length as the input)."""
    _extend_t2s(set(text))
    return text.translate(_ONE_TO_ONE)


def normalize(text: str) -> str:
    """Full normalisation of a pattern or phrase, as the matching view applies it to text."""
    return MatchView.of(text).norm


def normalize_many(texts: list[str]) -> list[str]:
    """``normalize`` for many short strings at once (dictionary forms): one translate call."""
    if not texts:
        return []
    joined = normalize_chars("\n".join(t.replace("\n", " ") for t in texts))
    mapped = joined.split("\n")
    if not _NOISE_RUN.search(joined) and not _ZERO_WIDTH_RUN.search(joined):
        return mapped
    return [MatchView.of(t).norm if _NOISE_RUN.search(m) or _ZERO_WIDTH_RUN.search(m) else m
            for t, m in zip(texts, mapped)]


@dataclass(frozen=True, slots=True)
class MatchView:
    original: str
    norm: str
    # The one-to-one mapped text (same length as the original): what regex rules see.
    mapped: str = ""
    # Sorted breakpoints (view offset, shift): from that view offset on, original = view + shift.
    breaks: tuple[tuple[int, int], ...] = ()

    @classmethod
    def of(cls, text: str) -> "MatchView":
        mapped = normalize_chars(text)
        deletions = [m.span() for m in _NOISE_RUN.finditer(mapped)]
        deletions += [m.span() for m in _ZERO_WIDTH_RUN.finditer(mapped)]
        if not deletions:
            return cls(text, mapped, mapped)
        deletions = _merge(deletions)
        pieces, breaks, shift, last = [], [], 0, 0
        for start, end in deletions:
            pieces.append(mapped[last:start])
            shift += end - start
            breaks.append((start - shift + (end - start), shift))
            last = end
        pieces.append(mapped[last:])
        return cls(text, "".join(pieces), mapped, tuple(breaks))

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of the view to the original text."""
        if not self.breaks:
            return start, end
        return start + self._shift(start), (end - 1) + self._shift(end - 1) + 1 if end > start else start

    def _shift(self, pos: int) -> int:
        i = bisect_right(self.breaks, (pos, float("inf"))) - 1
        return self.breaks[i][1] if i >= 0 else 0

    def to_view(self, pos: int) -> int:
        """The view offset of an original offset (the next kept character if it was deleted)."""
        if not self.breaks:
            return pos
        lo, hi = 0, len(self.norm)
        while lo < hi:
            mid = (lo + hi) // 2
            if mid + self._shift(mid) < pos:
                lo = mid + 1
            else:
                hi = mid
        return lo


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    spans.sort()
    merged = [spans[0]]
    for start, end in spans[1:]:
        if start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
