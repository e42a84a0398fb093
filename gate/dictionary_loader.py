"""Dictionaries as data: loading, validating and versioning the YAML rule files.

A file's rule id derives from its path under its dictionary root (``terms/leader-name.yml`` →
``terms.leader-name``); the file never states it. Each file has a ``kind``: ``phrases`` (the
default: wrong forms with right forms, matched by the core), ``allow`` (allow-phrases that suppress
any hit they span), or a kind that a specific check reads (e.g. a leader roster). The format is
documented in ``dictionaries/README.md`` and ``dictionaries/schema.json``.

A broken file is reported with its path, the entry and the fix, and every other file keeps working.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

import yaml

from .model import CATEGORY_LABELS, CHANNELS, DOC_TYPES, Category, Severity, canonical_json

__all__ = [
    "DictionaryError", "DictionaryFile", "Entry", "DictionarySet", "load_dictionaries",
    "shipped_dictionary_dir", "rule_id_for", "parse_file", "DEFAULT_MESSAGES",
]

try:  # libyaml makes 100k-entry files load in well under a second
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

PHRASE_FILE_KEYS = {
    "kind", "category", "severity", "message", "source", "link", "description", "fields",
    "doc_types", "channels", "valid_from", "valid_to", "exceptions", "skip_quoted", "swap", "words",
    "entries", "examples", "note",
}
ENTRY_KEYS = {
    "id", "match", "pattern", "suggest", "category", "severity", "message", "source", "note",
    "fields", "doc_types", "channels", "valid_from", "valid_to", "exceptions", "skip_quoted",
    "before", "after", "not_before", "not_after", "flag", "pass", "requires",
}
TEXT_FIELDS = ("title", "body")

DEFAULT_MESSAGES = {
    "typo": "「{text}」疑为错别字，建议改为「{suggestion}」。",
    "severe_misstatement": "「{text}」属严重表述错误，应为「{suggestion}」。",
    "banned_expression": "「{text}」属禁用或慎用表述，建议改为「{suggestion}」。",
    "outdated_expression": "「{text}」为过时表述，现应为「{suggestion}」。",
    "format": "「{text}」不符合格式规范，建议改为「{suggestion}」。",
}
DEFAULT_MESSAGE_NO_SUGGESTION = "「{text}」属{label}，请核实修改。"


class DictionaryError(Exception):
    """An error in a dictionary file, naming the file, the entry and the fix."""

    def __init__(self, path: str, entry: str | None, problem: str, fix: str = ""):
        self.path, self.entry, self.problem, self.fix = path, entry, problem, fix
        where = f"{path}" + (f"，条目「{entry}」" if entry else "")
        super().__init__(f"{where}：{problem}" + (f"。修正方法：{fix}" if fix else ""))


@dataclass(slots=True, eq=False)
class Entry:
    """One rule: wrong forms (or a regex) with the right forms and their scope."""

    id: str
    forms: tuple[str, ...]
    pattern: re.Pattern | None
    suggestions: tuple[str, ...]
    category: Category
    severity: Severity
    message: str
    source: str
    note: str
    fields: tuple[str, ...]
    doc_types: tuple[str, ...]
    channels: tuple[str, ...]
    valid_from: date | None
    valid_to: date | None
    exceptions: tuple[str, ...]
    skip_quoted: bool
    before: re.Pattern | None = None
    after: re.Pattern | None = None
    not_before: re.Pattern | None = None
    not_after: re.Pattern | None = None
    flag: tuple = ()
    passes: tuple = ()
    rule: str = ""
    requires: str = ""  # for regex entries: characters of which at least one must occur

    def in_force(self, on: date) -> bool:
        return (self.valid_from is None or on >= self.valid_from) and (self.valid_to is None or on < self.valid_to)

    def applies_to(self, field_name: str, doc_type: str, channel: str) -> bool:
        return (field_name in self.fields and (not self.doc_types or doc_type in self.doc_types)
                and (not self.channels or channel in self.channels))

    def render_message(self, text: str) -> str:
        suggestion = self.suggestions[0] if self.suggestions else ""
        template = self.message or (DEFAULT_MESSAGES.get(str(self.category)) if suggestion else None) \
            or DEFAULT_MESSAGE_NO_SUGGESTION
        return template.format(text=text, suggestion=suggestion, reason=self.note,
                               label=CATEGORY_LABELS[str(self.category)],
                               suggestions="」或「".join(self.suggestions))


@dataclass(slots=True, eq=False)
class DictionaryFile:
    path: str           # shown in errors; relative to its root for shipped files
    rule_id: str
    kind: str
    data: dict          # the parsed YAML (other kinds are read by their own check)
    digest: str
    entries: list[Entry] = field(default_factory=list)
    allow_phrases: tuple[str, ...] = ()
    examples_flag: tuple = ()
    examples_pass: tuple = ()
    layer: str = "shipped"   # shipped | extra | site


def rule_id_for(relative: Path) -> str:
    parts = list(relative.with_suffix("").parts)
    return ".".join(parts)


def shipped_dictionary_dir() -> Path:
    return Path(str(resources.files("pubgate.dictionaries")))


# -- parsing -------------------------------------------------------------------------------------

def _as_tuple(value: Any, path: str, entry: str | None, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise DictionaryError(path, entry, f"字段 {key} 应为字符串或字符串列表", f"把 {key} 写成 \"…\" 或 [\"…\", \"…\"]")


def _as_date(value: Any, path: str, entry: str | None, key: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    raise DictionaryError(path, entry, f"字段 {key} 的日期 {value!r} 无效", "使用 YYYY-MM-DD 格式，例如 2018-03-21")


def _as_regex(value: Any, path: str, entry: str | None, key: str) -> re.Pattern | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise DictionaryError(path, entry, f"字段 {key} 应为正则表达式字符串", "写成字符串")
    try:
        return re.compile(value)
    except re.error as exc:
        raise DictionaryError(path, entry, f"字段 {key} 的正则表达式无效（{exc}）", "修正正则表达式语法") from None


def _choice(value: Any, allowed: Iterable[str], path: str, entry: str | None, key: str) -> str:
    allowed = tuple(allowed)
    if value not in allowed:
        raise DictionaryError(path, entry, f"字段 {key} 的取值 {value!r} 无效", f"改为 {'、'.join(allowed)} 之一")
    return value


def _choices(value: Any, allowed: Iterable[str], path: str, entry: str | None, key: str) -> tuple[str, ...]:
    values = _as_tuple(value, path, entry, key)
    for v in values:
        _choice(v, allowed, path, entry, key)
    return values


def _examples(value: Any, path: str, entry: str | None, key: str) -> tuple:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    for item in items:
        if not isinstance(item, (str, dict)) or (isinstance(item, dict) and not isinstance(item.get("text"), str)):
            raise DictionaryError(path, entry, f"示例 {key} 应为字符串，或含 text 字段的对象",
                                  "写成 \"示例句子\" 或 {text: \"示例句子\", doc_type: guide}")
    return tuple(items)


class _Defaults:
    """File-level values that entries inherit."""

    __slots__ = ("category", "severity", "message", "source", "fields", "doc_types", "channels",
                 "valid_from", "valid_to", "exceptions", "skip_quoted")


def _file_defaults(data: dict, path: str) -> _Defaults:
    d = _Defaults()
    if "category" not in data:
        raise DictionaryError(path, None, "缺少 category（类别）", f"添加 category: 取值为 {'、'.join(c.value for c in Category)} 之一")
    d.category = Category(_choice(data["category"], [c.value for c in Category], path, None, "category"))
    d.severity = Severity(_choice(data.get("severity", "warn"), [s.value for s in Severity], path, None, "severity"))
    d.message = data.get("message") or ""
    if not isinstance(d.message, str):
        raise DictionaryError(path, None, "message 应为字符串", "写成带 {text}、{suggestion} 占位的中文句子")
    d.source = str(data.get("source") or "")
    d.fields = _choices(data.get("fields", list(TEXT_FIELDS)), TEXT_FIELDS, path, None, "fields")
    d.doc_types = _choices(data.get("doc_types"), DOC_TYPES, path, None, "doc_types")
    d.channels = _choices(data.get("channels"), CHANNELS, path, None, "channels")
    d.valid_from = _as_date(data.get("valid_from"), path, None, "valid_from")
    d.valid_to = _as_date(data.get("valid_to"), path, None, "valid_to")
    d.exceptions = _as_tuple(data.get("exceptions"), path, None, "exceptions")
    d.skip_quoted = bool(data.get("skip_quoted", False))
    return d


def _check_template(message: str, path: str, entry: str | None) -> None:
    try:
        message.format(text="", suggestion="", reason="", label="", suggestions="")
    except (KeyError, IndexError, ValueError) as exc:
        raise DictionaryError(path, entry, f"message 中的占位符无效（{exc}）",
                              "只使用 {text}、{suggestion}、{suggestions}、{reason}、{label}") from None


def build_entry(raw: dict, d: _Defaults, path: str, rule_id: str, index: int) -> Entry:
    """Validate one entry mapping and fill it from the file defaults."""
    label = str(raw.get("id") or raw.get("match") or raw.get("pattern") or f"#{index + 1}")
    if isinstance(raw.get("match"), list) and raw["match"]:
        label = str(raw.get("id") or raw["match"][0])
    unknown = set(raw) - ENTRY_KEYS
    if unknown:
        raise DictionaryError(path, label, f"未知字段 {'、'.join(sorted(unknown))}",
                              f"只使用这些字段：{'、'.join(sorted(ENTRY_KEYS))}")
    forms = _as_tuple(raw.get("match"), path, label, "match")
    pattern = _as_regex(raw.get("pattern"), path, label, "pattern")
    if bool(forms) == bool(pattern):
        raise DictionaryError(path, label, "每个条目须有 match（字面形式）或 pattern（正则）二者之一",
                              "写 match: 错误形式；只有确需正则时才写 pattern")
    if any(not f.strip() for f in forms):
        raise DictionaryError(path, label, "match 含空字符串", "删除空的形式")
    if pattern is not None and pattern.search(""):
        raise DictionaryError(path, label, "pattern 能匹配空字符串", "修改正则，使其至少匹配一个字符")
    message = raw.get("message", d.message) or ""
    if not isinstance(message, str):
        raise DictionaryError(path, label, "message 应为字符串", "写成中文句子")
    _check_template(message, path, label)
    category = Category(_choice(raw.get("category", d.category.value), [c.value for c in Category], path, label, "category"))
    severity = Severity(_choice(raw.get("severity", d.severity.value), [s.value for s in Severity], path, label, "severity"))
    entry_id = str(raw.get("id") or (forms[0] if forms else raw.get("pattern")))
    return Entry(
        id=entry_id,
        forms=forms,
        pattern=pattern,
        suggestions=_as_tuple(raw.get("suggest"), path, label, "suggest"),
        category=category,
        severity=severity,
        message=message,
        source=str(raw.get("source") or d.source),
        note=str(raw.get("note") or ""),
        fields=_choices(raw["fields"], TEXT_FIELDS, path, label, "fields") if "fields" in raw else d.fields,
        doc_types=_choices(raw["doc_types"], DOC_TYPES, path, label, "doc_types") if "doc_types" in raw else d.doc_types,
        channels=_choices(raw["channels"], CHANNELS, path, label, "channels") if "channels" in raw else d.channels,
        valid_from=_as_date(raw["valid_from"], path, label, "valid_from") if "valid_from" in raw else d.valid_from,
        valid_to=_as_date(raw["valid_to"], path, label, "valid_to") if "valid_to" in raw else d.valid_to,
        exceptions=d.exceptions + _as_tuple(raw.get("exceptions"), path, label, "exceptions"),
        skip_quoted=bool(raw.get("skip_quoted", d.skip_quoted)),
        before=_as_regex(raw.get("before"), path, label, "before"),
        after=_as_regex(raw.get("after"), path, label, "after"),
        not_before=_as_regex(raw.get("not_before"), path, label, "not_before"),
        not_after=_as_regex(raw.get("not_after"), path, label, "not_after"),
        flag=_examples(raw.get("flag"), path, label, "flag"),
        passes=_examples(raw.get("pass"), path, label, "pass"),
        rule=rule_id,
        requires=_requires(raw.get("requires"), pattern, path, label),
    )


def _requires(value: Any, pattern: re.Pattern | None, path: str, label: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or not value or pattern is None:
        raise DictionaryError(path, label, "requires 应为非空字符串，且只用于 pattern 条目",
                              "写成该正则必然包含的字符之一，例如 requires: \"x×\"")
    return value


def _compact_entry(d: _Defaults, rule_id: str, wrong: str, right: str | None) -> Entry:
    # Positional on purpose: this runs once per entry of the compact forms (100,000s of them).
    return Entry(wrong, (wrong,), None, (right,) if right else (), d.category, d.severity, d.message,
                 d.source, "", d.fields, d.doc_types, d.channels, d.valid_from, d.valid_to, d.exceptions,
                 d.skip_quoted, None, None, None, None, (), (), rule_id)


def parse_file(data: Any, path: str, rule_id: str, digest: str, layer: str = "shipped") -> DictionaryFile:
    """Turn one parsed YAML document into a DictionaryFile, or raise DictionaryError."""
    if not isinstance(data, dict):
        raise DictionaryError(path, None, "文件内容应为 YAML 映射（键: 值）", "参照 dictionaries/README.md 的格式")
    kind = data.get("kind", "phrases")
    if not isinstance(kind, str):
        raise DictionaryError(path, None, "kind 应为字符串", "写 kind: phrases")
    result = DictionaryFile(path=path, rule_id=rule_id, kind=kind, data=data, digest=digest, layer=layer)
    if kind == "allow":
        result.allow_phrases = _as_tuple(data.get("phrases"), path, None, "phrases")
        return result
    if kind != "phrases":
        return result  # read and validated by the check that owns this kind
    unknown = set(data) - PHRASE_FILE_KEYS
    if unknown:
        raise DictionaryError(path, None, f"未知字段 {'、'.join(sorted(unknown))}",
                              f"只使用这些字段：{'、'.join(sorted(PHRASE_FILE_KEYS))}")
    defaults = _file_defaults(data, path)
    _check_template(defaults.message, path, None)
    entries: list[Entry] = []
    swap = data.get("swap") or {}
    if not isinstance(swap, dict):
        raise DictionaryError(path, None, "swap 应为「错误形式: 正确形式」映射", "每行写 错误形式: 正确形式")
    for wrong, right in swap.items():
        if not isinstance(wrong, str) or not wrong.strip() or not isinstance(right, (str, type(None))):
            raise DictionaryError(path, str(wrong), "swap 的键和值都应为非空字符串", "写成 错误形式: 正确形式")
        entries.append(_compact_entry(defaults, rule_id, wrong, right))
    words = data.get("words") or []
    for word in _as_tuple(words, path, None, "words"):
        if not word.strip():
            raise DictionaryError(path, None, "words 含空字符串", "删除空项")
        entries.append(_compact_entry(defaults, rule_id, word, None))
    raw_entries = data.get("entries") or []
    if not isinstance(raw_entries, list):
        raise DictionaryError(path, None, "entries 应为列表", "每个条目以 - 开头")
    for i, raw in enumerate(raw_entries):
        if not isinstance(raw, dict):
            raise DictionaryError(path, f"#{i + 1}", "条目应为映射", "写成 - match: 错误形式 / suggest: 正确形式")
        entries.append(build_entry(raw, defaults, path, rule_id, i))
    # swap keys are unique by construction; duplicates can only involve words or entries.
    ids = set(swap)
    for entry in entries[len(swap):]:
        if entry.id in ids:
            raise DictionaryError(path, entry.id, "条目重复", "删除重复条目，或用 id 区分")
        ids.add(entry.id)
    examples = data.get("examples") or {}
    if not isinstance(examples, dict):
        raise DictionaryError(path, None, "examples 应为含 flag、pass 的映射", "写成 examples: {flag: [...], pass: [...]}")
    result.entries = entries
    result.examples_flag = _examples(examples.get("flag"), path, None, "examples.flag")
    result.examples_pass = _examples(examples.get("pass"), path, None, "examples.pass")
    return result


# -- the loaded set ------------------------------------------------------------------------------

class DictionarySet:
    """Every loaded dictionary file, the errors met on the way, and one compiled matcher."""

    def __init__(self, files: list[DictionaryFile], errors: list[DictionaryError],
                 disabled_entries: Iterable[str] = ()):
        self.errors = list(errors)
        self.disabled_entries = frozenset(disabled_entries)
        self.files = self._run_examples(files)
        self._matcher = None

    @property
    def matcher(self):
        if self._matcher is None:
            from .matching import DictionaryMatcher

            self._matcher = DictionaryMatcher(self.phrase_entries(), self.allow_phrases())
        return self._matcher

    def phrase_entries(self, files: Iterable[DictionaryFile] | None = None) -> list[Entry]:
        out = []
        for f in (self.files if files is None else files):
            if f.kind == "phrases":
                out.extend(e for e in f.entries if f"{f.rule_id}#{e.id}" not in self.disabled_entries)
        return out

    def allow_phrases(self) -> list[str]:
        return [p for f in self.files if f.kind == "allow" for p in f.allow_phrases]

    def of_kind(self, kind: str) -> list[DictionaryFile]:
        return [f for f in self.files if f.kind == kind]

    def by_rule(self, rule_id: str) -> DictionaryFile | None:
        return next((f for f in self.files if f.rule_id == rule_id), None)

    def manifest(self) -> list[dict]:
        return [{"rule": f.rule_id, "kind": f.kind, "layer": f.layer, "digest": f.digest}
                for f in sorted(self.files, key=lambda f: (f.rule_id, f.layer))] + \
               [{"disabled": sorted(self.disabled_entries)}]

    @property
    def digest(self) -> str:
        return hashlib.sha256(canonical_json(self.manifest()).encode()).hexdigest()[:16]

    def _run_examples(self, files: list[DictionaryFile]) -> list[DictionaryFile]:
        """Drop files whose own examples misbehave, recording why (prh specs, proselint examples)."""
        from .matching import DictionaryMatcher, run_example

        with_examples = [f for f in files if f.kind == "phrases" and
                         (f.examples_flag or f.examples_pass or any(e.flag or e.passes for e in f.entries))]
        if not with_examples:
            return files
        allow = [p for f in files if f.kind == "allow" for p in f.allow_phrases]
        matcher = DictionaryMatcher(self.phrase_entries(with_examples), allow)
        broken = set()
        for f in with_examples:
            try:
                for e in f.entries:
                    for ex in e.flag:
                        if not any(h.entry is e for h in run_example(matcher, ex, e)):
                            raise DictionaryError(f.path, e.id, f"示例「{_ex_text(ex)}」应被标出，但未命中",
                                                  "修改条目的 match/pattern/作用范围，或修正示例")
                    for ex in e.passes:
                        hits = [h for h in run_example(matcher, ex, e) if h.entry is e]
                        if hits:
                            raise DictionaryError(f.path, e.id, f"示例「{_ex_text(ex)}」不应被标出，却命中「{hits[0].text}」",
                                                  "增加 exceptions（例外短语）或上下文条件 before/after")
                for ex in f.examples_flag:
                    if not any(h.entry.rule == f.rule_id for h in run_example(matcher, ex, None)):
                        raise DictionaryError(f.path, None, f"示例「{_ex_text(ex)}」应被标出，但未命中",
                                              "补充条目，或修正 examples.flag")
                for ex in f.examples_pass:
                    hits = [h for h in run_example(matcher, ex, None) if h.entry.rule == f.rule_id]
                    if hits:
                        raise DictionaryError(f.path, hits[0].entry.id,
                                              f"示例「{_ex_text(ex)}」不应被标出，却命中「{hits[0].text}」",
                                              "为该条目增加 exceptions（例外短语）或上下文条件")
            except DictionaryError as exc:
                self.errors.append(exc)
                broken.add(id(f))
        return [f for f in files if id(f) not in broken]


def _ex_text(example: Any) -> str:
    return example if isinstance(example, str) else example.get("text", "")


def _load_yaml_file(path: Path, shown: str, rule_id: str, layer: str) -> DictionaryFile:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DictionaryError(shown, None, f"无法读取文件（{exc.strerror}）", "检查文件权限") from None
    digest = hashlib.sha256(raw).hexdigest()[:16]
    cached = _parse_cache_get(digest) if len(raw) >= _CACHE_MIN_BYTES else None
    if cached is not None:
        return parse_file(cached, shown, rule_id, digest, layer)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DictionaryError(shown, None, "文件不是 UTF-8 编码", "用 UTF-8 编码另存该文件") from None
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else ""
        raise DictionaryError(shown, None, f"YAML 语法错误{where}（{getattr(exc, 'problem', exc)}）",
                              "检查缩进、冒号和引号") from None
    except (ValueError, TypeError) as exc:  # e.g. an impossible date such as 2023-13-01
        raise DictionaryError(shown, None, f"YAML 取值无效（{exc}），常见原因是日期不存在",
                              "日期使用 YYYY-MM-DD 格式并确认日期存在") from None
    if len(raw) >= _CACHE_MIN_BYTES:
        _parse_cache_put(digest, data)
    return parse_file(data, shown, rule_id, digest, layer)


# Parsing YAML dominates the load time of large files (about 2 s for 100,000 entries even with
# libyaml), so the parsed data of large files is cached by content hash. Validation and examples
# still run on every load; only the YAML parse is skipped.
_CACHE_MIN_BYTES = 256 * 1024
_CACHE_FORMAT = "1"


def _cache_dir() -> Path:
    import os

    base = os.environ.get("PUBGATE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "pubgate")
    return Path(base) / "dictionaries"


def _parse_cache_get(digest: str):
    import pickle

    path = _cache_dir() / f"{digest}-v{_CACHE_FORMAT}.pickle"
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
        return None


def _parse_cache_put(digest: str, data) -> None:
    import os
    import pickle
    import tempfile

    directory = _cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, directory / f"{digest}-v{_CACHE_FORMAT}.pickle")
    except OSError:
        pass  # a read-only home only costs speed


def load_directory(root: Path, layer: str, label: str | None = None) -> tuple[list[DictionaryFile], list[DictionaryError]]:
    files, errors = [], []
    for path in sorted(root.rglob("*.yml")) + sorted(root.rglob("*.yaml")):
        relative = path.relative_to(root)
        shown = f"{label or root}/{relative.as_posix()}"
        try:
            files.append(_load_yaml_file(path, shown, rule_id_for(relative), layer))
        except DictionaryError as exc:
            errors.append(exc)
    return files, errors


def overlay_files(entries: list[dict]) -> tuple[list[DictionaryFile], list[DictionaryError]]:
    """Group site entries (from the service's database) into one virtual file per rule id."""
    by_rule: dict[str, list[dict]] = {}
    for raw in entries:
        by_rule.setdefault(str(raw.get("rule") or "site.custom"), []).append(raw)
    files, errors = [], []
    for rule_id, raws in sorted(by_rule.items()):
        path = f"站点词库/{rule_id}"
        defaults_src = {"category": raws[0].get("category", "banned_expression")}
        try:
            d = _file_defaults(defaults_src, path)
        except DictionaryError as exc:
            errors.append(exc)
            continue
        entries_out = []
        for i, raw in enumerate(raws):
            body = {k: v for k, v in raw.items() if k in ENTRY_KEYS}
            try:
                entries_out.append(build_entry(body, d, path, rule_id, i))
            except DictionaryError as exc:
                errors.append(exc)
        digest = hashlib.sha256(canonical_json(raws).encode()).hexdigest()[:16]
        files.append(DictionaryFile(path=path, rule_id=rule_id, kind="phrases", data={}, digest=digest,
                                    entries=entries_out, layer="site"))
    return files, errors


def load_dictionaries(config, extra_dirs: Iterable[str | Path] = ()) -> DictionarySet:
    """Shipped dictionaries, then extra directories, then the site overlay from the configuration."""
    files: list[DictionaryFile] = []
    errors: list[DictionaryError] = []
    roots: list[tuple[Path, str, str | None]] = []
    if config.include_shipped_dictionaries:
        roots.append((shipped_dictionary_dir(), "shipped", "dictionaries"))
    for d in list(extra_dirs) + list(config.dictionary_dirs):
        roots.append((Path(d), "extra", None))
    for root, layer, label in roots:
        if not root.is_dir():
            errors.append(DictionaryError(str(root), None, "词库目录不存在", "检查配置中的 dictionary_dirs"))
            continue
        loaded, errs = load_directory(root, layer, label)
        files.extend(loaded)
        errors.extend(errs)
    if config.overlay_entries:
        loaded, errs = overlay_files(config.overlay_entries)
        files.extend(loaded)
        errors.extend(errs)
    return DictionarySet(files, errors, disabled_entries=config.disabled_entries)
