"""The append-only, hash-chained audit trail (review-workflow.md §4).

Every event is one row of ``audit_event``. Its ``entry_hash`` is
``HMAC-SHA256(key, prev_hash || canonical_json(row without entry_hash))`` with a key kept outside
the database (``audit_key``), so whoever can write the file still cannot recompute the chain;
``hash_alg`` names the scheme and key of each row (``hmac-sha256:<key id>``). Chains begun before
keying used plain ``SHA-256(prev_hash || …)`` (``hash_alg = "sha256"``); they stay valid up to the
``audit.keyed`` event that switched them, and no unkeyed row is accepted after it. The chain
starts from 64 zeros.

Triggers refuse UPDATE, DELETE and any INSERT that is not a new tail (REPLACE, UPSERT); the chain
makes any edit made around them *detectable*: ``verify()`` recomputes every hash and names the
first broken row, checks the workflow tables against their events (``audit_state``) and the head
against checkpoints kept outside the database (``audit_checkpoint``).

Appends take the write lock with ``BEGIN IMMEDIATE`` so that only one writer reads the chain head
at a time; an append inside an open transaction joins it (a savepoint), so a workflow change and
its event commit together or not at all.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import hmac
import io
import json
import secrets
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from . import audit_checkpoint, audit_state
from .audit_key import AuditKey, AuditKeyError, current_key, lookup

__all__ = [
    "CST", "GENESIS", "now_cst", "canonical", "transaction", "append", "verify", "VerifyResult",
    "events", "export_csv", "export_jsonl", "EVENT_COLUMNS", "ACTION_LABELS", "AuditKeyError",
    "ensure_key", "checkpoint", "head",
]

CST = timezone(timedelta(hours=8))
GENESIS = "0" * 64
HASH_ALG = "sha256"                # the unkeyed scheme of chains begun before keying
KEYED_ALG = "hmac-sha256"          # stored as "hmac-sha256:<key id>"

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
    "audit.keyed": "审计链启用密钥",
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


def _keyed_alg(key: AuditKey) -> str:
    return f"{KEYED_ALG}:{key.id}"


def _entry_hash(row: dict, key: bytes | None = None) -> str:
    """The row's hash under the scheme its ``hash_alg`` names; a keyed row needs its key (given,
    or loaded earlier by this process)."""
    body = {k: row.get(k) for k in EVENT_COLUMNS if k != "entry_hash"}
    message = (row["prev_hash"] + canonical(body)).encode("utf-8")
    alg = row.get("hash_alg") or HASH_ALG
    if alg == HASH_ALG:
        return hashlib.sha256(message).hexdigest()
    scheme, _, kid = alg.partition(":")
    if scheme != KEYED_ALG:
        raise ValueError(f"不支持的摘要算法 {alg!r}")
    secret = key if key is not None else lookup(kid)
    if secret is None:
        raise AuditKeyError(f"没有编号为 {kid} 的审计密钥，无法计算摘要")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


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


def _head(db) -> tuple | None:
    return db.conn.execute(
        "SELECT seq, entry_hash, hash_alg FROM audit_event ORDER BY seq DESC LIMIT 1").fetchone()


def _key_for_append(db, head: tuple | None) -> AuditKey:
    """The key new rows are made with; refuses to continue a chain made with another key."""
    keyed = head is not None and head[2] != HASH_ALG
    key = current_key(db, create=not keyed)  # the key file is created only before any keyed row
    if keyed and head[2] != _keyed_alg(key):
        raise AuditKeyError(
            f"审计密钥与审计链不符：链上最后一条记录（第 {head[0]} 条）使用密钥 {head[2].partition(':')[2]}，"
            f"当前密钥（{key.source}）为 {key.id}。请恢复原密钥，否则新的审计记录无法接续")
    return key


def ensure_key(db) -> AuditKey:
    """At service start: create the key when the chain has none yet, or fail early and clearly
    when the chain was made with a key this installation does not have."""
    return _key_for_append(db, _head(db))


def _insert(db, action: str, seq: int, prev: str, key: AuditKey, fields: dict) -> dict:
    row = {
        "seq": seq,
        "event_id": str(uuid.uuid4()),
        "ts": now_cst(),
        "action": action,
        "stage": None, "actor_id": None, "actor_name": None, "actor_role": None, "actor_title": None,
        "actor_unit": None, "submission_id": None, "version": None, "content_sha256": None,
        "decision": None, "opinion": None,
        **fields,
        "prev_hash": prev,
        "hash_alg": _keyed_alg(key),
    }
    row = {k: _normalise(v) if isinstance(v, str) else v for k, v in row.items()}
    row["entry_hash"] = _entry_hash(row, key.secret)
    columns = ", ".join(EVENT_COLUMNS)
    marks = ", ".join("?" for _ in EVENT_COLUMNS)
    db.conn.execute(f"INSERT INTO audit_event ({columns}) VALUES ({marks})", [row[c] for c in EVENT_COLUMNS])
    return row


def append(db, action: str, *, actor: Any = None, stage: str | None = None,
           submission_id: str | None = None, version: int | None = None,
           content_sha256: str | None = None, decision: str | None = None,
           opinion: str | None = None, payload: dict | None = None, binds: bool = False) -> dict:
    """Append one event and return the stored row. ``actor`` has id/name/role/title/unit or is None
    (the gate itself, e.g. an anonymous check). ``binds`` declares that this event writes workflow
    state rows (``audit_state.BINDS``), which ``verify`` then insists on finding."""
    payload = dict(payload or {})
    if binds:
        payload["binds"] = audit_state.BINDS[action]
    with transaction(db):
        head = _head(db)
        key = _key_for_append(db, head)
        seq, prev = (head[0] + 1, head[1]) if head else (1, GENESIS)
        if head is not None and head[2] == HASH_ALG:
            # The switch point: old rows keep their unkeyed scheme; from here on every row is keyed.
            switch = _insert(db, "audit.keyed", seq, prev, key, {"payload": canonical(
                {"key_id": key.id, "scheme": KEYED_ALG, "previous_scheme": HASH_ALG,
                 "unkeyed_events": head[0]})})
            seq, prev = seq + 1, switch["entry_hash"]
        return _insert(db, action, seq, prev, key, {
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
            "payload": canonical(payload),
        })


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    head: str
    broken_seq: int | None = None
    problem: str | None = None
    checked_at: str = ""
    kind: str = "ok"              # ok | row | key | state | checkpoint
    checkpoints: int = 0          # how many checkpoints the chain was compared with
    unkeyed: int = 0              # rows made before the chain was keyed

    def to_dict(self) -> dict:
        return {"ok": self.ok, "count": self.count, "head": self.head, "broken_seq": self.broken_seq,
                "problem": self.problem, "checked_at": self.checked_at, "kind": self.kind,
                "checkpoints": self.checkpoints, "unkeyed": self.unkeyed, "message": self.message}

    @property
    def message(self) -> str:
        if self.ok:
            notes = [f"与 {self.checkpoints} 个检查点一致" if self.checkpoints else "没有可比对的检查点"]
            if self.unkeyed:
                notes.append(f"前 {self.unkeyed} 条为启用密钥前的旧格式")
            return f"审计链完整：共 {self.count} 条记录，链头 {self.head[:16]}…（{'；'.join(notes)}）"
        if self.kind == "key":
            return f"无法校验审计链：{self.problem}"
        if self.kind == "checkpoint":
            return f"审计链与检查点不符（第 {self.broken_seq} 条）：{self.problem}"
        if self.kind == "state":
            where = f"（第 {self.broken_seq} 条审计记录）" if self.broken_seq else ""
            return f"审核数据与审计链不符{where}：{self.problem}"
        return f"审计链在第 {self.broken_seq} 条记录处断裂：{self.problem}"


def _walk(db, key: AuditKey | None, checked_at: str, heads: dict, state_events: dict) -> VerifyResult | None:
    """Recompute every row; fill ``heads`` and ``state_events``; return the first break, if any."""
    prev, count, expected_seq, keyed_from = GENESIS, 0, 1, None
    cursor = db.conn.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM audit_event ORDER BY seq")
    for values in cursor:
        row = dict(zip(EVENT_COLUMNS, values))
        seq, alg = row["seq"], row["hash_alg"]

        def broken(problem: str, kind: str = "row") -> VerifyResult:
            return VerifyResult(False, count, prev, seq, problem, checked_at, kind)

        if seq != expected_seq:
            seq = expected_seq
            return broken(f"缺少第 {expected_seq} 条记录（下一条为第 {row['seq']} 条），记录可能被删除")
        if row["prev_hash"] != prev:
            return broken("与上一条记录的链接（prev_hash）不符")
        if alg == HASH_ALG:
            if keyed_from is not None:
                return broken(f"未使用审计密钥（旧格式摘要），而审计链自第 {keyed_from} 条起已启用密钥"
                              "——该条是在没有密钥的情况下伪造或重算的")
        elif alg.startswith(KEYED_ALG + ":"):
            if key is None:
                return broken("审计链已启用密钥，但找不到审计密钥", "key")
            if alg != _keyed_alg(key):
                return broken(f"该条记录由审计密钥 {alg.partition(':')[2]} 签署，当前密钥（{key.source}）"
                              f"为 {key.id}：密钥不对，或记录被伪造", "key")
            keyed_from = keyed_from or seq
        else:
            return broken(f"不支持的摘要算法 {alg!r}")
        if not hmac.compare_digest(_entry_hash(row, key.secret if key and alg != HASH_ALG else None),
                                   row["entry_hash"]):
            return broken("摘要不符（记录内容被修改，或不是用审计密钥生成的）")
        heads[seq] = row["entry_hash"]
        if row["action"] in audit_state.STATE_ACTIONS:
            state_events[seq] = dict(row, payload=json.loads(row["payload"]))
        prev, count, expected_seq = row["entry_hash"], count + 1, seq + 1
    return None


def _load_checkpoints(db, extra: Iterable) -> list:
    found = []
    path = audit_checkpoint.default_path(db)
    if path is not None:
        found.extend(audit_checkpoint.load_file(path))
    for item in extra or ():
        if isinstance(item, audit_checkpoint.Checkpoint):
            found.append(item)
        elif isinstance(item, Path) or (isinstance(item, str) and not item.lstrip().startswith("{")):
            if not Path(item).exists():
                raise audit_checkpoint.CheckpointError(f"检查点文件不存在：{item}")
            found.extend(audit_checkpoint.load_file(Path(item)))
        else:
            found.append(audit_checkpoint.parse(item, "所给检查点"))
    return found


@contextlib.contextmanager
def _snapshot(db) -> Iterator[None]:
    """One read transaction, so the chain and the state tables are seen at the same moment while
    writers go on (WAL)."""
    if db.conn.in_transaction:
        yield
        return
    db.conn.execute("BEGIN")
    try:
        yield
    finally:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")


def verify(db, *, checkpoints: Iterable = ()) -> VerifyResult:
    """Walk the chain in ``seq`` order and report the first row whose hash or link is wrong; then
    the first checkpoint (from the checkpoint file, plus ``checkpoints``: lines, files or
    ``Checkpoint``s) the chain disagrees with; then the first workflow row that disagrees with its event. Checkpoints come before state rows:
    a cut or rewritten chain explains the rest."""
    checked_at = now_cst()
    keyed = db.conn.execute(
        "SELECT seq FROM audit_event WHERE hash_alg <> ? ORDER BY seq LIMIT 1", [HASH_ALG]).fetchone()
    try:
        key = current_key(db, create=False) if keyed else None
    except AuditKeyError as exc:
        return VerifyResult(False, 0, GENESIS, keyed[0], str(exc), checked_at, "key")
    if key is None:
        try:  # an unkeyed (old) chain: a key may still sign checkpoints
            key = current_key(db, create=False)
        except AuditKeyError:
            key = None
    heads: dict[int, str] = {}
    state_events: dict[int, dict] = {}
    with _snapshot(db):
        broken = _walk(db, key, checked_at, heads, state_events)
        if broken:
            return broken
        count = len(heads)
        head = heads[count] if count else GENESIS
        unkeyed = (keyed[0] - 1) if keyed else count
        problem = audit_state.check(db, state_events)
    # A truncated or rewritten chain first: disagreeing state rows would only be its consequence.
    try:
        found = _load_checkpoints(db, checkpoints)
    except audit_checkpoint.CheckpointError as exc:
        return VerifyResult(False, count, head, None, str(exc), checked_at, "checkpoint", unkeyed=unkeyed)
    mismatch = audit_checkpoint.compare(found, heads, key)
    if mismatch:
        return VerifyResult(False, count, head, mismatch[0], mismatch[1], checked_at, "checkpoint",
                            len(found), unkeyed)
    if problem:
        return VerifyResult(False, count, head, problem.seq, problem.message, checked_at, "state",
                            len(found), unkeyed)
    return VerifyResult(True, count, head, checked_at=checked_at, checkpoints=len(found), unkeyed=unkeyed)


def head(db) -> tuple[int, str]:
    """The committed chain head ``(seq, entry_hash)``; ``(0, GENESIS)`` for an empty chain."""
    row = _head(db)
    return (row[0], row[1]) if row else (0, GENESIS)


def checkpoint(db, *, write: bool = True) -> audit_checkpoint.Checkpoint:
    """A signed checkpoint of the current head, appended to the checkpoint file when ``write``."""
    row = _head(db)
    seq, entry_hash = (row[0], row[1]) if row else (0, GENESIS)
    key = current_key(db, create=row is None or row[2] == HASH_ALG)
    cp = audit_checkpoint.make(seq, entry_hash, now_cst(), key)
    path = audit_checkpoint.default_path(db)
    if write and path is not None:
        audit_checkpoint.append_to(path, cp)
    return cp


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
