"""Site dictionary administration: the database overlay on top of the shipped dictionaries.

No Flask here. The shipped (and extra-directory) dictionaries are the base layer and are never
edited; a site adds its own entries (rule ids ``site.…``) and may switch a shipped entry off with a
reason. Everything is stored in the service's SQLite file, in ``dict_`` tables:

- ``dict_entry``     the current state, one row per site entry or shipped switch-off (``kind``
                     ``entry`` | ``disable``), with a per-row ``revision`` for optimistic locking;
- ``dict_revision``  every change ever made (append-only: triggers refuse UPDATE and DELETE);
- ``dict_state``     one row holding the dictionary version counter; every change increments it;
- ``dict_version``   one row per version: who, when, why, and the digest of the whole snapshot;
- ``dict_ruleset``   which dictionary version each ``ruleset`` digest (shown with every report)
                     was built from, with the gate's manifest, so any decision can be explained
                     with the dictionaries of its day (``snapshot(db, version)`` rebuilds them).

Every change runs in one ``BEGIN IMMEDIATE`` transaction together with its audit event. Before a
change is saved the entry is built by the same code that loads dictionary files, its own examples
are run, and it must not flag the site's clean reference texts (``dictionary_reference``).

``LiveGate`` gives each worker process the Gate of the current version: one indexed read of the
counter per check; when it moved, only the changed entries are rebuilt and a new Gate is swapped in.
The phrase automaton over 100,000s of entries is not rebuilt per change: changed entries go into
a small second automaton and retired ones are masked, until enough changes accumulate to compact.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import sqlite3
import threading
import uuid
from datetime import date, datetime, timedelta
from typing import Any, Iterable

from sqlite_utils import Migrations

from . import audit
from .config import GateConfig
from .dictionary_loader import (ENTRY_KEYS, DictionaryError, DictionaryFile, DictionarySet, Entry,
                                _file_defaults, build_entry)
from .matching import DictionaryMatcher, example_draft, run_example
from .model import Category, Severity, canonical_json
from .workflow import Conflict, Forbidden, Invalid, NotFound, Refused

__all__ = [
    "ensure_schema", "current_version", "EntryValidator", "clean_body", "entry_key",
    "create_entry", "update_entry", "retire_entry", "restore_entry", "disable_shipped", "enable_shipped",
    "get_entry", "search_entries", "history", "versions", "import_entries", "ImportReport",
    "dry_run", "snapshot", "snapshot_digest", "LiveGate", "LayeredMatcher", "explain_ruleset",
    "export_entries", "ACTION_LABELS", "DOC_TYPE_LABELS", "CHANNEL_LABELS", "ADMIN_ROLES", "READ_ROLES",
]

ADMIN_ROLES = ("admin",)
READ_ROLES = ("admin", "reviewer", "editor", "inspector")

# The labels of the audit actions written here (dictionary.*) live with the others in audit.py.
ACTION_LABELS = audit.ACTION_LABELS
DOC_TYPE_LABELS = {"policy": "政策文件", "interpretation": "政策解读", "news": "动态要闻", "notice": "通知公告",
                   "guide": "办事指南", "reply": "留言答复", "disclosure": "公示", "other": "其他"}
CHANNEL_LABELS = {"website": "网站", "wechat": "微信", "weibo": "微博", "app": "客户端", "other": "其他"}

SITE_RULE = re.compile(r"^site(?:\.[a-z0-9][a-z0-9-]{0,39}){1,3}$")
_LIST_KEYS = ("match", "suggest", "exceptions", "fields", "doc_types", "channels", "flag", "pass")
_TEXT_KEYS = ("id", "pattern", "message", "note", "source", "valid_from", "valid_to",
              "before", "after", "not_before", "not_after")
MAX_REASON = 500


# -- schema --------------------------------------------------------------------------------------

migrations = Migrations("pubgate-dictionary")


@migrations()
def m001_dictionary(db) -> None:
    # ``store`` tells one database from another (a LiveGate must never mix their versions).
    # ``acc`` is the running multiset hash of the active rows (see ``snapshot_digest``).
    db["dict_state"].create({"id": int, "version": int, "store": str, "acc": str, "updated_at": str},
                            pk="id", strict=True)
    db["dict_state"].insert({"id": 1, "version": 0, "store": uuid.uuid4().hex, "acc": "0",
                             "updated_at": audit.now_cst()})
    db["dict_entry"].create({
        "key": str, "kind": str, "rule": str, "entry_id": str, "category": str, "severity": str,
        "status": str, "revision": int, "body": str, "digest": str, "search": str,
        "reason": str, "updated_at": str, "updated_by": str, "dict_version": int,
    }, pk="key", not_null={"kind", "rule", "entry_id", "status", "revision", "body", "digest",
                           "updated_at", "dict_version"}, strict=True)
    db["dict_entry"].create_index(["kind", "status", "rule"])
    db["dict_revision"].create({
        "id": int, "key": str, "kind": str, "revision": int, "op": str, "status": str, "body": str,
        "digest": str, "reason": str, "source": str, "actor_id": int, "actor_name": str,
        "actor_role": str, "created_at": str, "dict_version": int,
    }, pk="id", not_null={"key", "kind", "revision", "op", "status", "body", "digest", "created_at",
                          "dict_version"}, strict=True)
    db["dict_revision"].create_index(["dict_version"])
    db["dict_revision"].create_index(["key", "id"])
    for verb in ("UPDATE", "DELETE"):
        db.execute(f"CREATE TRIGGER dict_revision_no_{verb.lower()} BEFORE {verb} ON dict_revision "
                   "BEGIN SELECT RAISE(ABORT, 'dict_revision is append-only'); END")
    db["dict_version"].create({
        "version": int, "created_at": str, "action": str, "reason": str, "actor_id": int,
        "actor_name": str, "actor_role": str, "summary": str, "snapshot_digest": str, "entries": int,
        "audit_seq": int,
    }, pk="version", not_null={"created_at", "action", "summary", "snapshot_digest"}, strict=True)
    db["dict_ruleset"].create({
        "ruleset": str, "dict_version": int, "snapshot_digest": str, "manifest": str, "created_at": str,
    }, pk="ruleset", not_null={"dict_version", "manifest", "created_at"}, strict=True)


@migrations()
def m002_uploads(db) -> None:
    # An uploaded import file kept between its preview and its application (pages only).
    db["dict_upload"].create({"id": str, "filename": str, "data": bytes, "rule": str, "category": str,
                              "actor_id": int, "created_at": str}, pk="id", not_null={"data", "created_at"},
                             strict=True)


_schema_ready: set[str] = set()


def ensure_schema(db) -> None:
    """Create or migrate the ``dict_`` tables (idempotent; cheap after the first call per file)."""
    marker = db.conn.execute("PRAGMA database_list").fetchone()[2] or str(id(db.conn))
    if marker in _schema_ready and db["dict_state"].exists():
        return
    migrations.apply(db)
    _schema_ready.add(marker)


def current_version(db) -> int:
    row = db.conn.execute("SELECT version FROM dict_state WHERE id = 1").fetchone()
    return row[0] if row else 0


def _state(db) -> tuple[int, str]:
    row = db.conn.execute("SELECT version, store FROM dict_state WHERE id = 1").fetchone()
    return (row[0], row[1]) if row else (0, "")


# -- entries as data ----------------------------------------------------------------------------

def entry_key(rule: str, entry_id: str) -> str:
    return f"{rule}#{entry_id}"


def _split(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in re.split(r"[|\n]", value) if v.strip()]
    if isinstance(value, (list, tuple)):
        out = []
        for v in value:
            if isinstance(v, dict):
                out.append(v)
            elif v is not None and str(v).strip():
                out.append(str(v).strip())
        return out
    return [str(value).strip()]


def clean_body(raw: dict) -> tuple[str, dict]:
    """A submitted entry (form, JSON or import row) → (rule id, canonical body).

    Lists may be given as lists or as text separated by ``|`` or new lines; empty values are
    dropped so that equal entries always have equal digests. Raises ``Invalid``."""
    if not isinstance(raw, dict):
        raise Invalid("词条格式错误", "词条应为 JSON 对象")
    category = str(raw.get("category") or "").strip()
    rule = str(raw.get("rule") or "").strip() or f"site.{category.replace('_', '-')}"
    unknown = set(raw) - set(ENTRY_KEYS) - {"rule", "category", "severity", "reason", "expected_revision",
                                              "csrf_token", "skip_quoted"}
    if unknown:
        raise Invalid("词条含未知字段", f"未知字段：{'、'.join(sorted(unknown))}")
    body: dict[str, Any] = {}
    for key in _TEXT_KEYS:
        value = raw.get(key)
        if isinstance(value, (date, datetime)):
            value = value.isoformat()[:10]
        if value is not None and str(value).strip():
            body[key] = str(value).strip()
    for key in _LIST_KEYS:
        values = _split(raw.get(key))
        if values:
            body[key] = values
    body["category"] = category
    body["severity"] = str(raw.get("severity") or "warn").strip()
    if raw.get("skip_quoted") in (True, "true", "1", "on", 1, "是"):
        body["skip_quoted"] = True
    if "id" not in body:
        first = (body.get("match") or [body.get("pattern") or ""])[0]
        body["id"] = first if isinstance(first, str) else ""
    return rule, body


def body_digest(rule: str, body: dict) -> str:
    return hashlib.sha256(canonical_json({"rule": rule, **body}).encode("utf-8")).hexdigest()[:16]


def _search_text(rule: str, body: dict) -> str:
    parts = [rule, body.get("id", ""), body.get("pattern", ""), body.get("note", ""), body.get("source", ""),
             body.get("message", "")]
    for key in ("match", "suggest", "exceptions"):
        parts.extend(body.get(key, []))
    return "\n".join(str(p) for p in parts if p).lower()


_SIMPLE_KEYS = frozenset({"id", "match", "suggest", "category", "severity", "note", "source"})
_CATEGORIES = {c.value: c for c in Category}
_SEVERITIES = {s.value: s for s in Severity}
_defaults_cache: dict[tuple[str, str], Any] = {}


def _build(rule: str, body: dict) -> Entry:
    """The loader's own entry builder, so a saved entry behaves exactly like one in a file.

    Plain word entries (most of an imported list) take a direct path with the same checks,
    about ten times faster: 100,000 of them must load in seconds."""
    path = f"站点词库/{rule}"
    if not SITE_RULE.match(rule):
        raise DictionaryError(path, body.get("id"), f"规则编号 {rule!r} 无效",
                              "站点规则编号以 site. 开头，由小写字母、数字和连字符组成，例如 site.local-names")
    entry_id = body.get("id")
    if not entry_id:
        raise DictionaryError(path, None, "缺少条目编号 id", "填写 id，或填写 match")
    if "#" in entry_id or len(entry_id) > 120:
        raise DictionaryError(path, entry_id, "条目编号不能含 # 且不超过 120 个字符", "修改 id")
    category, severity = body.get("category"), body.get("severity", "warn")
    forms, suggest = body.get("match"), body.get("suggest", [])
    if (body.keys() <= _SIMPLE_KEYS and category in _CATEGORIES and severity in _SEVERITIES
            and isinstance(forms, list) and forms and all(isinstance(f, str) and f.strip() for f in forms)
            and isinstance(suggest, list) and all(isinstance(x, str) for x in suggest)):
        return Entry(entry_id, tuple(forms), None, tuple(suggest), _CATEGORIES[category], _SEVERITIES[severity],
                     "", str(body.get("source") or ""), str(body.get("note") or ""), ("title", "body"), (), (),
                     None, None, (), False, None, None, None, None, (), (), rule)
    key = (rule, str(category))
    defaults = _defaults_cache.get(key)
    if defaults is None:
        defaults = _file_defaults({"category": category}, path)
        if len(_defaults_cache) < 1000:
            _defaults_cache[key] = defaults
    return build_entry({k: v for k, v in body.items() if k in ENTRY_KEYS}, defaults, path, rule, 0)


# -- validation before saving --------------------------------------------------------------------

def _ex_text(example: Any) -> str:
    return example if isinstance(example, str) else str(example.get("text", ""))


class EntryValidator:
    """Builds candidate entries, runs their examples and the clean reference texts.

    One automaton over all candidates and one document per scope make a 10,000-row import cost
    about the same number of scans as a single entry."""

    def __init__(self, reference_texts: Iterable[str] | None = None, allow_phrases: Iterable[str] = ()):
        from .dictionary_reference import reference_texts as default_texts

        self.reference_texts = list(default_texts() if reference_texts is None else reference_texts)
        self.allow_phrases = list(allow_phrases)
        self._joined = "\n".join(t.replace("\n", " ") for t in self.reference_texts)
        offsets, pos = [], 0
        for text in self.reference_texts:
            offsets.append(pos)
            pos += len(text) + 1
        self._offsets = offsets

    def _sentence_at(self, offset: int) -> str:
        from bisect import bisect_right

        return self.reference_texts[bisect_right(self._offsets, offset) - 1]

    def validate(self, candidates: list[tuple[str, dict]]) -> list[Entry | str]:
        """For each (rule, body): the built Entry, or the reason (Chinese) it is refused."""
        results: list[Entry | str] = []
        built: list[tuple[int, Entry]] = []
        for i, (rule, body) in enumerate(candidates):
            try:
                entry = _build(rule, body)
            except DictionaryError as exc:
                results.append(_reason(exc))
                continue
            results.append(entry)
            built.append((i, entry))
        if not built:
            return results
        from .checks import Document

        matcher = DictionaryMatcher([e for _, e in built], self.allow_phrases)
        # Own examples: flag must hit this entry, pass must not.
        for i, entry in built:
            problem = None
            for ex in entry.flag:
                if not any(h.entry is entry for h in run_example(matcher, ex, entry)):
                    problem = f"示例「{_ex_text(ex)}」应被标出，但未命中。请修改错误形式或作用范围，或修正示例"
                    break
            if problem is None:
                for ex in entry.passes:
                    hits = [h for h in run_example(matcher, ex, entry) if h.entry is entry]
                    if hits:
                        problem = (f"示例「{_ex_text(ex)}」不应被标出，却命中「{hits[0].text}」。"
                                   "请增加例外短语（exceptions）或上下文条件")
                        break
            if problem:
                results[i] = problem
        # Clean reference texts: one document per distinct scope, hits attributed by entry.
        if self._joined:
            by_scope: dict[tuple, list[tuple[int, Entry]]] = {}
            for i, entry in built:
                if isinstance(results[i], str):
                    continue
                draft = example_draft(self._joined, entry)
                scope = (draft.doc_type, draft.channel, draft.publish_at, bool(draft.title))
                by_scope.setdefault(scope, []).append((i, entry))
            for members in by_scope.values():
                doc = Document(draft=example_draft(self._joined, members[0][1]))
                wanted = {id(e): i for i, e in members}
                for hit in matcher.hits(doc):
                    i = wanted.pop(id(hit.entry), None)
                    if i is not None:
                        results[i] = (f"会误报规范文本：在参照句「{self._sentence_at(hit.start)}」中命中「{hit.text}」。"
                                      "请增加例外短语（exceptions）、上下文条件，或改用更长的错误形式")
        return results


def _reason(exc: DictionaryError) -> str:
    return exc.problem + (f"。修正方法：{exc.fix}" if exc.fix else "")


# -- permissions and the write transaction ---------------------------------------------------------

def _require_admin(actor: Any) -> None:
    if actor is None or getattr(actor, "role", None) not in ADMIN_ROLES:
        raise Forbidden("没有权限", "只有管理员可以修改词库")


def require_reader(actor: Any) -> None:
    if actor is None or getattr(actor, "role", None) not in READ_ROLES:
        raise Forbidden("没有权限", "您的角色无权查看词库")


def _require_reason(reason: Any) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise Invalid("缺少修改原因", "每次修改词库都须填写原因（记入审计记录）")
    if len(reason) > MAX_REASON:
        raise Invalid("修改原因过长", f"修改原因不超过 {MAX_REASON} 个字符")
    return reason.strip()


# The snapshot digest is a multiset hash (AdHash, Bellare–Micciancio) of the active rows: the sum of
# one 4096-bit hash per row. Equal contents give equal digests whatever the history, and one change
# updates it in microseconds, where rehashing 100,000 sorted rows per save would cost most of a
# second. The modulus is far above the sizes for which generalized-birthday attacks on AdHash
# are known; tamper evidence proper comes from the audit chain, which records every digest.
_ADHASH_BYTES = 512
_ADHASH_MOD = 1 << (8 * _ADHASH_BYTES)


def _element(kind: str, key: str, digest: str) -> int:
    line = f"{kind}\t{key}\t{digest}".encode("utf-8")
    return int.from_bytes(hashlib.shake_256(line).digest(_ADHASH_BYTES), "little")


def _acc_digest(acc: int) -> str:
    return hashlib.sha256(acc.to_bytes(_ADHASH_BYTES, "little")).hexdigest()[:16]


def snapshot_digest(rows: Iterable[tuple[str, str, str]]) -> str:
    """Digest of a set of (kind, key, body digest) rows, computed from scratch."""
    return _acc_digest(sum(_element(*row) for row in rows) % _ADHASH_MOD)


class _Change:
    """One version in the making: rows written, then the version row and the audit event."""

    def __init__(self, db, actor, action: str, reason: str, source: str):
        self.db, self.actor, self.action, self.reason, self.source = db, actor, action, reason, source
        row = db.conn.execute("SELECT version, acc FROM dict_state WHERE id = 1").fetchone()
        self.version = row[0] + 1
        self.acc = int(row[1] or "0", 16)
        self.now = audit.now_cst()
        self.changes: list[dict] = []

    def write(self, *, key: str, kind: str, rule: str, entry_id: str, body: dict, digest: str, op: str,
              status: str, revision: int, category: str = "", severity: str = "") -> None:
        body_json = canonical_json(body)
        old = self.db.conn.execute("SELECT status, digest FROM dict_entry WHERE key = ?", [key]).fetchone()
        if old is not None and old[0] == "active":
            self.acc -= _element(kind, key, old[1])
        if status == "active":
            self.acc += _element(kind, key, digest)
        self.acc %= _ADHASH_MOD
        self.db.conn.execute(
            "INSERT INTO dict_entry (key, kind, rule, entry_id, category, severity, status, revision, body, "
            "digest, search, reason, updated_at, updated_by, dict_version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT(key) DO UPDATE SET category=excluded.category, severity=excluded.severity, "
            "status=excluded.status, revision=excluded.revision, body=excluded.body, digest=excluded.digest, "
            "search=excluded.search, reason=excluded.reason, updated_at=excluded.updated_at, "
            "updated_by=excluded.updated_by, dict_version=excluded.dict_version",
            [key, kind, rule, entry_id, category, severity, status, revision, body_json, digest,
             _search_text(rule, body), self.reason, self.now, getattr(self.actor, "name", None), self.version])
        self.db.conn.execute(
            "INSERT INTO dict_revision (key, kind, revision, op, status, body, digest, reason, source, actor_id, "
            "actor_name, actor_role, created_at, dict_version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [key, kind, revision, op, status, body_json, digest, self.reason, self.source,
             getattr(self.actor, "id", None), getattr(self.actor, "name", None),
             getattr(self.actor, "role", None), self.now, self.version])
        self.changes.append({"key": key, "op": op, "revision": revision, "digest": digest})

    def commit(self, payload: dict) -> dict:
        digest = _acc_digest(self.acc)
        count = self.db.conn.execute("SELECT count(*) FROM dict_entry WHERE status = 'active'").fetchone()[0]
        payload = {"dict_version": self.version, "snapshot_digest": digest, "entries": count,
                   "source": self.source, **payload}
        event = audit.append(self.db, self.action, actor=self.actor, opinion=self.reason, payload=payload)
        summary = payload if len(self.changes) <= 20 else {
            k: v for k, v in payload.items() if k not in ("before", "after", "changes")}
        self.db.conn.execute(
            "INSERT INTO dict_version (version, created_at, action, reason, actor_id, actor_name, actor_role, "
            "summary, snapshot_digest, entries, audit_seq) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [self.version, self.now, self.action, self.reason, getattr(self.actor, "id", None),
             getattr(self.actor, "name", None), getattr(self.actor, "role", None), canonical_json(summary),
             digest, count, event["seq"]])
        self.db.conn.execute("UPDATE dict_state SET version = ?, acc = ?, updated_at = ? WHERE id = 1",
                             [self.version, format(self.acc, "x"), self.now])
        return {"dict_version": self.version, "snapshot_digest": digest, "audit_seq": event["seq"]}


def _fetch_one(db, sql: str, params: list, json_column: str) -> dict | None:
    """One row as a dict, with its JSON column decoded; None when there is no row."""
    cur = db.conn.execute(sql, params)
    values = cur.fetchone()
    if values is None:
        return None
    row = dict(zip([d[0] for d in cur.description], values))
    row[json_column] = json.loads(row[json_column])
    return row


def _row(db, key: str) -> dict | None:
    return _fetch_one(db, "SELECT * FROM dict_entry WHERE key = ?", [key], "body")


def _check_expected(row: dict, expected_revision: Any) -> None:
    if expected_revision is None or str(expected_revision).strip() == "":
        raise Invalid("缺少版本号", "修改词条须提供 expected_revision（打开编辑页面时的版本号），以免覆盖他人的修改")
    try:
        expected = int(expected_revision)
    except (TypeError, ValueError):
        raise Invalid("版本号无效", "expected_revision 应为整数") from None
    if expected != row["revision"]:
        raise Conflict("词条已被他人修改",
                       f"该词条已被 {row['updated_by'] or '他人'} 于 {row['updated_at']} 修改为第 {row['revision']} 版"
                       f"（您编辑的是第 {expected} 版）。请刷新后在最新内容上重新修改。",
                       current=public_row(row))


def _validated(validator: EntryValidator | None, rule: str, body: dict) -> Entry:
    result = (validator or EntryValidator()).validate([(rule, body)])[0]
    if isinstance(result, str):
        raise Refused("词条未保存", result, reason=result)
    return result


def public_row(row: dict) -> dict:
    """A stored row as the API and the pages show it."""
    body = row["body"] if isinstance(row["body"], dict) else json.loads(row["body"])
    return {"key": row["key"], "kind": row["kind"], "layer": "site" if row["kind"] == "entry" else "shipped",
            "rule": row["rule"], "id": row["entry_id"], "status": row["status"], "revision": row["revision"],
            "category": row.get("category") or body.get("category"), "severity": row.get("severity") or body.get("severity"),
            "body": body, "digest": row["digest"], "reason": row.get("reason"), "updated_at": row["updated_at"],
            "updated_by": row.get("updated_by"), "dict_version": row["dict_version"]}


# -- changes ---------------------------------------------------------------------------------------

def create_entry(db, actor, raw: dict, *, reason: str, validator: EntryValidator | None = None,
                 source: str = "web") -> dict:
    """Add a site entry. Refused (422) when its examples fail or it flags a reference text."""
    _require_admin(actor)
    reason = _require_reason(reason)
    rule, body = clean_body(raw)
    _validated(validator, rule, body)
    key = entry_key(rule, body["id"])
    digest = body_digest(rule, body)
    ensure_schema(db)
    with audit.transaction(db):
        existing = _row(db, key)
        if existing is not None:
            raise Conflict("词条已存在", f"规则 {rule} 中已有编号为「{body['id']}」的词条（{'在用' if existing['status'] == 'active' else '已停用'}）"
                           "，请编辑该词条或换一个编号", current=public_row(existing))
        change = _Change(db, actor, "dictionary.create", reason, source)
        change.write(key=key, kind="entry", rule=rule, entry_id=body["id"], body=body, digest=digest,
                     op="create", status="active", revision=1, category=body["category"], severity=body["severity"])
        meta = change.commit({"key": key, "op": "create", "revision": 1, "after": body})
        return {**public_row(_row(db, key)), **meta}


def update_entry(db, actor, key: str, raw: dict, *, expected_revision: Any, reason: str,
                 validator: EntryValidator | None = None, source: str = "web") -> dict:
    """A new revision of a site entry (the old one stays in the history)."""
    _require_admin(actor)
    reason = _require_reason(reason)
    rule, body = clean_body(raw)
    ensure_schema(db)
    if not key.startswith("site."):
        raise Invalid("内置词条不能修改", f"{key} 是内置词条，不能直接修改；可以停用它（须写明原因），再新增一条站点词条")
    current = _row(db, key)
    if current is None or current["kind"] != "entry":
        raise NotFound("词条不存在", f"找不到站点词条 {key}")
    if entry_key(rule, body["id"]) != key:
        raise Invalid("不能修改规则或编号", "规则编号和条目编号确定后不能修改；如需更改，请停用本条并新增一条")
    _validated(validator, rule, body)
    digest = body_digest(rule, body)
    with audit.transaction(db):
        row = _row(db, key)
        _check_expected(row, expected_revision)
        if row["digest"] == digest and row["status"] == "active":
            return {**public_row(row), "dict_version": current_version(db), "unchanged": True}
        change = _Change(db, actor, "dictionary.update", reason, source)
        revision = row["revision"] + 1
        change.write(key=key, kind="entry", rule=rule, entry_id=body["id"], body=body, digest=digest,
                     op="update", status="active", revision=revision, category=body["category"],
                     severity=body["severity"])
        meta = change.commit({"key": key, "op": "update", "revision": revision, "before": row["body"],
                              "after": body})
        return {**public_row(_row(db, key)), **meta}


def _set_status(db, actor, key: str, *, kind: str, status: str, op: str, action: str,
                expected_revision: Any, reason: str, validator: EntryValidator | None, source: str) -> dict:
    _require_admin(actor)
    reason = _require_reason(reason)
    ensure_schema(db)
    row = _row(db, key)
    if row is None or row["kind"] != kind:
        raise NotFound("词条不存在", f"找不到词条 {key}")
    if status == "active" and kind == "entry":
        _validated(validator, row["rule"], row["body"])  # the reference texts may have grown since
    with audit.transaction(db):
        row = _row(db, key)
        _check_expected(row, expected_revision)
        if row["status"] == status:
            raise Conflict("无需修改", f"词条 {key} 已是{'在用' if status == 'active' else '停用'}状态", current=public_row(row))
        change = _Change(db, actor, action, reason, source)
        revision = row["revision"] + 1
        change.write(key=key, kind=kind, rule=row["rule"], entry_id=row["entry_id"], body=row["body"],
                     digest=row["digest"], op=op, status=status, revision=revision, category=row["category"],
                     severity=row["severity"])
        meta = change.commit({"key": key, "op": op, "revision": revision})
        return {**public_row(_row(db, key)), **meta}


def retire_entry(db, actor, key: str, *, expected_revision: Any, reason: str, source: str = "web") -> dict:
    """Stop a site entry from matching; it stays in the history and can be restored."""
    return _set_status(db, actor, key, kind="entry", status="retired", op="retire", action="dictionary.retire",
                       expected_revision=expected_revision, reason=reason, validator=None, source=source)


def restore_entry(db, actor, key: str, *, expected_revision: Any, reason: str,
                  validator: EntryValidator | None = None, source: str = "web") -> dict:
    return _set_status(db, actor, key, kind="entry", status="active", op="restore", action="dictionary.restore",
                       expected_revision=expected_revision, reason=reason, validator=validator, source=source)


def disable_shipped(db, actor, key: str, *, reason: str, shipped_keys: Iterable[str] | None = None,
                    expected_revision: Any = None, source: str = "web") -> dict:
    """Switch a shipped entry off for this site (it is never edited in place)."""
    _require_admin(actor)
    reason = _require_reason(reason)
    ensure_schema(db)
    if "#" not in key or key.startswith("site."):
        raise Invalid("词条编号无效", "内置词条编号形如 规则#条目，例如 typo.idioms#再接再励；站点词条请用“停用”")
    if shipped_keys is not None and key not in set(shipped_keys):
        raise NotFound("内置词条不存在", f"内置词库中没有词条 {key}")
    row = _row(db, key)
    if row is not None:
        if expected_revision is None:
            expected_revision = row["revision"] if row["status"] == "retired" else -1
        return _set_status(db, actor, key, kind="disable", status="active", op="disable",
                           action="dictionary.disable", expected_revision=expected_revision, reason=reason,
                           validator=None, source=source)
    rule, _, entry_id = key.partition("#")
    body = {"rule": rule, "id": entry_id}
    with audit.transaction(db):
        if _row(db, key) is not None:
            raise Conflict("词条已被他人修改", f"{key} 刚刚已被他人停用，请刷新")
        change = _Change(db, actor, "dictionary.disable", reason, source)
        change.write(key=key, kind="disable", rule=rule, entry_id=entry_id, body=body,
                     digest=body_digest(rule, body), op="disable", status="active", revision=1)
        meta = change.commit({"key": key, "op": "disable", "revision": 1})
        return {**public_row(_row(db, key)), **meta}


def enable_shipped(db, actor, key: str, *, expected_revision: Any, reason: str, source: str = "web") -> dict:
    return _set_status(db, actor, key, kind="disable", status="retired", op="enable", action="dictionary.enable",
                       expected_revision=expected_revision, reason=reason, validator=None, source=source)


# -- import ------------------------------------------------------------------------------------------

@dataclasses.dataclass
class ImportReport:
    """What an import would do (preview) or did (applied)."""

    created: list[dict] = dataclasses.field(default_factory=list)
    updated: list[dict] = dataclasses.field(default_factory=list)
    unchanged: list[dict] = dataclasses.field(default_factory=list)
    skipped: list[dict] = dataclasses.field(default_factory=list)   # e.g. retired entries
    errors: list[dict] = dataclasses.field(default_factory=list)    # {"row": n, "key": …, "reason": …}
    applied: bool = False
    dict_version: int | None = None

    @property
    def changes(self) -> int:
        return len(self.created) + len(self.updated)

    def to_dict(self, limit: int | None = None) -> dict:
        def cut(items):
            return items if limit is None else items[:limit]

        return {"applied": self.applied, "dict_version": self.dict_version,
                "counts": {"created": len(self.created), "updated": len(self.updated),
                           "unchanged": len(self.unchanged), "skipped": len(self.skipped),
                           "errors": len(self.errors)},
                "created": cut(self.created), "updated": cut(self.updated), "skipped": cut(self.skipped),
                "errors": cut(self.errors)}


def import_entries(db, actor, rows: Iterable[tuple[int, dict | str]], *, reason: str, apply: bool,
                   validator: EntryValidator | None = None, source: str = "import") -> ImportReport:
    """Import parsed rows (row number, raw entry dict — or an error string from the parser).

    Good rows are created or updated; bad rows are reported with their row number and reason;
    rows equal to the stored entry change nothing, so importing the same file twice is a no-op.
    ``apply=False`` is the preview. All changes of one import are one dictionary version."""
    if apply:
        _require_admin(actor)
        reason = _require_reason(reason)
    else:
        require_reader(actor)
    ensure_schema(db)
    report = ImportReport()
    candidates: list[tuple[int, str, str, dict]] = []
    seen: dict[str, int] = {}
    for number, raw in rows:
        if isinstance(raw, str):
            report.errors.append({"row": number, "key": None, "reason": raw})
            continue
        try:
            rule, body = clean_body(raw)
        except Invalid as exc:
            report.errors.append({"row": number, "key": None, "reason": exc.detail})
            continue
        key = entry_key(rule, body.get("id", ""))
        if key in seen:
            report.errors.append({"row": number, "key": key, "reason": f"与第 {seen[key]} 行重复（同一规则下编号相同）"})
            continue
        seen[key] = number
        candidates.append((number, key, rule, body))
    results = (validator or EntryValidator()).validate([(rule, body) for _, _, rule, body in candidates])
    good: list[tuple[int, str, str, dict, str]] = []
    for (number, key, rule, body), result in zip(candidates, results):
        if isinstance(result, str):
            report.errors.append({"row": number, "key": key, "reason": result})
        else:
            good.append((number, key, rule, body, body_digest(rule, body)))

    def plan() -> list[tuple]:
        report.created.clear(), report.updated.clear(), report.unchanged.clear(), report.skipped.clear()
        stored: dict[str, tuple] = {}
        keys = [g[1] for g in good]
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            marks = ",".join("?" for _ in chunk)
            for k, kind, status, revision, digest in db.conn.execute(
                    f"SELECT key, kind, status, revision, digest FROM dict_entry WHERE key IN ({marks})", chunk):
                stored[k] = (kind, status, revision, digest)
        todo = []
        for number, key, rule, body, digest in good:
            item = {"row": number, "key": key}
            old = stored.get(key)
            if old is None:
                report.created.append(item)
                todo.append((key, rule, body, digest, "create", 1))
            elif old[1] == "retired":
                report.skipped.append({**item, "reason": "该词条已停用；如需恢复请在词条页面操作"})
            elif old[3] == digest:
                report.unchanged.append(item)
            else:
                report.updated.append(item)
                todo.append((key, rule, body, digest, "update", old[2] + 1))
        return todo

    if not apply:
        plan()
        report.errors.sort(key=lambda e: e["row"])
        return report
    with audit.transaction(db):
        todo = plan()
        if todo:
            change = _Change(db, actor, "dictionary.import", reason, source)
            for key, rule, body, digest, op, revision in todo:
                change.write(key=key, kind="entry", rule=rule, entry_id=body["id"], body=body, digest=digest,
                             op=op, status="active", revision=revision, category=body["category"],
                             severity=body["severity"])
            meta = change.commit({"op": "import", "created": len(report.created), "updated": len(report.updated),
                                  "unchanged": len(report.unchanged), "errors": len(report.errors),
                                  "changes": [{"key": k, "op": op} for k, _, _, _, op, _ in todo[:200]]})
            report.dict_version = meta["dict_version"]
        report.applied = True
    report.errors.sort(key=lambda e: e["row"])
    return report


# -- reading -----------------------------------------------------------------------------------------

def get_entry(db, key: str, *, shipped: Iterable[DictionaryFile] = ()) -> dict:
    """One entry, site or shipped (with its switch-off, if any)."""
    ensure_schema(db)
    row = _row(db, key)
    if row is not None and row["kind"] == "entry":
        return public_row(row)
    for f in shipped:
        if f.kind != "phrases" or not key.startswith(f.rule_id + "#"):
            continue
        for e in f.entries:
            if entry_key(f.rule_id, e.id) == key:
                return shipped_row(f, e, row)
    raise NotFound("词条不存在", f"找不到词条 {key}")


def entry_body(e: Entry) -> dict:
    body: dict[str, Any] = {"id": e.id, "category": str(e.category), "severity": str(e.severity)}
    if e.forms:
        body["match"] = list(e.forms)
    if e.pattern is not None:
        body["pattern"] = e.pattern.pattern
    for key, value in (("suggest", e.suggestions), ("exceptions", e.exceptions), ("doc_types", e.doc_types),
                       ("channels", e.channels)):
        if value:
            body[key] = list(value)
    if tuple(e.fields) != ("title", "body"):
        body["fields"] = list(e.fields)
    for key, value in (("message", e.message), ("note", e.note), ("source", e.source)):
        if value:
            body[key] = value
    for key in ("valid_from", "valid_to"):
        if getattr(e, key):
            body[key] = getattr(e, key).isoformat()
    for key in ("before", "after", "not_before", "not_after"):
        if getattr(e, key) is not None:
            body[key] = getattr(e, key).pattern
    if e.skip_quoted:
        body["skip_quoted"] = True
    if e.flag:
        body["flag"] = list(e.flag)
    if e.passes:
        body["pass"] = list(e.passes)
    return body


def shipped_row(f: DictionaryFile, e: Entry, disable_row: dict | None) -> dict:
    disabled = disable_row is not None and disable_row["status"] == "active"
    return {"key": entry_key(f.rule_id, e.id), "kind": "shipped", "layer": f.layer, "rule": f.rule_id, "id": e.id,
            "status": "disabled" if disabled else "active", "category": str(e.category),
            "severity": str(e.severity), "body": entry_body(e), "path": f.path,
            "revision": disable_row["revision"] if disable_row else 0,
            "reason": disable_row["reason"] if disable_row else None,
            "updated_at": disable_row["updated_at"] if disable_row else None,
            "updated_by": disable_row["updated_by"] if disable_row else None}


def search_entries(db, *, shipped: Iterable[DictionaryFile] = (), q: str = "", category: str = "", rule: str = "",
                   layer: str = "", status: str = "", limit: int = 50, offset: int = 0) -> dict:
    """Every entry, shipped and site, filtered by text, category, rule, layer and status.

    Shipped entries (hundreds) are filtered in memory; site entries (up to 100,000s) in SQL."""
    ensure_schema(db)
    needle = (q or "").strip().lower()
    items: list[dict] = []
    shipped_total = 0
    if layer in ("", "shipped"):
        disables = {r[0]: dict(zip(("key", "status", "revision", "reason", "updated_at", "updated_by"), r))
                    for r in db.conn.execute("SELECT key, status, revision, reason, updated_at, updated_by "
                                             "FROM dict_entry WHERE kind = 'disable'")}
        for f in shipped:
            if f.kind != "phrases" or (rule and not f.rule_id.startswith(rule)):
                continue
            for e in f.entries:
                if category and str(e.category) != category:
                    continue
                key = entry_key(f.rule_id, e.id)
                d = disables.get(key)
                st = "disabled" if d and d["status"] == "active" else "active"
                if status and status != st:
                    continue
                if needle and needle not in (key + "\n" + "\n".join(e.forms) + "\n" + "\n".join(e.suggestions)
                                             + "\n" + (e.pattern.pattern if e.pattern else "") + "\n" + e.note).lower():
                    continue
                shipped_total += 1
                if offset <= len(items) + shipped_total - 1 < offset + limit and len(items) < limit:
                    items.append(shipped_row(f, e, d))
    site_total = 0
    if layer in ("", "site"):
        where, params = ["kind = 'entry'"], []
        if needle:
            where.append("instr(search, ?) > 0")
            params.append(needle)
        if category:
            where.append("category = ?")
            params.append(category)
        if rule:
            where.append("(rule = ? OR rule LIKE ?)")
            params += [rule, rule + ".%"]
        if status in ("active", "retired"):
            where.append("status = ?")
            params.append(status)
        elif status == "disabled":
            where.append("0")
        sql_where = " AND ".join(where)
        site_total = db.conn.execute(f"SELECT count(*) FROM dict_entry WHERE {sql_where}", params).fetchone()[0]
        site_offset = max(0, offset - shipped_total)
        room = limit - len(items)
        if room > 0:
            cur = db.conn.execute(f"SELECT * FROM dict_entry WHERE {sql_where} ORDER BY rule, entry_id "
                                  f"LIMIT ? OFFSET ?", params + [room, site_offset])
            cols = [d[0] for d in cur.description]
            items.extend(public_row(dict(zip(cols, v))) for v in cur.fetchall())
    return {"total": shipped_total + site_total, "offset": offset, "limit": limit, "items": items}


def history(db, key: str) -> list[dict]:
    ensure_schema(db)
    cur = db.conn.execute("SELECT * FROM dict_revision WHERE key = ? ORDER BY id", [key])
    cols = [d[0] for d in cur.description]
    out = []
    for values in cur.fetchall():
        row = dict(zip(cols, values))
        row["body"] = json.loads(row["body"])
        out.append(row)
    return out


def versions(db, *, limit: int = 50, before: int | None = None) -> list[dict]:
    ensure_schema(db)
    sql, params = "SELECT * FROM dict_version", []
    if before is not None:
        sql += " WHERE version < ?"
        params.append(before)
    cur = db.conn.execute(sql + " ORDER BY version DESC LIMIT ?", params + [limit])
    cols = [d[0] for d in cur.description]
    out = []
    for values in cur.fetchall():
        row = dict(zip(cols, values))
        row["summary"] = json.loads(row["summary"])
        row["action_label"] = ACTION_LABELS.get(row["action"], row["action"])
        out.append(row)
    return out


def snapshot(db, version: int) -> dict:
    """The overlay as it was at ``version``, rebuilt from the append-only revisions, with its digest
    checked against the one recorded when that version was made."""
    ensure_schema(db)
    active = _snapshot_rows(db, version)
    digest = snapshot_digest((kind, key, d) for kind, key, _, d in active)
    recorded = db.conn.execute("SELECT snapshot_digest FROM dict_version WHERE version = ?", [version]).fetchone()
    entries = [{"rule": key.rpartition("#")[0], **json.loads(body)} for kind, key, body, _ in active if kind == "entry"]
    return {"version": version, "snapshot_digest": digest,
            "verified": (recorded[0] == digest) if recorded else version == 0,
            "entries": sorted(entries, key=lambda e: (e["rule"], e["id"])),
            "disabled": sorted(key for kind, key, _, _ in active if kind == "disable")}


def explain_ruleset(db, ruleset: str) -> dict | None:
    """Which dictionary version a report's ``ruleset`` was built from, and its manifest."""
    ensure_schema(db)
    return _fetch_one(db, "SELECT * FROM dict_ruleset WHERE ruleset = ?", [ruleset], "manifest")


