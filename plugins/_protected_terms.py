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
        from pubgate.automata import overlapping_automaton

        terms: set[str] = set()
        if dictionaries is not None:
            for kind in _PROTECTED_KINDS:
                for f in dictionaries.of_kind(kind):
                    _collect(f.data, terms)
        self.size = len(terms)
        self.automaton = overlapping_automaton(sorted(terms))

    def __len__(self) -> int:
        return self.size

    def spans(self, text: str):
        """(start, end) of every protected term spelt right in ``text``."""
        return [(start, end) for _, start, end in self.automaton.find_matches_as_indexes(text, overlapping=True)]

    def completed_by(self, text: str, start: int, suggestion: str) -> str | None:
        """The longest protected term that writing ``suggestion`` at ``start`` completes, if any."""
        if not self.size:
            return None
        lo = max(0, start - _REACH)
        window = text[lo:start] + suggestion + text[start + len(suggestion):start + len(suggestion) + _REACH]
        first, last = start - lo, start - lo + len(suggestion) - 1
        spans = [(a, b) for a, b in self.spans(window) if a <= last and first < b]
        if not spans:
            return None
        a, b = max(spans, key=lambda span: span[1] - span[0])
        return window[a:b]


def _collect(value, terms: set[str]) -> None:
    """Every Han string of three or more characters in a structured dictionary's data."""
    if isinstance(value, str):
        if _HAN_TERM.match(value):
            terms.add(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            _collect(k, terms)
            _collect(v, terms)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _collect(v, terms)
