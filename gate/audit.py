"""The append-only, hash-chained audit trail (review-workflow.md §4).

Every event is one row of ``audit_event``. Its ``entry_hash`` is
``SHA-256(prev_hash || canonical_json(row without entry_hash))``; the chain starts from 64 zeros.
Triggers refuse UPDATE and DELETE; the chain makes any edit made around them *detectable*:
``verify()`` recomputes every hash and names the first broken row.

Appends take the write lock with ``BEGIN IMMEDIATE`` so that only one writer reads the chain head
at a time; an append inside an open transaction joins it (a savepoint), so a workflow change and
its event commit together or not at all.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import secrets
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

__all__ = [
    "CST", "GENESIS", "now_cst", "canonical", "transaction", "append", "verify", "VerifyResult",
    "events", "export_csv", "export_jsonl", "EVENT_COLUMNS", "ACTION_LABELS",
]

CST = timezone(timedelta(hours=8))
GENESIS = "0" * 64
HASH_ALG = "sha256"

# Columns in chain order; the canonical JSON of these (minus entry_hash) is what gets hashed.
EVENT_COLUMNS = (
    "seq", "event_id", "ts", "action", "stage", "actor_id", "actor_name", "actor_role", "actor_title",
    "actor_unit", "submission_id", "version", "content_sha256", "decision", "opinion", "payload",
    "prev_hash", "entry_hash", "hash_alg",
)

ACTION_LABELS = {
    "check.run": "内容检查",
    "submission.create": "提交稿件",
    "submission.blocked": "检查未通过（含阻断问题）",
    "submission.submit": "送审",
    "submission.resubmit": "修改后重新提交",
    "warning.acknowledge": "确认警告",
    "finding.override": "放行阻断问题",
    "review.approve": "审核同意",
    "review.reject": "退回修改",
    "publish.allow": "发布放行",
    "publish.refuse": "发布拦截",
    "user.create": "新建用户",
    "user.update": "修改用户",
    "token.create": "创建 API 令牌",
    "workflow.update": "修改审核流程",
    "schema.version": "数据库版本",
    "dictionary.create": "新增词条",
    "dictionary.update": "修改词条",
    "dictionary.retire": "停用词条",
    "dictionary.restore": "恢复词条",
    "dictionary.disable": "停用内置词条",
    "dictionary.enable": "恢复内置词条",
    "dictionary.import": "导入词条",
}


def now_cst() -> str:
    """An ISO 8601 timestamp with an explicit +08:00 offset, to the millisecond."""
    return datetime.now(CST).isoformat(timespec="milliseconds")


def _normalise(value: Any) -> Any:
    """NFC text, no floats (their text form differs between writers), JSON types only."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return {str(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_normalise(v) for v in value]
    return unicodedata.normalize("NFC", str(value))


