"""One pass of all phrase entries over a document, with scope, context and allow-phrases applied.

All literal forms of all files go into one Aho-Corasick automaton built once, so a check costs one
scan however many entries are loaded. The automaton is ahocorasick-rs: with 100,000 Chinese entries
pyahocorasick scanned at about jieba's speed (its trie nodes search thousands of children one by
one), ahocorasick-rs at about 80 times jieba's (see benchmarks/bench_check.py). Regex entries, which must be marked as such,
run separately. Matching happens on the normalised view (``pubgate.normalize``) and hits are
reported at their original offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Iterable

from .automata import overlapping_automaton
from .checks import CHINA_TZ, Document
from .dictionary_loader import Entry
from .model import Draft
from .normalize import MatchView, normalize, normalize_many
from .prefilter import Needs, NeedsIndex, needed

__all__ = ["Hit", "DictionaryMatcher", "PhraseIndex", "run_example", "covering"]

_ASCII_WORD = re.compile(r"[0-9a-z]")
_CONTEXT_WINDOW = 40


@dataclass(frozen=True, slots=True)
class Hit:
    entry: Entry
    field: str
    start: int
    end: int
    text: str


class PhraseIndex:
    """Every occurrence, overlapping ones included, of a fixed set of phrases in a text."""

    def __init__(self, phrases: dict[str, Any]):
        self.keys = list(phrases)
        self.values = [phrases[k] for k in self.keys]
        self._ac = overlapping_automaton(self.keys) if self.keys else None

    def __len__(self) -> int:
        return len(self.keys)

    def find(self, text: str) -> list[tuple[int, int, Any]]:
        """(start, end, value) for every occurrence; offsets are code points."""
        if self._ac is None or not text:
            return []
        values = self.values
        return [(start, end, values[i]) for i, start, end in self._ac.find_matches_as_indexes(text, overlapping=True)]


def covering(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in spans)


class _Compiled:
    """Per-entry data derived once: normalised exceptions and anchored context patterns."""

    __slots__ = ("exceptions", "before", "not_before")

    def __init__(self, entry: Entry):
        self.exceptions = tuple(normalize(x) for x in entry.exceptions if x)
        self.before = re.compile(f"(?:{entry.before.pattern})$") if entry.before else None
        self.not_before = re.compile(f"(?:{entry.not_before.pattern})$") if entry.not_before else None


class _NoContext:
    exceptions: tuple = ()
    before = None
    not_before = None


_NO_CONTEXT = _NoContext()


class DictionaryMatcher:
    def __init__(self, entries: Iterable[Entry], allow_phrases: Iterable[str] = ()):
        self.regex_entries: list[Entry] = []
        self.compiled: dict[int, _Compiled] = {}
        # Per regex entry, the literal pieces any match needs (see pubgate.prefilter).
        self._needs: dict[int, Needs] = {}
        literal: list[tuple[str, Entry]] = []
        for entry in entries:
            if entry.exceptions or entry.before or entry.not_before:
                self.compiled[id(entry)] = _Compiled(entry)
            if entry.pattern is not None:
                self.regex_entries.append(entry)
                self._needs[id(entry)] = needed(entry.pattern)
            elif len(entry.forms) == 1:
                literal.append((entry.forms[0], entry))
            else:
                literal.extend((form, entry) for form in entry.forms)
        self._needs_index = NeedsIndex(self._needs.values())
        keyed: dict[str, tuple[Entry, ...]] = {}
        for key, (_, entry) in zip(normalize_many([form for form, _ in literal]), literal):
            if key:
                group = keyed.get(key)
                keyed[key] = (entry,) if group is None else group + (entry,)
        self.automaton = PhraseIndex(keyed)
        allow = {key for key in normalize_many(sorted(set(allow_phrases))) if key}
        self.allow = PhraseIndex({key: key for key in allow})

    def __len__(self) -> int:
        return len(self.automaton) + len(self.regex_entries)

    def hits(self, doc: Document) -> list[Hit]:
        """All hits in a document's title and body; cached on the document."""
        cache_key = ("dictionary-hits", id(self))
        if cache_key not in doc.cache:
            out: list[Hit] = []
            on = doc.publish_date.astimezone(CHINA_TZ).date() if doc.publish_date.tzinfo else doc.publish_date.date()
            for field_name in ("title", "body"):
                out.extend(self._field_hits(doc, field_name, on))
            doc.cache[cache_key] = out
        return doc.cache[cache_key]

    def _field_hits(self, doc: Document, field_name: str, on: date) -> Iterable[Hit]:
        view = doc.view(field_name)
        if not view.norm:
            return []
        draft = doc.draft
        out: list[Hit] = []
        # Literal forms see through inserted symbols (the normalised view); regex rules see the
        # one-to-one mapped text, so they can reason about spaces and symbols themselves.
        literal = [(s, e, entry) for s, e, group in self.automaton.find(view.norm)
                   if not _ascii_boundary_broken(view.norm, s, e) for entry in group]
        # Regexes cost a scan each, so only those in scope run, and only when a character they
        # need (`requires`) and the literal pieces every match contains occur at all.
        mapped = view.mapped
        needs, possible = self._needs, self._needs_index.tester(mapped)
        regex = [(m.start(), m.end(), entry) for entry in self.regex_entries
                 if entry.applies_to(field_name, draft.doc_type, draft.channel) and entry.in_force(on)
                 and (not entry.requires or any(ch in mapped for ch in entry.requires))
                 and possible(needs[id(entry)])
                 for m in entry.pattern.finditer(mapped) if m.end() > m.start()]
        for text, candidates, to_original in ((view.norm, literal, view.to_original),
                                              (view.mapped, regex, lambda s, e: (s, e))):
            if not candidates:
                continue
            allowed = [(s, e) for s, e, _ in self.allow.find(text)]
            for start, end, entry in candidates:
                if not entry.applies_to(field_name, draft.doc_type, draft.channel) or not entry.in_force(on):
                    continue
                if not self._context_ok(entry, text, start, end):
                    continue
                if allowed and covering(allowed, start, end):
                    continue
                if self._excepted(entry, text, start, end):
                    continue
                o_start, o_end = to_original(start, end)
                if entry.skip_quoted and doc.quoted(field_name, o_start, o_end):
                    continue
                out.append(Hit(entry, field_name, o_start, o_end, view.original[o_start:o_end]))
        return out

    def _context_ok(self, entry: Entry, norm: str, start: int, end: int) -> bool:
        c = self.compiled.get(id(entry), _NO_CONTEXT)
        lo, hi = max(0, start - _CONTEXT_WINDOW), min(len(norm), end + _CONTEXT_WINDOW)
        if entry.after and not entry.after.match(norm, end, hi):
            return False
        if entry.not_after and entry.not_after.match(norm, end, hi):
            return False
        if c.before and not c.before.search(norm, lo, start):
            return False
        if c.not_before and c.not_before.search(norm, lo, start):
            return False
        return True

    def _excepted(self, entry: Entry, norm: str, start: int, end: int) -> bool:
        for phrase in self.compiled.get(id(entry), _NO_CONTEXT).exceptions:
            n = len(phrase)
            pos = norm.find(phrase, max(0, end - n), start + n)
            while pos != -1:
                if pos <= start and end <= pos + n:
                    return True
                pos = norm.find(phrase, pos + 1, start + n)
        return False


