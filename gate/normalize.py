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
_HAN_RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
# Symbols people insert between Han characters to dodge filters, or that leak from markup.
_NOISE = r"\*＊#＃@＠_＿\-－.．·•・~～|｜/／\\＼+＋^`' 　\t"
# A run of noise between two Han characters. Written as "one noise character, then the Han
# character before it" rather than with a leading look-behind: a pattern that starts with a
# character class lets the regex engine skip ahead in C to the next candidate, instead of trying
# the whole pattern at every position (about three times faster on prose).
_NOISE_RUN = re.compile(rf"[{_NOISE}{_ZERO_WIDTH}](?<=[{_HAN}][{_NOISE}{_ZERO_WIDTH}])[{_NOISE}{_ZERO_WIDTH}]*(?=[{_HAN}])")
_ZERO_WIDTH_RUN = re.compile(f"[{_ZERO_WIDTH}]+")

_ONE_TO_ONE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_ONE_TO_ONE[0x3000] = 0x20
_ONE_TO_ONE.update({code: code + 32 for code in range(ord("A"), ord("Z") + 1)})
_ONE_TO_ONE.update({code: code - 0xFEE0 + 32 for code in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ → a-z
# At most this many distinct mapped characters in a text are replaced one by one (str.replace is
# a C loop per character); more, and one str.translate pass is cheaper.
_MAX_REPLACE = 24

_t2s_lock = threading.Lock()
_table: "_Table | None" = None


def is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff"


class _Table:
    """The complete one-to-one map, with the character class of its keys (built once)."""

    __slots__ = ("codes", "chars", "keys")

    def __init__(self, codes: dict[int, int]):
        self.codes = codes
        self.chars = {chr(k): chr(v) for k, v in codes.items()}
        ranges, run_start, prev = [], None, None
        for code in sorted(codes):
            if prev is not None and code == prev + 1:
                prev = code
                continue
            if run_start is not None:
                ranges.append((run_start, prev))
            run_start = prev = code
        ranges.append((run_start, prev))
        cls = "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)
        self.keys = re.compile(f"[{cls}]")


def _one_to_one() -> _Table:
    """The full-width/case map plus OpenCC's character-level traditional → simplified map for every
    Han character, built on first use (one OpenCC call, a few milliseconds)."""
    global _table
    if _table is None:
        with _t2s_lock:
            if _table is None:
                import opencc

                conv = opencc.OpenCC("t2s")
                chars = [chr(c) for lo, hi in _HAN_RANGES for c in range(lo, hi)]
                # One call for all characters: OpenCC converts character by character when the
                # input is newline-separated single characters, which keeps the map one-to-one.
                converted = conv.convert("\n".join(chars)).split("\n")
                if len(converted) != len(chars):  # pragma: no cover - defensive
                    converted = [conv.convert(ch) for ch in chars]
                codes = dict(_ONE_TO_ONE)
                for ch, out in zip(chars, converted):
                    if len(out) == 1 and out != ch:
                        codes[ord(ch)] = ord(out)
                _table = _Table(codes)
    return _table


def normalize_chars(text: str) -> str:
    """The one-to-one part of normalisation (same length as the input)."""
    table = _one_to_one()
    present = set(table.keys.findall(text))
    if not present:
        return text
    chars = table.chars
    # Replacing character by character equals one translate pass unless a replacement is itself
    # replaced later (the map has such a chain: 薴 → 苧 → 苎); then translate.
    if len(present) > _MAX_REPLACE or any(chars[ch] in present for ch in present):
        return text.translate(table.codes)
    for ch in present:
        text = text.replace(ch, chars[ch])
    return text


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
        if any(ch in mapped for ch in _ZERO_WIDTH):  # rare: skip the scan when absent
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
