"""The statistical typo detector: noisy-channel edits scored by word-trigram LMs and a character LM.

For each run of Han characters (numbers, Latin text, URLs and punctuation end a run, so they are
never scored), the run is segmented with the primary LM's lexicon and three kinds of *edit* are
tried, only at suspicious places:

- ``char``: a character the segmenter leaves on its own (a slip usually breaks a word apart) is
  replaced by a same-pinyin, homophone or similar-shape character that makes a word with its
  neighbours;
- ``char-in-word``: the same inside a two-character word (real-word slips such as 自愿→资源 in
  人力自愿), which must clear a higher bar;
- ``word``: a two- or three-character word replaced by a vocabulary word that sounds the same and
  differs in at least two characters (the pinyin-IME slip 练习会议 for 联席会议);
- ``pair``: two neighbouring characters the segmenter leaves on their own, both replaced by similar
  characters that make a two-character word (墙画监督 for 强化监督: neither slip alone makes a word).

Similar characters are pycorrector's same-pinyin and same-shape sets, toneless homophones and
one-stroke edits; a looser tier, tried only for ``char`` edits and held to a higher bar, adds
characters sharing a rare component (剑 for 险) and, with a character model, similar characters
that make no word but that model clearly prefers (禾它 → 和它).

Each edit is re-segmented locally and re-scored by every model; it counts only if every word model
gains at least ``min_each``, a character model does not lose (``min_char``), and the summed log10
gain clears the bar of its kind. Agreement of models trained on different text, at two
granularities, is what keeps false alarms down. The best edit of a run is accepted, the
edits around it are re-scored, and so on for a few rounds (sentences often hold two slips).
Protected positions (names, allow-listed vocabulary, titles, dictionary terms) are never touched.

Cost is linear in the length of a run: an n-gram model's probability of a word depends on the n−1
words before it alone, so an edit's gain is scored on the changed words with n−1 words of context
either side (exactly the gain over the whole run), never on the whole run. A run of thousands of
characters without punctuation (pasted tables, attacks) costs what as many short clauses cost.
Callers may pass ``checkpoint``, called between units of work, to stop a detection that runs past a
deadline (it raises).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

__all__ = ["Bars", "Flag", "Detector", "HAN_RUN", "CHAR", "CHAR_IN_WORD", "WORD", "PAIR"]

HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]{2,}")

# Characters whose slips the LM cannot judge reliably from a word trigram: very frequent function
# characters swap into each other (的/地/得, 在/再, 做/作) in ways the curated context rules handle;
# 一 heads numeral-classifier phrases (一支, 一经) that the models keep "correcting" to 意志, 已经; the
# formal numerals of amounts (贰拾 → 二十) are numbers, which the layer never touches.
_NEVER_TRY = frozenset("的地得了着过之其与和及或而也都就又还再在是有为以于把被从向对一"
                       "壹贰叁肆伍陆柒捌玖拾佰仟")

# Chinese numerals standing next to another numeral are a number (党的十九大, 二〇二六年, 十四五): the
# models, trained on older text, "correct" 十九大 to 十七大. A lone numeral (九→就) is still tried.
_NUMERALS = frozenset("〇零一二三四五六七八九十百千万亿两")

CHAR, CHAR_IN_WORD, WORD, PAIR = "char", "char-in-word", "word", "pair"
_CONTEXT = 1  # characters of context either side that a local re-segmentation may merge with
_CHECKPOINT_EVERY = 256  # scored edits between two calls of a caller's checkpoint (~10 ms of work)


def _replaced(text: str, positions: Sequence[int], chars: Sequence[str]) -> str:
    """``text`` with the characters at ``positions`` replaced by ``chars``."""
    out = list(text)
    for p, c in zip(positions, chars):
        out[p] = c
    return "".join(out)


@dataclass(frozen=True)
class Bars:
    """Summed log10 gain an edit of each kind must exceed (None: the kind is not tried), and the gain
    each model on its own must reach."""

    char: float
    char_in_word: float | None = None
    word: float | None = None
    min_each: float = 0.0
    pair: float | None = None
    # Asked on top of the bar when a character comes only from the loose component tier (剑 for 险):
    # those candidates are many, so they need more evidence. None: the tier is not tried.
    component: float | None = None
    # What a character model must gain on its own (``min_each`` is for word models): it may add little,
    # but it must not prefer the original.
    min_char: float = 0.0
    # Taken off the bar when every replaced character is a slip seen in real drafts (the detector's
    # ``confusions``, mined from odw tune): 建→健 recurs, so it needs a little less evidence.
    seen: float = 0.0
    # A similar character that makes no vocabulary word (和它 for 禾它) is tried at an isolated position
    # only when the character model alone gains this much there; it then needs ``component`` more on
    # the bar, as a loose candidate. None: such characters are never tried.
    unlisted: float | None = None
    # What each word model must gain for a ``word`` edit (None: ``min_each``). A homophone word has
    # many candidates, and a rare word one model lacks (时艰, 唱衰) reads as a slip to the others.
    word_min_each: float | None = None

    def of(self, kind: str) -> float | None:
        return {CHAR: self.char, CHAR_IN_WORD: self.char_in_word, WORD: self.word, PAIR: self.pair}[kind]


@dataclass(frozen=True, slots=True)
class Flag:
    start: int          # offset in the scanned text
    end: int
    text: str
    suggestion: str
    gain: float         # summed log10 probability gain of the suggestion over the original
    margin: float       # gain above the bar of the edit's kind
    kind: str


class _Segmented:
    """One model's view of the current run: its words and their start offsets."""

    __slots__ = ("model", "words", "starts", "context")

    def __init__(self, model, text: str, words: list[str] | None = None):
        self.model = model
        self.words = words if words is not None else model.segment(text)
        self.starts = []
        pos = 0
        for w in self.words:
            self.starts.append(pos)
            pos += len(w)
        self.context = model.kenlm_model.order - 1  # words before a word that its probability depends on

    def rescored(self, run: str, lo: int, hi: int, replaced: str) -> tuple[float, "_Patch"]:
        """Gain and the patch of the words after characters ``lo..hi`` become ``replaced``: only the
        words around them are re-segmented (the rest of the run keeps its segmentation), and only the
        words whose probability can change are scored, so the cost does not grow with the run."""
        n = len(run)
        a = max(0, bisect.bisect_right(self.starts, max(0, lo - _CONTEXT)) - 1)
        b = bisect.bisect_right(self.starts, min(n - 1, hi - 1 + _CONTEXT))
        left = self.starts[a]
        right = self.starts[b] if b < len(self.starts) else n
        segment = self.model.segment(run[left:lo] + replaced + run[hi:right])
        return self._window_gain(a, b, segment), (a, b, segment)

    def _window_gain(self, a: int, b: int, segment: list[str]) -> float:
        """log10 P(run with words ``a..b`` replaced by ``segment``) − log10 P(run). Words before
        ``a − context`` and from ``b + context`` on keep their probabilities (their n−1 predecessors
        are unchanged), so both clauses are scored from ``a − context`` to ``b + context`` only; the
        leading context words score alike in both and cancel."""
        k, words = self.context, self.words
        start, stop = max(0, a - k), min(len(words), b + k)
        bos, eos = start == 0, stop == len(words)
        before, after = words[start:a], words[b:stop]
        score = self.model.kenlm_model.score
        return (score(" ".join(before + segment + after), bos=bos, eos=eos)
                - score(" ".join(words[start:stop]), bos=bos, eos=eos))

    def patched(self, patch: "_Patch") -> list[str]:
        """The run's words with a patch from ``rescored`` applied."""
        a, b, segment = patch
        return self.words[:a] + segment + self.words[b:]


