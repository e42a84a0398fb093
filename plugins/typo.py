"""Typos (错别字): the statistical layer ``typo.statistical``.

The curated layers are data: ``dictionaries/typo/*.yml`` (confusion pairs, 成语, context rules) run
through the core dictionary matcher, and ``dictionaries/allow/*.yml`` lists vocabulary the
statistical layer must leave alone. This module adds the LM-scored detector (see
``_typo_detector``): it only reports where the best same-sound/same-shape candidate raises the
word-trigram probability by a wide margin, never inside names, places, titles, numbers, URLs,
allow-listed vocabulary or any span another dictionary rule already covers.

When the model has not been built (``pubgate lm build``) the check runs as a no-op and exposes a
``notice`` so the CLI and the service say once that the layer is off.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import re
import threading

from pubgate import BaseCheck, Category, Severity, hookimpl
from pubgate.checks import quoted_spans

__all__ = ["StatisticalTypoCheck", "NOTICE_NO_MODEL", "THRESHOLD_INFO", "THRESHOLD_WARN"]

log = logging.getLogger(__name__)

NOTICE_NO_MODEL = "错别字统计层未启用：未找到语言模型，请运行 pubgate lm build"
NOTICE_NO_KENLM = "错别字统计层未启用：未安装 kenlm，请运行 pip install kenlm 后执行 pubgate lm build"

# log10-probability gains, chosen on the tune part of ECSpell odw.train (benchmarks/eval_typos.py):
# at THRESHOLD_INFO the layer's flag precision on tune is about 0.95; at THRESHOLD_WARN about 0.97.
THRESHOLD_INFO = 4.0
THRESHOLD_WARN = 5.0
# Characters inside a two-character word (real-word errors such as 自愿→资源) need a larger gain.
THRESHOLD_WORD = 6.0

_NAME_FILES = ("person_name.txt", "place_name.txt")
# Dictionary kinds whose strings are protected terms (names of organs, leaders, formulations).
# A slip that turns into one of them is the protected-term check's finding (severe_misstatement),
# never a plain typo: the statistical layer leaves it to that check.
_PROTECTED_KINDS = ("protected", "roster", "formulations", "laws")
_HAN_TERM = re.compile(r"^[\u4e00-\u9fff]{3,}$")


@functools.cache
def _name_automaton():
    """Person and place names from pycorrector's data files (never importing pycorrector)."""
    import ahocorasick

    from pubgate.confusables import MissingDataError, pycorrector_data_file

    automaton = ahocorasick.Automaton()
    for name in _NAME_FILES:
        try:
            path = pycorrector_data_file(name)
        except MissingDataError:
            continue
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                word = line.split(None, 1)[0] if line.strip() else ""
                if len(word) >= 2:
                    automaton.add_word(word, len(word))
    if len(automaton):
        automaton.make_automaton()
    return automaton


@functools.cache
def _similar_cached():
    from pubgate.confusables import similar_chars

    @functools.lru_cache(maxsize=8192)
    def similar(ch: str) -> tuple[str, ...]:
        return tuple(sorted(similar_chars(ch)))

    return similar


def _mark(mask: bytearray, automaton, text: str) -> None:
    if not len(automaton):
        return
    for end, length in automaton.iter(text):
        mask[end - length + 1:end + 1] = b"\x01" * length


def confidence_for(gain: float) -> float:
    """A 0–1 confidence from the LM gain: 0.9 at the info threshold, rising towards 0.99."""
    return round(min(0.99, 0.9 + 0.03 * max(0.0, gain - THRESHOLD_INFO)), 2)