def canonical(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 kept, NFC, no floats."""
    return json.dumps(_normalise(value), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _entry_hash(row: dict) -> str:
    body = {k: row.get(k) for k in EVENT_COLUMNS if k != "entry_hash"}
    return hashlib.sha256((row["prev_hash"] + canonical(body)).encode("utf-8")).hexdigest()


@contextlib.contextmanager
def transaction(db) -> Iterator[Any]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``; nested use becomes a savepoint of the outer transaction."""
    conn = db.conn
    if conn.in_transaction:
        name = f"pg_{secrets.token_hex(6)}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield db
        except BaseException:
            if conn.in_transaction:
                conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                conn.execute(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            conn.execute(f"RELEASE SAVEPOINT {name}")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


def append(db, action: str, *, actor: Any = None, stage: str | None = None,
           submission_id: str | None = None, version: int | None = None,
           content_sha256: str | None = None, decision: str | None = None,
           opinion: str | None = None, payload: dict | None = None) -> dict:
    """Append one event and return the stored row. ``actor`` has id/name/role/title/unit or is None
    (the gate itself, e.g. an anonymous check)."""
    with transaction(db):
        head = db.conn.execute(
            "SELECT seq, entry_hash FROM audit_event ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (head[0] + 1, head[1]) if head else (1, GENESIS)
        row = {
            "seq": seq,
            "event_id": str(uuid.uuid4()),
            "ts": now_cst(),
            "action": action,
            "stage": stage,
            "actor_id": getattr(actor, "id", None),
            "actor_name": getattr(actor, "name", None),
            "actor_role": getattr(actor, "role", None),
            "actor_title": getattr(actor, "title", None) or None,
            "actor_unit": getattr(actor, "unit", None) or None,
            "submission_id": submission_id,
            "version": version,
            "content_sha256": content_sha256,
            "decision": decision,
            "opinion": opinion,
            "payload": canonical(payload or {}),
            "prev_hash": prev,
            "hash_alg": HASH_ALG,
        }
        row = {k: _normalise(v) if isinstance(v, str) else v for k, v in row.items()}
        row["entry_hash"] = _entry_hash(row)
        columns = ", ".join(EVENT_COLUMNS)
        marks = ", ".join("?" for _ in EVENT_COLUMNS)
        db.conn.execute(f"INSERT INTO audit_event ({columns}) VALUES ({marks})",
                        [row[c] for c in EVENT_COLUMNS])
    return row


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    head: str
    broken_seq: int | None = None
    problem: str | None = None
    checked_at: str = ""

    def to_dict(self) -> dict:
        return {"ok": self.ok, "count": self.count, "head": self.head, "broken_seq": self.broken_seq,
                "problem": self.problem, "checked_at": self.checked_at}

    @property
    def message(self) -> str:
        if self.ok:
            return f"审计链完整：共 {self.count} 条记录，链头 {self.head[:16]}…"
        return f"审计链在第 {self.broken_seq} 条记录处断裂：{self.problem}"


def verify(db) -> VerifyResult:
    """Walk the chain in ``seq`` order and report the first row whose hash or link is wrong."""
    prev, count, expected_seq = GENESIS, 0, 1
    cursor = db.conn.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM audit_event ORDER BY seq")
    checked_at = now_cst()
    for values in cursor:
        row = dict(zip(EVENT_COLUMNS, values))
        seq = row["seq"]
        if seq != expected_seq:
            return VerifyResult(False, count, prev, expected_seq,
                                f"缺少第 {expected_seq} 条记录（下一条为第 {seq} 条），记录可能被删除", checked_at)
        if row["prev_hash"] != prev:
            return VerifyResult(False, count, prev, seq, "与上一条记录的链接（prev_hash）不符", checked_at)
        if row["hash_alg"] != HASH_ALG:
            return VerifyResult(False, count, prev, seq, f"不支持的摘要算法 {row['hash_alg']!r}", checked_at)
        if _entry_hash(row) != row["entry_hash"]:
            return VerifyResult(False, count, prev, seq, "摘要不符（记录内容被修改）", checked_at)
        prev, count, expected_seq = row["entry_hash"], count + 1, seq + 1
    return VerifyResult(True, count, prev, checked_at=checked_at)


def events(db, *, submission_id: str | None = None, after: int = 0, limit: int | None = None) -> list[dict]:
    """Events in chain order, ``payload`` decoded."""
    sql = f"SELECT {', '.join(EVENT_COLUMNS)} FROM audit_event WHERE seq > ?"
    params: list = [after]
    if submission_id is not None:
        sql += " AND submission_id = ?"
        params.append(submission_id)
    sql += " ORDER BY seq"
    if limit:
        sql += f" LIMIT {int(limit)}"
    out = []
    for values in db.conn.execute(sql, params):
        row = dict(zip(EVENT_COLUMNS, values))
        row["payload"] = json.loads(row["payload"])
        out.append(row)
    return out


def export_jsonl(rows: list[dict]) -> str:
    """One event per line; ``payload`` kept as the exact hashed string so a reader can re-verify."""
    lines = []
    for row in rows:
        out = dict(row)
        out["payload"] = canonical(row["payload"]) if not isinstance(row["payload"], str) else row["payload"]
        lines.append(json.dumps(out, ensure_ascii=False))
    return "\n".join(lines) + ("\n" if lines else "")


def export_csv(rows: list[dict]) -> str:
    """CSV with a UTF-8 BOM (so spreadsheet software shows the Chinese text), one event per row."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(list(EVENT_COLUMNS) + ["action_label"])
    for row in rows:
        payload = row["payload"] if isinstance(row["payload"], str) else canonical(row["payload"])
        writer.writerow([payload if c == "payload" else ("" if row[c] is None else row[c])
                         for c in EVENT_COLUMNS] + [ACTION_LABELS.get(row["action"], row["action"])])
    return buffer.getvalue()
