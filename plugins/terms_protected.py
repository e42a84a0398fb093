"""Near-misses of protected names: 国名, 党和国家机构, 重要政治提法 (handbook §3.1).

One Aho-Corasick automaton holds every one-character confusable variant of every protected name
(中华人民共和国 → 中华人民共合国 …), so a document costs one C-level scan however many names
are loaded. Variants that are themselves protected names or listed real words are left out, and
a changed first/last character that forms a common word with its neighbour outside the span is
not reported (国家安全不动摇 is not 国家安全部).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pubgate import BaseCheck, Category, Severity, hookimpl
from pubgate.confusables import MissingDataError, similar_chars
from pubgate.dictionary_loader import DictionaryError, DictionaryFile
from pubgate.normalize import is_han, normalize

from ._terms_common import load_kind
from ._word_list import common_two_char_words

KIND = "protected"
DEFAULT_MESSAGE = "「{text}」疑为「{suggestion}」的误写。{label}属于不得出错的规范名称，请核改。"


@dataclass
class ProtectedData:
    path: str
    message: str
    source: str
    min_length: int
    pairs: list[str]
    names: dict[str, str] = field(default_factory=dict)        # name → group label
    known_wrong: dict[str, tuple[str, str]] = field(default_factory=dict)  # wrong → (right, label)
    fixed_wording: list[tuple[str, str, str]] = field(default_factory=list)  # wrong, right, source
    allow: list[str] = field(default_factory=list)


def parse(f: DictionaryFile) -> ProtectedData:
    d = f.data
    groups = d.get("groups")
    if not isinstance(groups, list) or not groups:
        raise DictionaryError(f.path, None, "缺少 groups 列表", "按 dictionaries/terms/protected-names.yml 的格式填写 groups")
    pairs = d.get("confusable_pairs") or []
    for p in pairs:
        if not isinstance(p, str) or len(p) != 2:
            raise DictionaryError(f.path, str(p), "confusable_pairs 每项应为两个汉字", "写成 除险 这样的两字字符串")
    out = ProtectedData(path=f.path, message=str(d.get("message") or DEFAULT_MESSAGE),
                        source=str(d.get("source") or ""), min_length=int(d.get("min_length", 4)),
                        pairs=list(pairs), allow=[str(a) for a in d.get("allow") or []])
    for g in groups:
        label = g.get("label")
        if not label or not isinstance(g.get("names"), list):
            raise DictionaryError(f.path, str(label), "每个分组需要 label 和 names 列表", "补全 label 与 names")
        if not g.get("source"):
            raise DictionaryError(f.path, str(label), "分组缺少 source", "写明名称的出处")
        for name in g["names"]:
            out.names[normalize(str(name))] = str(label)
        for wrong, right in (g.get("known_wrong") or {}).items():
            out.known_wrong[normalize(str(wrong))] = (str(right), str(label))
    for item in d.get("fixed_wording") or []:
        if not item.get("wrong") or not item.get("right"):
            raise DictionaryError(f.path, str(item), "fixed_wording 每项需要 wrong 和 right", "补全 wrong 与 right")
        out.fixed_wording.append((normalize(str(item["wrong"])), str(item["right"]), str(item.get("source") or "")))
    return out


class _Index:
    """The automaton of all variants, built once on first use."""

    def __init__(self, data: list[ProtectedData]):
        # The variants (about 20,000) stay a plain automaton (overlapping_automaton builds a DFA only
        # for small sets): as a DFA they scan a third faster but take 0.2 s to build.
        from pubgate.automata import overlapping_automaton

        names: dict[str, tuple[str, ProtectedData]] = {}
        for d in data:
            for name, label in d.names.items():
                names.setdefault(name, (label, d))
        extra: dict[str, set[str]] = {}
        for d in data:
            for a, b in d.pairs:
                extra.setdefault(a, set()).add(b)
                extra.setdefault(b, set()).add(a)
        keys: dict[str, tuple] = {}
        for name, (label, d) in names.items():
            if len(name) < d.min_length:
                continue
            for i, ch in enumerate(name):
                if not is_han(ch):
                    continue
                try:
                    similar = similar_chars(ch)
                except MissingDataError:
                    similar = frozenset()
                for alt in similar | extra.get(ch, set()):
                    if not is_han(alt):
                        continue
                    variant = name[:i] + alt + name[i + 1:]
                    if variant in names:
                        continue
                    keys.setdefault(variant, ("near", name, i, label, d))
        for d in data:
            for wrong, (right, label) in d.known_wrong.items():
                keys[wrong] = ("known", right, -1, label, d)
            for wrong, right, source in d.fixed_wording:
                keys[wrong] = ("wording", right, -1, "机构名称", d)
        self.values = list(keys.values())
        self.automaton = overlapping_automaton(list(keys)) if keys else None
        allow = sorted(p for p in {normalize(a) for d in data for a in d.allow} | set(names) if p)
        self.allow = overlapping_automaton(allow) if allow else None


def _edge_joins_word(norm: str, start: int, end: int, pos: int) -> bool:
    """The changed first/last character reads as part of a word just outside the span."""
    words = common_two_char_words()
    if pos == 0 and start > 0:
        return norm[start - 1:start + 1] in words
    if pos == end - start - 1 and end < len(norm):
        return norm[end - 1:end + 1] in words
    return False


class ProtectedNameCheck(BaseCheck):
    id = "terms.protected-names"
    category = Category.SEVERE_MISSTATEMENT
    severity = Severity.BLOCK
    dictionary_kinds = ("protected",)
    description = "国名、党和国家机构名称、重要政治提法的形近音近误写（单字之差）"

    def __init__(self, data: list[ProtectedData]):
        self.data = data
        self._index: _Index | None = None
        self.version = ",".join(d.path for d in data)

    @property
    def index(self) -> _Index:
        if self._index is None:
            self._index = _Index(self.data)
        return self._index

    def run(self, doc):
        index = self.index
        if index.automaton is None:
            return
        for field_name in ("title", "body"):
            view = doc.view(field_name)
            norm = view.norm
            if not norm:
                continue
            allowed = None
            candidates = []
            for key_no, start, end in index.automaton.find_matches_as_indexes(norm, overlapping=True):
                value = index.values[key_no]
                if allowed is None:
                    allowed = ([(s, e) for _, s, e in index.allow.find_matches_as_indexes(norm, overlapping=True)]
                               if index.allow is not None else [])
                if any(s <= start and end <= e for s, e in allowed):
                    continue
                if value[0] == "near" and _edge_joins_word(norm, start, end, value[2]):
                    continue
                candidates.append((start, end, value))
            # The longest name wins: 人民攻府办公室 is one finding, not two.
            candidates.sort(key=lambda c: (c[0] - c[1], c[0]))
            kept: list[tuple[int, int]] = []
            for start, end, (kind, right, pos, label, d) in candidates:
                if any(s <= start and end <= e for s, e in kept):
                    continue
                kept.append((start, end))
                o_start, o_end = view.to_original(start, end)
                text = view.original[o_start:o_end]
                if kind == "wording":
                    yield self.finding(doc, field_name, o_start, o_end,
                                       f"机构名称「{text}」用字不规范，法定名称中为「和」，应为「{right}」。",
                                       right, rule="terms.protected-names.wording", severity=Severity.WARN)
                    continue
                message = d.message.format(text=text, suggestion=right, label=label, reason="")
                yield self.finding(doc, field_name, o_start, o_end, message, right, source=d.source or None)


@hookimpl
def pubgate_register_checks(register, dictionaries):
    data = load_kind(dictionaries, KIND, parse)
    if data:
        register(ProtectedNameCheck(data))
