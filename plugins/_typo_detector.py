"""The statistical typo detector: noisy-channel candidates scored by the word-trigram LM.

For each run of Han characters (numbers, Latin text, URLs and punctuation end a run, so they are
never scored), the run is segmented with the LM's own lexicon. Only *suspicious* positions are
tried: characters the segmenter leaves on their own (a typo usually breaks a word apart). A
candidate is a same-pinyin or similar-shape character that, put in place, forms a lexicon word
with its neighbours; the run is re-segmented and re-scored, and the best candidate is kept when it
improves the log10 probability by more than the threshold. Protected positions (names, allow-listed
vocabulary, titles, dictionary terms) are never tried.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Container, Iterable

__all__ = ["Flag", "Detector", "HAN_RUN"]

HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]{2,}")

# Characters whose slips the LM cannot judge reliably from a word trigram: very frequent function
# characters swap into each other (的/地/得, 在/再, 做/作) in ways the curated context rules handle.
_NEVER_TRY = frozenset("的地得了着过之其与和及或而也都就才又还再在是有为以于把被从向对")


@dataclass(frozen=True, slots=True)
class Flag:
    start: int          # offset in the scanned text
    end: int
    text: str
    suggestion: str
    gain: float         # log10 probability gain of the suggestion over the original


class Detector:
    def __init__(self, lm, similar: Callable[[str], Iterable[str]], *, threshold: float = 4.0,
                 rounds: int = 2, max_word: int = 4, word_threshold: float | None = None,
                 max_suspect_len: int = 2):
        self.lm = lm
        self.similar = similar
        self.threshold = threshold
        self.rounds = rounds
        self.max_word = max_word
        # Characters inside a 2-character lexicon word are tried too (real-word errors such as
        # 自愿→资源), but they must clear a higher bar.
        self.word_threshold = threshold + 1.0 if word_threshold is None else word_threshold
        self.max_suspect_len = max_suspect_len
        self.lexicon: Container[str] = lm.lexicon

    def detect(self, text: str, protected: Callable[[int], bool] = lambda i: False) -> list[Flag]:
        flags: list[Flag] = []
        for m in HAN_RUN.finditer(text):
            flags.extend(self._run(m.group(), m.start(), protected))
        return flags

    # -- one run of Han characters ----------------------------------------------------------------
    def _run(self, run: str, offset: int, protected) -> list[Flag]:
        out: list[Flag] = []
        chars = list(run)
        words = self.lm.segment(run)
        base = self.lm.score(words)
        done: set[int] = set()
        for _ in range(self.rounds):
            best = None
            pos = 0
            for w in words:
                start, pos = pos, pos + len(w)
                if len(w) > self.max_suspect_len or w in _NEVER_TRY:
                    continue
                bar = self.threshold if len(w) == 1 else self.word_threshold
                for i in range(start, pos):
                    if i in done or protected(offset + i):
                        continue
                    original = chars[i]
                    for cand in self._candidates(chars, i):
                        chars[i] = cand
                        new_words = self.lm.segment("".join(chars))
                        chars[i] = original
                        gain = self.lm.score(new_words) - base
                        if gain > bar and (best is None or gain - bar > best[0] - best[4]):
                            best = (gain, i, cand, new_words, bar)
            if best is None:
                break
            gain, i, cand, new_words, _ = best
            out.append(Flag(offset + i, offset + i + 1, run[i], cand, gain))
            done.add(i)
            chars[i] = cand
            words, base = new_words, base + gain
        return out

    def _candidates(self, chars: list[str], i: int) -> list[str]:
        """Similar characters that make a lexicon word of 2..max_word characters around ``i``."""
        original = chars[i]
        n = len(chars)
        out = []
        lexicon = self.lexicon
        for cand in self.similar(original):
            chars[i] = cand
            found = False
            for length in range(2, self.max_word + 1):
                for s in range(max(0, i - length + 1), min(i, n - length) + 1):
                    if "".join(chars[s:s + length]) in lexicon:
                        found = True
                        break
                if found:
                    break
            if found:
                out.append(cand)
        chars[i] = original
        return out