class StatisticalTypoCheck(BaseCheck):
    id = "typo.statistical"
    category = Category.TYPO
    severity = Severity.WARN
    description = "错别字（统计语言模型）：同音、形近字替换后语言模型概率显著提高的位置"
    def __init__(self, dictionaries=None, *, data_root=None, threshold: float = THRESHOLD_INFO,
                 warn_threshold: float = THRESHOLD_WARN, word_threshold: float = THRESHOLD_WORD):
        self.dictionaries = dictionaries
        self.data_root = data_root
        self.threshold = threshold
        self.warn_threshold = warn_threshold
        self.word_threshold = word_threshold
        self._detector = None
        self._protect = None
        self._terms = None
        self._failed: str | None = None
        self._lock = threading.Lock()

    @property
    def version(self) -> str:
        """Part of the ruleset digest: the thresholds and the model file's hash (or its absence)."""
        from pubgate.plugins._typo_lm import model_status

        status = model_status(self.data_root) or {}
        model = str(status.get("arpa_sha256", "none"))[:16]
        return f"1;tau={self.threshold}/{self.warn_threshold}/{self.word_threshold};lm={model}"

    # -- availability -----------------------------------------------------------------------------
    @property
    def notice(self) -> str | None:
        """Why the statistical layer is off, or None; cheap (no model loading)."""
        if self._failed:
            return self._failed
        if self._detector is not None:
            return None
        from pubgate.plugins._typo_lm import model_status

        if model_status(self.data_root) is None:
            return NOTICE_NO_MODEL
        if importlib.util.find_spec("kenlm") is None:
            return NOTICE_NO_KENLM
        return None

    def _ensure(self):
        if self._detector is not None or self._failed:
            return self._detector
        with self._lock:
            if self._detector is None and not self._failed:
                from pubgate.plugins._typo_detector import Detector
                from pubgate.plugins._typo_lm import LanguageModelError, load_model

                try:
                    lm = load_model(self.data_root)
                except LanguageModelError as exc:
                    self._failed = f"错别字统计层未启用：{exc}"
                    return None
                self._protect = self._protected_terms()
                self._terms = self._severe_terms()
                self._detector = Detector(lm, _similar_cached(), threshold=self.threshold,
                                          word_threshold=self.word_threshold)
        return self._detector

    def _protected_terms(self):
        """Allow-listed vocabulary and the right forms of every dictionary entry, as one automaton."""
        import ahocorasick

        terms: set[str] = set()
        if self.dictionaries is not None:
            terms.update(self.dictionaries.allow_phrases())
            for entry in self.dictionaries.phrase_entries():
                terms.update(s for s in entry.suggestions if s)
        automaton = ahocorasick.Automaton()
        for term in terms:
            if len(term) >= 2:
                automaton.add_word(term, len(term))
        if len(automaton):
            automaton.make_automaton()
        return automaton

    def _severe_terms(self):
        """Every Han string of three or more characters in the protected-term dictionaries."""
        import ahocorasick

        automaton = ahocorasick.Automaton()

        def walk(value):
            if isinstance(value, str):
                if _HAN_TERM.match(value):
                    automaton.add_word(value, len(value))
            elif isinstance(value, dict):
                for k, v in value.items():
                    walk(k)
                    walk(v)
            elif isinstance(value, (list, tuple)):
                for v in value:
                    walk(v)

        if self.dictionaries is not None:
            for kind in _PROTECTED_KINDS:
                for f in self.dictionaries.of_kind(kind):
                    walk(f.data)
        if len(automaton):
            automaton.make_automaton()
        return automaton

    def _completes_protected_term(self, text: str, start: int, suggestion: str) -> bool:
        if self._terms is None or not len(self._terms):
            return False
        lo = max(0, start - 20)
        window = text[lo:start] + suggestion + text[start + len(suggestion):start + 20]
        pos = start - lo
        return any(end - length + 1 <= pos <= end for end, length in self._terms.iter(window))

    # -- checking ---------------------------------------------------------------------------------
    def run(self, doc):
        detector = self._ensure()
        if detector is None:
            return
        covered = self._dictionary_hits(doc)
        for field in ("title", "body"):
            text = doc.text(field)
            if len(text) < 2:
                continue
            mask = self.protection_mask(text)
            for s, e in covered.get(field, ()):
                mask[s:e] = b"\x01" * (e - s)
            for flag in detector.detect(text, mask.__getitem__):
                if self._completes_protected_term(text, flag.start, flag.suggestion):
                    continue
                severity = Severity.WARN if flag.gain >= self.warn_threshold else Severity.INFO
                yield self.finding(
                    doc, field, flag.start, flag.end,
                    f"「{flag.text}」疑为错别字，建议改为「{flag.suggestion}」（语言模型判断，请核实）。",
                    flag.suggestion, severity=severity, confidence=confidence_for(flag.gain),
                )

    def protection_mask(self, text: str) -> bytearray:
        """1 at every position the detector must not touch: names, places, 《》 titles, allow-list."""
        mask = bytearray(len(text))
        _mark(mask, _name_automaton(), text)
        if self._protect is not None:
            _mark(mask, self._protect, text)
        for s, e in quoted_spans(text):
            if text[s] in "《〈":
                mask[s:e] = b"\x01" * (e - s)
        return mask

    def _dictionary_hits(self, doc) -> dict[str, list[tuple[int, int]]]:
        """Spans any dictionary rule reports: those are explained already, never re-flagged."""
        out: dict[str, list[tuple[int, int]]] = {}
        if self.dictionaries is None:
            return out
        for hit in self.dictionaries.matcher.hits(doc):
            out.setdefault(hit.field, []).append((hit.start, hit.end))
        return out


@hookimpl
def pubgate_register_checks(register, dictionaries):
    register(StatisticalTypoCheck(dictionaries))
