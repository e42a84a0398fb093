"""Cheap proofs that a regex cannot match a text: the literal pieces every match must contain.

A rule regex costs a scan of the whole text, and Python's regex engine scans slowly when a pattern
does not start with a fixed character (``(?:党的)?十九大``, ``(?<=[省市县])人大副主任``): it tries the
whole pattern at every position. Most rules need some literal text that most documents lack, and
``piece in text`` is a C substring search, tens of times cheaper. ``needed(pattern)`` reads the
pattern's syntax tree once and returns a ``Needs`` whose ``possible(text)`` is False only when some
piece every match contains is missing, so skipping the scan then never changes a result.

Pieces are runs of consecutive mandatory characters (``十九大``, ``年 ``/``年　`` from
``年[ 　]+``); alternatives (``省省委|市市委``) become "any of"; optional, repeated-from-zero and
look-around parts constrain nothing. Case-insensitive patterns get no pieces (always possible).
"""

from __future__ import annotations

import re
from typing import Callable, Iterable, Iterator, Union

try:  # Python ≥ 3.11
    from re import _parser as _sre
except ImportError:  # pragma: no cover - older Pythons
    import sre_parse as _sre  # type: ignore[no-redef]

__all__ = ["Needs", "NeedsIndex", "needed"]

# Character classes of up to this many characters become pieces (or extend one).
_MAX_CLASS = 8
# Alternative strings one piece may stand for (a class inside a run multiplies them).
_MAX_ALTERNATIVES = 32