# -- "what would this entry have caught?" ----------------------------------------------------------

def dry_run(raw: dict, submissions: Iterable[tuple], *, allow_phrases: Iterable[str] = (), limit: int = 200,
            context: int = 30) -> dict:
    """Run one candidate entry (not saved) over past submissions.

    ``submissions`` yields ``(submission id, title, plain text)``, optionally with a fourth item,
    a dict with ``doc_type``/``channel``/``publish_at``; without it the entry's own scope and a date
    in its validity window are assumed (the question is what the words would have caught)."""
    from .checks import Document
    from .model import Draft

    rule, body = clean_body(raw)
    try:
        entry = _build(rule, body)
    except DictionaryError as exc:
        raise Refused("词条无效", _reason(exc)) from None
    matcher = DictionaryMatcher([entry], allow_phrases)
    hits_out: list[dict] = []
    scanned = hit_docs = total = 0
    for item in submissions:
        sid, title, text = item[0], item[1] or "", item[2] or ""
        meta = item[3] if len(item) > 3 and isinstance(item[3], dict) else {}
        scanned += 1
        base = example_draft("x", entry)
        data = {"title": title, "body": text, "format": "text",
                "doc_type": meta.get("doc_type") or base.doc_type, "channel": meta.get("channel") or base.channel}
        publish = meta.get("publish_at") or base.publish_at
        if publish:
            data["publish_at"] = publish if isinstance(publish, str) else publish.isoformat()
        try:
            doc = Document(draft=Draft.from_dict(data))
        except Exception:  # a stored draft that no longer validates is skipped, not fatal
            continue
        hits = matcher.hits(doc)
        if not hits:
            continue
        hit_docs += 1
        total += len(hits)
        for h in hits:
            if len(hits_out) >= limit:
                break
            plain = doc.text(h.field)
            hits_out.append({"submission_id": sid, "title": title, "field": h.field, "start": h.start, "end": h.end,
                             "text": h.text, "before": plain[max(0, h.start - context):h.start],
                             "after": plain[h.end:h.end + context]})
    return {"rule": rule, "key": entry_key(rule, body["id"]), "scanned": scanned, "submissions_hit": hit_docs,
            "hits_total": total, "hits": hits_out, "truncated": total > len(hits_out)}