_Patch = tuple[int, int, list[str]]  # words a..b of one model's view replaced by these words


class Detector:
    def __init__(self, models, similar: Callable[[str], Iterable[str]], *, candidates=None,
                 bars: Bars | None = None, threshold: float | None = None, rounds: int = 3,
                 confusions: frozenset[tuple[str, str]] = frozenset()):
        self.models: Sequence = list(models) if isinstance(models, (list, tuple)) else [models]
        self.similar = similar
        self.candidates = candidates
        bars = bars or Bars(char=4.0, char_in_word=6.0)
        if threshold is not None:
            bars = Bars(threshold, threshold + 2.0, bars.word, bars.min_each)
        self.bars = bars
        self.rounds = rounds  # at most this many flags per run of Han characters
        self.confusions = confusions  # (wrong, right) character slips seen in real drafts
        self._chars = next((m for m in self.models if m.granularity == "char"), None)
        self._similar_memo: dict[str, frozenset[str]] = {}  # both bounded by the character set
        self._loose_memo: dict[str, frozenset[str]] = {}

    # -- public -----------------------------------------------------------------------------------
    def detect(self, text: str, protected: Callable[[int], bool] = lambda i: False,
               checkpoint: Callable[[], None] | None = None) -> list[Flag]:
        """Flags in ``text``. ``checkpoint``, when given, is called between units of work and may raise
        to abandon the detection (a request's time budget)."""
        flags: list[Flag] = []
        for m in HAN_RUN.finditer(text):
            if checkpoint is not None:
                checkpoint()
            flags.extend(self._run(m.group(), m.start(), protected, checkpoint))
        return flags

    # -- one run of Han characters ----------------------------------------------------------------
    def _run(self, run: str, offset: int, protected, checkpoint=None) -> list[Flag]:
        views = [_Segmented(model, run) for model in self.models]
        blocked = bytearray(len(run))
        for i, ch in enumerate(run):
            if ch in _NEVER_TRY or protected(offset + i):
                blocked[i] = 1
            elif ch in _NUMERALS and ((i and run[i - 1] in _NUMERALS)
                                      or (i + 1 < len(run) and run[i + 1] in _NUMERALS)):
                blocked[i] = 1
        scored = {}
        for count, edit in enumerate(self._edits(run, views[0], blocked)):
            if checkpoint is not None and not count % _CHECKPOINT_EVERY:
                checkpoint()
            scored[edit] = self._score(run, views, edit)
        fresh = set(scored)  # scored against the current text; the others are re-scored when picked
        out: list[Flag] = []
        while len(out) < self.rounds:
            best = max(((v[0], e) for e, v in scored.items() if v is not None), default=None)
            if best is None:
                break
            edit = best[1]
            if edit not in fresh:
                scored[edit] = self._score(run, views, edit)
                fresh.add(edit)
                continue
            margin, gain, patches = scored.pop(edit)
            positions, chars, kind, _ = edit
            lo, hi = positions[0], positions[-1] + 1
            new_text = _replaced(run, positions, chars)
            out.append(Flag(offset + lo, offset + hi, run[lo:hi], new_text[lo:hi], gain, margin, kind))
            for p in positions:
                blocked[p] = 1
            run = new_text
            views = [_Segmented(v.model, run, v.patched(patch)) for v, patch in zip(views, patches)]
            # Edits near the change see another context now: generate and score them afresh; edits
            # further away keep their margin until picked (then they are re-scored, see above).
            near = range(max(0, lo - 3), min(len(run), hi + 3))
            scored = {e: v for e, v in scored.items()
                      if v is not None and not any(p in near or blocked[p] for p in e[0])}
            fresh = set()
            for e in self._edits(run, views[0], blocked, near):
                scored[e] = self._score(run, views, e)
                fresh.add(e)
        return out

    def _score(self, run: str, views, edit):
        """(margin, gain, patch per model) or None when the edit does not clear its bar."""
        positions, chars, kind, loose = edit
        bar = self.bars.of(kind) + (self.bars.component if loose else 0.0)
        if self.bars.seen and all((run[p], c) in self.confusions for p, c in zip(positions, chars)):
            bar -= self.bars.seen
        lo, hi = positions[0], positions[-1] + 1
        replaced = _replaced(run[lo:hi], [p - lo for p in positions], chars)
        min_each = self.bars.min_each
        if kind == WORD and self.bars.word_min_each is not None:
            min_each = self.bars.word_min_each
        total, patches = 0.0, []
        for view in views:
            gain, patch = view.rescored(run, lo, hi, replaced)
            if gain < (self.bars.min_char if view.model.granularity == "char" else min_each):
                return None
            total += gain
            patches.append(patch)
        if total <= bar:
            return None
        return total - bar, total, patches

    # -- candidate edits --------------------------------------------------------------------------
    def _edits(self, run: str, view: _Segmented, blocked: bytearray, only: range | None = None):
        """(positions, characters, kind, loose) for the suspicious places of ``run`` (within ``only``);
        ``loose``: a character comes only from the component tier."""
        n = len(run)
        word_len = [0] * n
        for start, w in zip(view.starts, view.words):
            for k in range(start, start + len(w)):
                word_len[k] = len(w)
        lexicon_has = self._lexicon_has
        for i in (only if only is not None else range(n)):
            if blocked[i] or word_len[i] > 2:
                continue
            kind = CHAR if word_len[i] == 1 else CHAR_IN_WORD
            if self.bars.of(kind) is None:
                continue
            for cand, loose in self._char_candidates(run, i, with_loose=kind == CHAR):
                yield (i,), (cand,), kind, loose
        if self.bars.pair is not None and self.candidates is not None:
            firsts = range(n - 1) if only is None else range(max(0, only.start - 1), min(n - 1, only.stop))
            for a in firsts:
                if not (blocked[a] or blocked[a + 1]) and word_len[a] == word_len[a + 1] == 1:
                    yield from self._pair_edits(run, a)
        if self.bars.word is None or self.candidates is None:
            return
        for length in (2, 3):
            for s in range(0, n - length + 1):
                if only is not None and not (s in only or s + length - 1 in only):
                    continue
                if any(blocked[k] or word_len[k] > 2 for k in range(s, s + length)):
                    continue
                window = run[s:s + length]
                if not lexicon_has(window):
                    continue
                for word in self.candidates.homophone_words(window):
                    diff = [k for k in range(length) if word[k] != window[k]]
                    if len(diff) >= 2 and not any(word[k] in _NEVER_TRY for k in diff):
                        yield tuple(s + k for k in diff), tuple(word[k] for k in diff), WORD, False

    def _pair_edits(self, run: str, a: int):
        seconds = self._similar_to(run[a + 1])
        for first in self._similar_to(run[a]):
            for second in self.candidates.second_chars(first):
                if second in seconds:
                    yield (a, a + 1), (first, second), PAIR, False

    def _similar_to(self, ch: str) -> frozenset[str]:
        """Similar and homophone characters of ``ch`` (itself excluded); memoised per detector."""
        out = self._similar_memo.get(ch)
        if out is None:
            found = set(self.similar(ch))
            found.update(self.candidates.homophone_chars(ch))
            found.discard(ch)
            out = self._similar_memo[ch] = frozenset(found)
        return out

    def _loose_to(self, ch: str) -> frozenset[str]:
        """Characters only the component tier proposes for ``ch``; memoised per detector."""
        if self.bars.component is None or self.candidates is None:
            return frozenset()
        out = self._loose_memo.get(ch)
        if out is None:
            out = self._loose_memo[ch] = frozenset(self.candidates.component_chars(ch)) - self._similar_to(ch) - {ch}
        return out

    def _lexicon_has(self, word: str) -> bool:
        return any(m.lexicon is not None and word in m.lexicon for m in self.models)

    def _char_candidates(self, run: str, i: int, with_loose: bool) -> list[tuple[str, bool]]:
        """(character, loose) for the similar characters that make a vocabulary word of 2–3
        characters around ``i``. The loose tier is tried only for characters the segmenter leaves
        alone: inside a word or a pair it never cleared its bar on odw tune, at a fifth of the cost."""
        original = run[i]
        if self.candidates is not None:
            fillers = self.candidates.fillers(run, i)
            similar = self._similar_to(original)
            out = [(c, False) for c in similar if c in fillers]
            if with_loose:
                out += [(c, True) for c in self._loose_to(original) if c in fillers]
                if self.bars.unlisted is not None and self._chars is not None:
                    unlisted = [c for c in similar if c not in fillers]
                    out += [(c, True) for c, gain in self._chars.local_gains(run, i, unlisted)
                            if gain >= self.bars.unlisted]
            return sorted(out)
        return sorted((c, False) for c in set(self.similar(original))
                      if c != original and self._forms_word(run, i, c))

    def _forms_word(self, run: str, i: int, cand: str, max_word: int = 4) -> bool:
        """Without a candidate index (tiny test models): test the model lexicons directly."""
        lo = max(0, i - max_word + 1)  # only the characters a word through ``i`` can span
        text, i = run[lo:i] + cand + run[i + 1:i + max_word], i - lo
        for length in range(2, max_word + 1):
            for s in range(max(0, i - length + 1), min(i, len(text) - length) + 1):
                if self._lexicon_has(text[s:s + length]):
                    return True
        return False
