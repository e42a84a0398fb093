"""jieba's dictionary as a lexicon: word → frequency, read lazily from its ``dict.txt`` (no segmentation).

About 349,000 words with frequencies and part-of-speech tags. The checks use it as the known-word
lexicon beside the typo models' vocabularies (a real word the models never saw is not a typo), as the
source of 成语 (``i``) and 习用语 (``l``) for fixed-expression slips, and as a precision guard: when a
near-miss changes the first or last character of a protected name, the changed character may instead
belong to the next word (国家安全不动摇 is not 国家安全部).
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

__all__ = ["common_two_char_words", "word_frequencies", "set_phrases"]

# Words longer than this are never looked up by the checks (and would only cost memory).
_MAX_LEN = 8
_SET_PHRASE_TAGS = ("i", "l")
# Below these, jieba's long entries are mostly compositional phrases (人机环境, 初一学生: 2–3); many
# 成语 are tagged as nouns or names (众志成城 n, 美轮美奂 nr), hence the other long words from 30.
_SET_PHRASE_MIN_FREQ = 10
_FOUR_CHAR_MIN_FREQ = 30


def _dict_lines():
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.origin:
        return
    try:
        with (Path(spec.origin).parent / "dict.txt").open(encoding="utf-8") as fh:
            for line in fh:
                parts = line.split()
                if len(parts) == 3 and parts[1].isdigit() and 2 <= len(parts[0]) <= _MAX_LEN:
                    yield parts[0], int(parts[1]), parts[2]
    except OSError:  # pragma: no cover - jieba is a declared dependency
        return


@functools.cache
def _lexicon() -> tuple[dict[str, int], tuple[tuple[str, int, bool], ...]]:
    freq: dict[str, int] = {}
    phrases = []
    for word, count, tag in _dict_lines():
        freq[word] = count
        if len(word) >= 4 and count >= (_SET_PHRASE_MIN_FREQ if tag in _SET_PHRASE_TAGS else _FOUR_CHAR_MIN_FREQ):
            phrases.append((word, count, tag in _SET_PHRASE_TAGS))
    return freq, tuple(phrases)


def word_frequencies() -> dict[str, int]:
    """Every word of two to eight characters in jieba's dictionary, with its frequency."""
    return _lexicon()[0]


def set_phrases() -> tuple[tuple[str, int, bool], ...]:
    """jieba's 成语 and 习用语 of four to eight characters (from 10 occurrences) and its other words of
    four or more characters (from 30), each with its frequency and whether it is a 成语 or 习用语."""
    return _lexicon()[1]


@functools.cache
def common_two_char_words() -> frozenset[str]:
    return frozenset(w for w in word_frequencies() if len(w) == 2)