# -- the live gate ---------------------------------------------------------------------------------

class LayeredMatcher:
    """A big base automaton plus a small one for entries changed since; changed-away base entries
    are masked. Same interface as ``DictionaryMatcher`` for the checks that use it."""

    def __init__(self, base: DictionaryMatcher, delta: DictionaryMatcher | None, masked: frozenset[int]):
        self.base, self.delta, self.masked = base, delta, masked
        self.allow = base.allow

    def __len__(self) -> int:
        return len(self.base) + (len(self.delta) if self.delta else 0) - len(self.masked)

    def hits(self, doc):
        key = ("dictionary-hits", id(self))
        if key not in doc.cache:
            out = self.base.hits(doc)
            if self.masked:
                out = [h for h in out if id(h.entry) not in self.masked]
            if self.delta is not None:
                out = list(out) + self.delta.hits(doc)
            doc.cache[key] = out
        return doc.cache[key]


class _LiveDictionarySet(DictionarySet):
    """A DictionarySet assembled from already validated parts (no example runs, no file reads)."""

    def __init__(self, files, errors, disabled_entries, matcher):  # noqa: D107 - see class doc
        self.errors = list(errors)
        self.disabled_entries = frozenset(disabled_entries)
        self.files = files
        self._matcher = matcher


class _SiteRule:
    __slots__ = ("entries", "file", "dirty", "acc")

    def __init__(self):
        self.entries: dict[str, tuple[Entry, str]] = {}
        self.file: DictionaryFile | None = None
        self.dirty = True
        self.acc = 0


