"""The protected terms of the severe-misstatement dictionaries, for the typo checks.

A slip that turns into one of these terms (总书计 → 总书记, 人民政腑 → 人民政府) is a severe
misstatement, never a plain typo, whichever typo route found it; and the statistical layer never
"corrects" a protected term spelt right (三严三实 → 三亚三实).
"""

from __future__ import annotations

import re

__all__ = ["ProtectedTerms"]

# Dictionary kinds whose strings are protected terms (names of organs, leaders, formulations, laws).
_PROTECTED_KINDS = ("protected", "roster", "formulations", "laws")
_HAN_TERM = re.compile(r"^[\u4e00-\u9fff]{3,}$")
# How far either side of a slip a term that it completes may reach.
_REACH = 20


class ProtectedTerms:
    """Every Han string of three or more characters in the protected-term dictionaries, as one automaton."""

    def __init__(self, dictionaries):
        import ahocorasick

        self.automaton = ahocorasick.Automaton()
        if dictionaries is not None:
            for kind in _PROTECTED_KINDS:
                for f in dictionaries.of_kind(kind):
                    self._walk(f.data)
        if len(self.automaton):
            self.automaton.make_automaton()

    def _walk(self, value) -> None:
        if isinstance(value, str):
            if _HAN_TERM.match(value):
                self.automaton.add_word(value, len(value))
        elif isinstance(value, dict):
            for k, v in value.items():
                self._walk(k)
                self._walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                self._walk(v)

    def __len__(self) -> int:
        return len(self.automaton)

    def spans(self, text: str):
        """(start, end) of every protected term spelt right in ``text``."""
        if len(self.automaton):
            for end, length in self.automaton.iter(text):
                yield end - length + 1, end + 1

    def completed_by(self, text: str, start: int, suggestion: str) -> str | None:
        """The longest protected term that writing ``suggestion`` at ``start`` completes, if any."""
        if not len(self.automaton):
            return None
        lo = max(0, start - _REACH)
        window = text[lo:start] + suggestion + text[start + len(suggestion):start + len(suggestion) + _REACH]
        first, last = start - lo, start - lo + len(suggestion) - 1
        spans = [(a, b) for a, b in self.spans(window) if a <= last and first < b]
        if not spans:
            return None
        a, b = max(spans, key=lambda span: span[1] - span[0])
        return window[a:b]
