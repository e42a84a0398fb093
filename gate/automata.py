"""Aho-Corasick automata (ahocorasick-rs) for overlapping phrase search, sized for their job."""

from __future__ import annotations

import ahocorasick_rs

__all__ = ["DFA_MAX_PHRASES", "overlapping_automaton"]

# Up to this many phrases the automaton is built as a DFA: about twice as fast a scan for a few
# milliseconds more to build, with the same matches in the same order. Beyond it a DFA's build
# time and memory grow faster than its scan gains (100,000 phrases: 3 s to build, and no faster).
DFA_MAX_PHRASES = 5000


def overlapping_automaton(phrases: list[str]) -> ahocorasick_rs.AhoCorasick:
    """An automaton reporting every occurrence of ``phrases``, overlapping ones included."""
    options = {"implementation": ahocorasick_rs.Implementation.DFA} if len(phrases) <= DFA_MAX_PHRASES else {}
    return ahocorasick_rs.AhoCorasick(phrases, matchkind=ahocorasick_rs.MatchKind.Standard, **options)