class LiveGate:
    """The Gate of the current dictionary version, for one worker process.

    ``current(db)`` costs one indexed read when nothing changed; otherwise it applies the
    revisions since its version, swaps in a new Gate (atomically: a reference assignment) and
    records the new ruleset. Thread-safe."""

    def __init__(self, config: GateConfig | None = None, *, gate=None, compact_after: int = 2000,
                 record_rulesets: bool = True):
        from .engine import Gate

        self.base_gate = gate or Gate(config or GateConfig.from_env())
        self.config = self.base_gate.config
        base_ds = self.base_gate.dictionaries
        self.base_files = [f for f in base_ds.files]
        self.base_errors = list(base_ds.errors)
        self.allow_phrases = base_ds.allow_phrases()
        self.config_disabled = frozenset(self.config.disabled_entries)
        self.shipped: list[tuple[str, Entry]] = [(entry_key(f.rule_id, e.id), e) for f in self.base_files
                                                 if f.kind == "phrases" for e in f.entries]
        self.shipped_keys = frozenset(k for k, _ in self.shipped)
        self.compact_after = compact_after
        self.record_rulesets = record_rulesets
        self._lock = threading.Lock()
        self.stats = {"rebuilds": 0, "compactions": 0, "last_rebuild_ms": 0.0}
        self._validator: EntryValidator | None = None
        self._base: tuple[DictionaryMatcher, frozenset[int]] | None = None
        self._reset()

    def _reset(self) -> None:
        self._gate = None
        self._full_gate = None
        self._version: int | None = None
        self._state: tuple[int | None, str] = (None, "")
        self._rules: dict[str, _SiteRule] = {}
        self._disabled: set[str] = set()
        self._errors: dict[str, DictionaryError] = {}

    @property
    def version(self) -> int | None:
        return self._version

    def validator(self, reference_texts: Iterable[str] | None = None) -> EntryValidator:
        """The validator for saves: default reference texts plus the site's configured ones."""
        if reference_texts is not None:
            return EntryValidator(reference_texts, self.allow_phrases)
        if self._validator is None:
            from .dictionary_reference import reference_texts as texts

            configured = self.config.settings.get("dictionary_reference_texts") or []
            self._validator = EntryValidator(texts(configured), self.allow_phrases)
        return self._validator

    def current(self, db):
        try:
            state = _state(db)
        except sqlite3.OperationalError:  # a database the dictionary tables were never added to
            ensure_schema(db)
            state = _state(db)
        gate = self._gate
        if gate is not None and state == self._state:
            return gate
        with self._lock:
            if self._gate is None or state != self._state:
                if state[1] != self._state[1]:
                    self._reset()  # another database file: start from its full state
                self._refresh(db)
            return self._gate

    # -- rebuilding ---------------------------------------------------------------------------
    def _read(self, db) -> tuple[int, list[tuple]]:
        conn = db.conn
        own = not conn.in_transaction
        if own:
            conn.execute("BEGIN")  # one read snapshot for the counter and the rows
        try:
            version, store = _state(db)
            if self._version is None:
                rows = conn.execute("SELECT kind, key, status, body, digest FROM dict_entry").fetchall()
            else:
                rows = conn.execute("SELECT kind, key, status, body, digest FROM dict_revision "
                                    "WHERE dict_version > ? AND dict_version <= ? ORDER BY id",
                                    [self._version, version]).fetchall()
        finally:
            if own:
                conn.execute("COMMIT")
        self._pending_store = store
        return version, rows

    def _refresh(self, db) -> None:
        import time

        started = time.perf_counter()
        version, rows = self._read(db)
        for kind, key, status, body, digest in rows:
            if kind == "disable":
                (self._disabled.add if status == "active" else self._disabled.discard)(key)
                continue
            rule = key.rpartition("#")[0]
            site_rule = self._rules.setdefault(rule, _SiteRule())
            site_rule.dirty = True
            self._errors.pop(key, None)
            previous = site_rule.entries.pop(key, None)
            if previous is not None:
                site_rule.acc = (site_rule.acc - _element("entry", key, previous[1])) % _ADHASH_MOD
            if status != "active":
                continue
            try:
                site_rule.entries[key] = (_build(rule, json.loads(body)), digest)
                site_rule.acc = (site_rule.acc + _element("entry", key, digest)) % _ADHASH_MOD
            except DictionaryError as exc:  # validated at save time; a later loader change may refuse it
                self._errors[key] = exc
        site_files = []
        for rule, site_rule in sorted(self._rules.items()):
            if site_rule.dirty:
                site_rule.file = _site_file(rule, site_rule.entries, site_rule.acc) if site_rule.entries else None
                site_rule.dirty = False
            if site_rule.file is not None:
                site_files.append(site_rule.file)
        disabled = self.config_disabled | self._disabled
        matcher, compacted = self._matcher(site_files, disabled)
        errors = self.base_errors + list(self._errors.values())
        if compacted or self._full_gate is None:
            gate = self._gate_from(site_files, errors, disabled, matcher, version)
            self._full_gate = gate
        else:
            gate = self._derived_gate(site_files, errors, disabled, matcher, version)
        self._gate, self._version = gate, version
        self._state = (version, self._pending_store)
        self.stats["rebuilds"] += 1
        self.stats["last_rebuild_ms"] = round((time.perf_counter() - started) * 1000, 1)
        if self.record_rulesets:
            self._record(db, gate, version)

    def _derived_gate(self, site_files, errors, disabled, matcher, version):
        """The last full Gate with only its phrase-dictionary checks replaced.

        Other checks keep their instances, and with them the indexes they built lazily on first
        use (protected names, the typo model's vocabulary): rebuilding those on every save would
        cost the first check after it half a second. They see the site layer as of the last full
        build (typo masking, vocabulary) until the next compaction rebuilds everything."""
        from .engine import Gate

        full = self._full_gate
        module = full.pm.get_plugin("pubgate.plugins.dictionary_checks")
        ds = _LiveDictionarySet(self.base_files + site_files, errors, disabled, matcher)
        gate = Gate.__new__(Gate)
        gate.config = dataclasses.replace(self.config, disabled_entries=sorted(disabled))
        gate.pm = full.pm
        gate.dictionaries = ds
        phrase: list = []
        if module is not None:
            module.pubgate_register_checks(register=phrase.append, dictionaries=ds)
            kept = [c for c in full.checks if not isinstance(c, module.PhraseDictionaryCheck)]
        else:
            kept = list(full.checks)
        gate.checks = sorted(kept + phrase, key=lambda c: c.id)
        gate.ruleset = gate._ruleset_digest()
        gate.dictionary_version = version
        return gate

    def _gate_from(self, site_files, errors, disabled, matcher, version):
        from .engine import Gate

        ds = _LiveDictionarySet(self.base_files + site_files, errors, disabled, matcher)
        config = dataclasses.replace(self.config, disabled_entries=sorted(disabled))
        gate = Gate(config, plugin_manager=self.base_gate.pm, dictionaries=ds)
        gate.dictionary_version = version
        return gate

    def _matcher(self, site_files: list[DictionaryFile], disabled: frozenset[str]):
        active = [e for k, e in self.shipped if k not in disabled]
        for f in site_files:
            active.extend(f.entries)
        active_ids = {id(e) for e in active}
        if self._base is not None:
            base, base_ids = self._base
            delta = [e for e in active if id(e) not in base_ids]
            masked = base_ids - active_ids
            if len(delta) + len(masked) <= self.compact_after:
                delta_matcher = DictionaryMatcher(delta, self.allow_phrases) if delta else None
                return LayeredMatcher(base, delta_matcher, frozenset(masked)), False
            self.stats["compactions"] += 1
        base = DictionaryMatcher(active, self.allow_phrases)
        self._base = (base, frozenset(active_ids))
        return LayeredMatcher(base, None, frozenset()), True

    def _record(self, db, gate, version: int) -> None:
        row = db.conn.execute("SELECT snapshot_digest FROM dict_version WHERE version = ?", [version]).fetchone()
        manifest = canonical_json(gate.manifest())
        with audit.transaction(db):
            db.conn.execute("INSERT OR IGNORE INTO dict_ruleset (ruleset, dict_version, snapshot_digest, manifest, "
                            "created_at) VALUES (?,?,?,?,?)",
                            [gate.ruleset, version, row[0] if row else None, manifest, audit.now_cst()])

    # -- an old version, rebuilt -------------------------------------------------------------
    def gate_for_version(self, db, version: int):
        """A Gate with the dictionaries of ``version`` (for explaining an old decision); built the
        same way as the live one, so its ``ruleset`` equals the one recorded for that version."""
        ensure_schema(db)
        by_rule: dict[str, dict[str, tuple]] = {}
        errors = list(self.base_errors)
        disabled = set(self.config_disabled)
        for kind, key, body, digest in _snapshot_rows(db, version):
            if kind == "disable":
                disabled.add(key)
                continue
            rule = key.rpartition("#")[0]
            try:
                by_rule.setdefault(rule, {})[key] = (_build(rule, json.loads(body)), digest)
            except DictionaryError as exc:
                errors.append(exc)
        site_files = [_site_file(rule, entries) for rule, entries in sorted(by_rule.items())]
        disabled = frozenset(disabled)
        active = [e for k, e in self.shipped if k not in disabled] + [e for f in site_files for e in f.entries]
        return self._gate_from(site_files, errors, disabled, DictionaryMatcher(active, self.allow_phrases), version)