_REPEATS = tuple(op for op in (getattr(_sre, name, None) for name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"))
                 if op is not None)

# A condition: a string (must occur), ("all", [conditions]) or ("any", [conditions]).
Condition = Union[str, tuple]


class _CaseInsensitive(Exception):
    pass


class Needs:
    """What any match of a pattern needs in the text; ``possible(text)`` tests it."""

    __slots__ = ("condition", "given")

    def __init__(self, condition: Condition | None):
        self.condition = condition
        # ``given(present)``: the condition, judged from the set of pieces present in a text.
        self.given = _compile(condition) if condition is not None else None

    def possible(self, text: str) -> bool:
        return self.condition is None or _holds(self.condition, text)

    def __repr__(self) -> str:
        return f"Needs({self.condition!r})"


def _holds(condition: Condition, text: str) -> bool:
    if isinstance(condition, str):
        return condition in text
    kind, parts = condition
    if kind == "all":
        return all(_holds(p, text) for p in parts)
    return any(_holds(p, text) for p in parts)


def _compile(condition: Condition) -> Callable[[set], bool]:
    """A test on the set of present pieces; flat groups of pieces become one C set operation."""
    if isinstance(condition, str):
        return lambda present: condition in present
    kind, parts = condition
    pieces = frozenset(p for p in parts if isinstance(p, str))
    nested = [_compile(p) for p in parts if not isinstance(p, str)]
    if kind == "all":
        if not nested:
            return pieces.issubset
        return lambda present: pieces.issubset(present) and all(test(present) for test in nested)
    if not nested:
        return lambda present: not pieces.isdisjoint(present)
    return lambda present: not pieces.isdisjoint(present) or any(test(present) for test in nested)


def _pieces(condition: Condition | None) -> Iterator[str]:
    if condition is None:
        return
    if isinstance(condition, str):
        yield condition
        return
    for part in condition[1]:
        yield from _pieces(part)


class NeedsIndex:
    """The needs of many patterns, tested on one text together.

    A one-character piece is one C search (``ch in text``), but a search for a longer CJK piece
    skips poorly and costs several times more; with dozens of rule regexes, one Aho-Corasick scan
    that finds every longer piece at once is cheaper than searching for them one by one.
    """

    def __init__(self, needs: Iterable[Needs]):
        pieces = {p for n in needs for p in _pieces(n.condition)}
        self._chars = sorted(p for p in pieces if len(p) == 1)
        self._long = sorted(p for p in pieces if len(p) > 1)
        self._automaton = None
        if self._long:
            from .automata import overlapping_automaton

            self._automaton = overlapping_automaton(self._long)

    def present(self, text: str) -> set[str]:
        """The pieces that occur in ``text``."""
        out = {ch for ch in self._chars if ch in text}
        if self._automaton is not None:
            long = self._long
            out.update(long[i] for i, _, _ in self._automaton.find_matches_as_indexes(text, overlapping=True))
        return out

    def tester(self, text: str) -> Callable[[Needs], bool]:
        """``possible(needs)`` for this text."""
        present = self.present(text)
        return lambda needs: needs.given is None or needs.given(present)


def needed(pattern: re.Pattern | str, flags: int = 0) -> Needs:
    """The pieces any match of ``pattern`` contains (nothing, when they cannot be worked out)."""
    if isinstance(pattern, re.Pattern):
        source, flags = pattern.pattern, pattern.flags
    else:
        source = pattern
    if not isinstance(source, str) or flags & re.IGNORECASE:
        return Needs(None)
    try:
        tree = _sre.parse(source, flags)
        return Needs(_cheap_first(_sequence(list(tree))))
    except (_CaseInsensitive, re.error, TypeError, ValueError, AttributeError, RecursionError):
        return Needs(None)


def _class_chars(items) -> list[str] | None:
    """The characters of a small positive character class, else None."""
    chars: list[str] = []
    for op, av in items:
        if op is _sre.LITERAL:
            chars.append(chr(av))
        elif op is _sre.RANGE and av[1] - av[0] < _MAX_CLASS:
            chars.extend(chr(c) for c in range(av[0], av[1] + 1))
        else:  # NEGATE, CATEGORY, a wide range
            return None
        if len(chars) > _MAX_CLASS:
            return None
    return sorted(set(chars)) or None


def _single(op, av) -> list[str] | None:
    """The characters a one-character item can match, or None for anything else."""
    if op is _sre.LITERAL:
        return [chr(av)]
    if op is _sre.IN:
        return _class_chars(av)
    return None


def _sequence(items) -> Condition | None:
    parts: list[Condition] = []
    run = [""]

    def flush() -> None:
        nonlocal run
        if run != [""]:
            parts.append(run[0] if len(run) == 1 else ("any", run))
        run = [""]

    def extend(chars: list[str]) -> bool:
        nonlocal run
        if len(run) * len(chars) > _MAX_ALTERNATIVES:
            return False
        run = [s + ch for s in run for ch in chars]
        return True

    for op, av in items:
        chars = _single(op, av)
        if chars is not None:
            if not extend(chars):
                flush()
                extend(chars)
            continue
        if op in _REPEATS:
            low, _high, body = av
            body = list(body)
            if low >= 1 and len(body) == 1 and _single(*body[0]) is not None:
                # The first repetition follows the run directly; what comes after may not.
                if not extend(_single(*body[0])):
                    flush()
                    extend(_single(*body[0]))
                flush()
                continue
            flush()
            if low >= 1:
                _add(parts, _sequence(body))
            continue
        flush()
        if op is _sre.SUBPATTERN:
            _group, add_flags, _del_flags, body = av
            if add_flags & re.IGNORECASE:
                raise _CaseInsensitive
            _add(parts, _sequence(list(body)))
        elif op is _sre.BRANCH:
            alternatives = [_sequence(list(alt)) for alt in av[1]]
            if all(a is not None for a in alternatives):
                _add(parts, alternatives[0] if len(alternatives) == 1 else ("any", alternatives))
        elif op is getattr(_sre, "ATOMIC_GROUP", None):
            _add(parts, _sequence(list(av)))
        # Anything else (ANY, NOT_LITERAL, CATEGORY, AT, look-arounds, group references,
        # conditionals) needs no particular text.
    flush()
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else ("all", parts)


def _cheap_first(condition: Condition | None) -> Condition | None:
    """The same condition with one-character pieces tested first (the order changes no result)."""
    if condition is None or isinstance(condition, str):
        return condition
    kind, parts = condition
    parts = [_cheap_first(p) for p in parts]
    parts.sort(key=lambda p: (0, 0) if isinstance(p, str) and len(p) == 1 else (1, 0) if isinstance(p, str) else (2, 0))
    return kind, parts


def _add(parts: list[Condition], condition: Condition | None) -> None:
    if condition is None:
        return
    if isinstance(condition, tuple) and condition[0] == "all":
        parts.extend(condition[1])
    else:
        parts.append(condition)
