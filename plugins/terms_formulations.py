"""Ordered political formulations: 四个意识, 四个自信, 五位一体, 新发展理念, 四个全面, the three groups
of 社会主义核心价值观, 三严三实 … (handbook §3.5; the list is data in dictionaries/terms/formulations.yml).

Within one clause, items joined by 、 (and a final 和/及) are mapped to the members of each
formulation. The family of wrong forms is judged, not one string:

- order: a run that clearly is the formulation (the label in the same sentence, or nearly all
  members written out) must follow the fixed order → block;
- a word substituted: a run of the formulation's length with one foreign item in the place of the
  missing member → block, when the label is right before it (责任意识 for 看齐意识) or the foreign
  item is one character away from the member it replaces (法制 for 法治, 诚心 for 诚信);
- an item missing: right after the label (四个意识：…), a run naming all members but one → block.

Runs inside quotation marks (a quoted text) are not judged, and enumerations are never joined
across sentences.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from dataclasses import dataclass

from pubgate import BaseCheck, Category, Severity, hookimpl
from pubgate.dictionary_loader import DictionaryError, DictionaryFile

from ._terms_common import load_kind

KIND = "formulations"
_BREAK = re.compile(r"[。！？；!?;\n]")
_CLAUSE = re.compile(r"[^，：:（）()“”\"]+")
_ITEM_SPLIT = re.compile(r"、|和(?=[^、]{2,}$)|及(?=[^、]{2,}$)|以及")


@dataclass
class Formulation:
    id: str
    label: str
    suffix: str
    members: list[tuple[str, ...]]   # each member: alternatives
    source: str

    def canonical(self) -> str:
        return "、".join(m[0] + self.suffix for m in self.members)

    @functools.cached_property
    def pattern(self) -> re.Pattern:
        alts = sorted((m for group in self.members for m in group), key=len, reverse=True)
        return re.compile("|".join(re.escape(m) for m in alts))

    def index_of(self, word: str) -> int:
        return next(i for i, alts in enumerate(self.members) if word in alts)

    @functools.cached_property
    def words(self) -> dict[str, int]:
        """Every member word → its member index (``index_of``)."""
        out: dict[str, int] = {}
        for i, alts in enumerate(self.members):
            for word in alts:
                out.setdefault(word, i)
        return out

    @functools.cached_property
    def occurrences_never_overlap(self) -> bool:
        """No two occurrences of member words can overlap (none contains another, none ends with
        the start of another). Then the pattern's left-to-right scan finds every occurrence, so an
        all-occurrences automaton finds exactly what the pattern finds."""
        words = list(self.words)
        for a in words:
            for b in words:
                if a != b and a in b:
                    return False
                if any(a[-k:] == b[:k] for k in range(1, min(len(a), len(b)))):
                    return False
        return True

    def member_of(self, item: str) -> int | None:
        found = self.locate(item)
        return found[0] if found else None

    def locate(self, item: str) -> tuple[int, int, int] | None:
        """(member index, start, end) of the member named in an item."""
        for i, alts in enumerate(self.members):
            for m in alts:
                if self.suffix and m + self.suffix in item:
                    p = item.index(m + self.suffix)
                    return i, p, p + len(m) + len(self.suffix)
                if item.endswith(m):
                    return i, len(item) - len(m), len(item)
                if item.startswith(m):
                    return i, 0, len(m)
        return None


def parse(f: DictionaryFile) -> list[Formulation]:
    out = []
    for item in f.data.get("ordered") or []:
        if not item.get("id") or not item.get("label") or not item.get("members"):
            raise DictionaryError(f.path, str(item.get("id")), "条目需要 id、label 和 members", "补全这三个字段")
        members = [tuple(str(m).split("|")) for m in item["members"]]
        out.append(Formulation(str(item["id"]), str(item["label"]), str(item.get("suffix") or ""), members,
                               str(item.get("source") or f.data.get("source") or "")))
    return out


def _items(clause: str, offset: int) -> list[tuple[int, int, str]]:
    """Items of an enumeration with their offsets."""
    out, pos = [], 0
    for m in _ITEM_SPLIT.finditer(clause):
        out.append((offset + pos, offset + m.start(), clause[pos:m.start()]))
        pos = m.end()
    out.append((offset + pos, offset + len(clause), clause[pos:]))
    return [(s, e, t.strip()) for s, e, t in out if t.strip()]


class FormulationOrderCheck(BaseCheck):
    id = "terms.formulations"
    category = Category.SEVERE_MISSTATEMENT
    severity = Severity.BLOCK
    dictionary_kinds = (KIND,)
    description = "重要政治提法（四个意识、四个自信、五位一体、新发展理念、四个全面）的顺序和组成"

    def __init__(self, formulations: list[Formulation]):
        self.formulations = formulations
        self._member_scan = None  # (automaton, owners), built on first use

    def _members_automaton(self):
        """One automaton over the member words of every formulation whose occurrences never
        overlap: one scan instead of one regex scan per formulation. word → [(formulation, member)]."""
        if self._member_scan is None:
            from pubgate.automata import overlapping_automaton

            owners: dict[str, list[tuple[int, int]]] = {}
            for n, f in enumerate(self.formulations):
                if f.occurrences_never_overlap:
                    for word, i in f.words.items():
                        owners.setdefault(word, []).append((n, i))
            words = list(owners)
            self._member_scan = (overlapping_automaton(words) if words else None, [owners[w] for w in words])
        return self._member_scan

    def _members_by_sentence(self, text: str, breaks: list[int]) -> list[dict[int, set[int]]]:
        """Per formulation: sentence number → indices of the members named in that sentence."""
        seen: list[dict[int, set[int]]] = [{} for _ in self.formulations]
        automaton, owners = self._members_automaton()
        if automaton is not None:
            for key, start, _ in automaton.find_matches_as_indexes(text, overlapping=True):
                sentence_no = bisect_right(breaks, start)
                for n, i in owners[key]:
                    seen[n].setdefault(sentence_no, set()).add(i)
        for n, f in enumerate(self.formulations):
            if not f.occurrences_never_overlap:
                for m in f.pattern.finditer(text):
                    seen[n].setdefault(bisect_right(breaks, m.start()), set()).add(f.index_of(m.group(0)))
        return seen

    def run(self, doc):
        for field_name in ("title", "body"):
            text = doc.text(field_name)
            if "、" not in text:
                continue
            breaks = [m.start() for m in _BREAK.finditer(text)]
            # One scan finds the sentences naming three or more members of a formulation; only
            # those are split into clauses and items.
            wanted: dict[int, list[Formulation]] = {}
            for f, seen in zip(self.formulations, self._members_by_sentence(text, breaks)):
                for sentence_no, members in seen.items():
                    if len(members) >= 3:
                        wanted.setdefault(sentence_no, []).append(f)
            for sentence_no, candidates in sorted(wanted.items()):
                s_start = breaks[sentence_no - 1] + 1 if sentence_no else 0
                s_end = breaks[sentence_no] if sentence_no < len(breaks) else len(text)
                sentence = text[s_start:s_end]
                if "、" not in sentence:
                    continue
                for cm in _CLAUSE.finditer(sentence):
                    clause = cm.group(0)
                    if "、" not in clause:
                        continue
                    items = _items(clause, s_start + cm.start())
                    if len(items) < 3:
                        continue
                    for f in candidates:
                        yield from self._judge(doc, field_name, text, sentence, s_start, items, f)

    def _judge(self, doc, field_name, text, sentence, s_off, items, f: Formulation):
        matched = [(s, e, t, f.member_of(t)) for s, e, t in items]
        hits = [(s, e, t, i) for s, e, t, i in matched if i is not None]
        members = {i for *_, i in hits}
        if len(hits) < 3 or len(members) != len(hits):
            return
        labelled = f.label in sentence or f.label in text[max(0, s_off - 30):s_off]
        if f.suffix and not any(f.suffix in t for _, _, t, _ in hits):
            return
        if not labelled and len(hits) < len(f.members) - (1 if f.suffix else 0) and not _slip_shape(f, matched):
            return
        first, last = hits[0], hits[-1]
        lo = first[0] + f.locate(first[2])[1]
        hi = last[0] + f.locate(last[2])[2]
        order = [i for *_, i in hits]
        if order != sorted(order):
            if doc.quoted(field_name, lo, hi):
                return
            right = "、".join(f.members[i][0] + f.suffix for i in sorted(order))
            yield self.finding(doc, field_name, lo, hi,
                               f"「{f.label}」的表述顺序有误，应为「{right}」。", right,
                               rule=f"terms.formulations.{f.id}", source=f.source or None)
            return
        label_pos = text.rfind(f.label, max(0, items[0][0] - len(f.label) - 4), items[0][0])
        foreign = [(s, e, t) for s, e, t, i in matched if i is None]
        missing = [i for i in range(len(f.members)) if i not in members]
        # A word substituted: 四个意识：政治意识、大局意识、核心意识、责任意识; 自由、平等、公正、法制.
        if len(items) == len(f.members) and len(foreign) == 1 and len(missing) == 1:
            s, e, t = foreign[0]
            right = f.members[missing[0]][0] + f.suffix
            slip = _slip_shape(f, matched)
            after_label = label_pos != -1 and (not f.suffix or t.endswith(f.suffix))
            if (slip or after_label) and not doc.quoted(field_name, lo, e):
                word = _slip_word(t, right) if slip else t
                ws = s + t.index(word)
                yield self.finding(doc, field_name, ws, ws + len(word),
                                   f"「{word}」不属于「{f.label}」，{f.label}为「{f.canonical()}」。",
                                   right,
                                   rule=f"terms.formulations.{f.id}", source=f.source or None)
            return
        # An item missing right after the label: 四个自信：道路自信、理论自信、文化自信.
        if (label_pos != -1 and not foreign and len(missing) == 1 and len(f.members) >= 4
                and not items[-1][2].endswith("等")):
            if doc.quoted(field_name, lo, hi):
                return
            yield self.finding(doc, field_name, lo, hi,
                               f"「{f.label}」缺少「{f.members[missing[0]][0] + f.suffix}」，应为「{f.canonical()}」。",
                               f.canonical(), rule=f"terms.formulations.{f.id}", source=f.source or None)


def _one_apart(a: str, b: str) -> bool:
    """Same length, exactly one character different (法制/法治, 诚心/诚信)."""
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b)) == 1


def _slip_word(item: str, right: str) -> str:
    """The part of an item that is the slipped member: the item may carry a verb before it (践行富强)
    or words after it (和协的价值观)."""
    if len(item) < len(right):
        return item
    tail, head = item[len(item) - len(right):], item[:len(right)]
    return head if not _one_apart(tail, right) and _one_apart(head, right) else tail


def _slip_shape(f: Formulation, matched) -> bool:
    """A run of the formulation's length whose one foreign item stands where the missing member
    belongs and is one character away from it (自由、平等、公正、法制)."""
    if len(matched) != len(f.members):
        return False
    foreign = [n for n, (*_, i) in enumerate(matched) if i is None]
    present = {i for *_, i in matched if i is not None}
    if len(foreign) != 1 or len(present) != len(f.members) - 1:
        return False
    gap = next(i for i in range(len(f.members)) if i not in present)
    return foreign[0] == gap and any(_one_apart(_slip_word(matched[gap][2], alt + f.suffix), alt + f.suffix)
                                     for alt in f.members[gap])


_CN_NUMBER = r"(?:二十|十)[一二三四五六七八九]?|[一二三四五六七八九]"
# 党的二十大三中全会: a plenary session belongs to a 届 (term of the Central Committee), never to a 大
# (congress), so 党的N大M中全会 is wrong whatever N and M are.
_PLENUM_OF_CONGRESS = re.compile(
    rf"(?P<n>{_CN_NUMBER})大(?P<plenum>第?[一二三四五六七八九]次?中全会|中央委员会第[一二三四五六七八九]次全体会议)")
# The reverse slip: 党的二十届精神 / 党的十九届报告, where the congress (大) is meant.
_TERM_FOR_CONGRESS = re.compile(rf"党的(?P<n>{_CN_NUMBER})届(?=精神|报告|代表大会|胜利召开|开幕|闭幕)")


class CongressTermCheck(BaseCheck):
    """届次 of party meetings: 党的N大M中全会 → N届M中全会; 党的N届精神 → N大精神."""

    id = "terms.formulations.congress-term"
    category = Category.SEVERE_MISSTATEMENT
    severity = Severity.BLOCK
    description = "党的会议届次表述（全会属于“届”，代表大会称“大”）"
    source = "《中国共产党章程》第二十条、第二十二条（中央委员会每届任期五年，全体会议由中央政治局召集）"

    def run(self, doc):
        for field_name in ("title", "body"):
            text = doc.text(field_name)
            if "大" in text and "全" in text:
                for m in _PLENUM_OF_CONGRESS.finditer(text):
                    if doc.quoted(field_name, m.start(), m.end(), titles=False):
                        continue
                    right = f"{m.group('n')}届{m.group('plenum')}"
                    yield self.finding(doc, field_name, m.start(), m.end(),
                                       f"「{m.group(0)}」届次表述有误，全会属于党的第{m.group('n')}届中央委员会，应为「{right}」。",
                                       right, source=self.source)
            if "届" in text:
                for m in _TERM_FOR_CONGRESS.finditer(text):
                    if doc.quoted(field_name, m.start(), m.end(), titles=False):
                        continue
                    right = f"党的{m.group('n')}大"
                    yield self.finding(doc, field_name, m.start(), m.end(),
                                       f"「{m.group(0)}」届次表述有误，党的全国代表大会应为「{right}」。", right,
                                       source=self.source)


@hookimpl
def pubgate_register_checks(register, dictionaries):
    register(CongressTermCheck())
    formulations = [f for group in load_kind(dictionaries, KIND, parse) for f in group]
    if formulations:
        register(FormulationOrderCheck(formulations))