def _ascii_boundary_broken(norm: str, start: int, end: int) -> bool:
    """ASCII terms match whole words only; CJK has no word boundary to respect."""
    first, last = norm[start], norm[end - 1]
    if _ASCII_WORD.match(first) and start > 0 and _ASCII_WORD.match(norm[start - 1]):
        return True
    if _ASCII_WORD.match(last) and end < len(norm) and _ASCII_WORD.match(norm[end]):
        return True
    return False


def example_draft(example: Any, entry: Entry | None) -> Draft:
    """A draft for a dictionary example: the entry's own scope and a date when it is in force."""
    spec = {"text": example} if isinstance(example, str) else dict(example)
    text = spec.pop("text")
    doc_type = spec.get("doc_type") or (entry.doc_types[0] if entry and entry.doc_types else "news")
    channel = spec.get("channel") or (entry.channels[0] if entry and entry.channels else "website")
    publish = spec.get("publish_at")
    if publish is None and entry is not None:
        if entry.valid_from:
            publish = entry.valid_from.isoformat() + "T12:00:00+08:00"
        elif entry.valid_to:
            publish = (entry.valid_to - timedelta(days=1)).isoformat() + "T12:00:00+08:00"
    in_title = entry is not None and "body" not in entry.fields
    data = {
        "body": "" if in_title else text,
        "title": text if in_title else spec.get("title", ""),
        "format": "text", "doc_type": doc_type, "channel": channel,
        "unit": spec.get("unit", ""),
    }
    if publish:
        data["publish_at"] = str(publish) if "T" in str(publish) else f"{publish}T12:00:00+08:00"
    return Draft.from_dict(data)


def run_example(matcher: DictionaryMatcher, example: Any, entry: Entry | None) -> list[Hit]:
    return matcher.hits(Document(draft=example_draft(example, entry)))


__all__.append("example_draft")