def _site_file(rule: str, entries: dict[str, tuple[Entry, str]], acc: int | None = None) -> DictionaryFile:
    """The virtual file of one site rule; its digest is the multiset digest of its rows as stored.
    The entry with the smallest key goes first (the rule's check takes its category from it)."""
    if acc is None:
        acc = sum(_element("entry", key, d) for key, (_, d) in entries.items()) % _ADHASH_MOD
    first = min(entries)
    ordered = [entries[first][0]] + [e for key, (e, _) in entries.items() if key != first]
    return DictionaryFile(path=f"站点词库/{rule}", rule_id=rule, kind="phrases",
                          data={"description": f"站点词库 {rule}"}, digest=_acc_digest(acc),
                          entries=ordered, layer="site")


def _snapshot_rows(db, version: int) -> list[tuple[str, str, str, str]]:
    rows = db.conn.execute(
        "SELECT kind, key, status, body, digest FROM dict_revision WHERE id IN "
        "(SELECT max(id) FROM dict_revision WHERE dict_version <= ? GROUP BY key)", [version]).fetchall()
    return [(kind, key, body, digest) for kind, key, status, body, digest in rows if status == "active"]


def export_entries(db, *, rule: str = "", include_retired: bool = False) -> list[dict]:
    """Site entries as import rows ({"rule": …, **body}), for CSV/YAML export."""
    ensure_schema(db)
    sql, params = "SELECT rule, body FROM dict_entry WHERE kind = 'entry'", []
    if not include_retired:
        sql += " AND status = 'active'"
    if rule:
        sql += " AND (rule = ? OR rule LIKE ?)"
        params += [rule, rule + ".%"]
    return [{"rule": r, **json.loads(b)} for r, b in db.conn.execute(sql + " ORDER BY rule, entry_id", params)]


def store_upload(db, actor, filename: str, data: bytes, *, rule: str = "", category: str = "") -> str:
    """Keep an uploaded file for its preview → apply round trip; older uploads are dropped."""
    ensure_schema(db)
    upload_id = uuid.uuid4().hex
    with audit.transaction(db):
        db.conn.execute("DELETE FROM dict_upload WHERE created_at < ?",
                        [(datetime.now(audit.CST) - timedelta(days=1)).isoformat(timespec="milliseconds")])
        db.conn.execute("INSERT INTO dict_upload (id, filename, data, rule, category, actor_id, created_at) "
                        "VALUES (?,?,?,?,?,?,?)", [upload_id, filename, data, rule, category,
                                                   getattr(actor, "id", None), audit.now_cst()])
    return upload_id


def load_upload(db, upload_id: str, actor) -> dict:
    ensure_schema(db)
    row = db.conn.execute("SELECT filename, data, rule, category, actor_id FROM dict_upload WHERE id = ?",
                          [upload_id]).fetchone()
    if row is None or row[4] != getattr(actor, "id", None):
        raise NotFound("上传文件已过期", "请重新上传文件")
    return {"filename": row[0], "data": row[1], "rule": row[2], "category": row[3]}
