"""Checkpoints of the audit chain head, kept outside the database (review-workflow.md §4.2).

A chain only proves that rows agree with each other. Someone who can rewrite the whole table (or
cut its tail) leaves a consistent chain behind; what they cannot change is a copy of an earlier
head kept elsewhere. A checkpoint is one JSON line: the sequence number and ``entry_hash`` of a
committed head, when, and an HMAC with the audit key so that a checkpoint cannot be forged either.

The service appends one to an append-only file every N events and at shutdown
(``<database>.audit-checkpoints``, or ``PUBGATE_AUDIT_CHECKPOINT_FILE``); ``pubgate audit
checkpoint`` prints one for a person to keep on paper or another machine. ``verify`` compares the
chain against all of them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .audit_key import AuditKey, database_file

__all__ = ["CHECKPOINT_FILE_ENV", "Checkpoint", "CheckpointError", "default_path", "make", "append_to",
           "load_file", "parse", "compare"]

CHECKPOINT_FILE_ENV = "PUBGATE_AUDIT_CHECKPOINT_FILE"
SUFFIX = ".audit-checkpoints"
VERSION = 1


class CheckpointError(Exception):
    """A checkpoint that cannot be read (message in Chinese)."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    head: str
    ts: str
    key_id: str
    mac: str
    origin: str = ""  # where it was read from, for messages

    def body(self) -> dict:
        return {"v": VERSION, "seq": self.seq, "head": self.head, "ts": self.ts, "key_id": self.key_id}

    def to_line(self) -> str:
        return json.dumps({**self.body(), "mac": self.mac}, ensure_ascii=False, sort_keys=True,
                          separators=(",", ":"))


def _mac(key: AuditKey, body: dict) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hmac.new(key.secret, b"pubgate checkpoint\n" + text.encode("utf-8"), hashlib.sha256).hexdigest()


def default_path(db) -> Path | None:
    configured = os.environ.get(CHECKPOINT_FILE_ENV)
    if configured:
        return Path(configured)
    path = database_file(db)
    return Path(os.path.abspath(path) + SUFFIX) if path else None


def make(seq: int, head: str, ts: str, key: AuditKey) -> Checkpoint:
    body = {"v": VERSION, "seq": seq, "head": head, "ts": ts, "key_id": key.id}
    return Checkpoint(seq, head, ts, key.id, _mac(key, body))


def append_to(path: Path, checkpoint: Checkpoint) -> None:
    """Append one line (O_APPEND, a single write, fsync); the file is created with mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (checkpoint.to_line() + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def parse(text: str, origin: str = "") -> Checkpoint:
    try:
        data = json.loads(text)
        return Checkpoint(int(data["seq"]), str(data["head"]), str(data["ts"]), str(data["key_id"]),
                          str(data["mac"]), origin)
    except (ValueError, KeyError, TypeError):
        raise CheckpointError(f"{origin or '检查点'}格式不对，应为 pubgate audit checkpoint 输出的一行 JSON") from None


def load_file(path: Path) -> list[Checkpoint]:
    """Every checkpoint in a file (none when it does not exist)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    # A crash in the middle of a write can leave a partial last line; anything else is tampering.
    last = len(lines)
    return [parse(line, f"检查点文件 {path} 第 {n} 行") for n, line in enumerate(lines, 1)
            if line.strip() and not (n == last and not line.rstrip().endswith("}"))]


def compare(checkpoints: list[Checkpoint], heads: dict[int, str], key: AuditKey | None) -> tuple | None:
    """The first checkpoint the chain disagrees with, as ``(seq, message)``; None when all agree.

    ``heads`` maps every seq in the database to its ``entry_hash``."""
    last = max(heads, default=0)
    for cp in sorted(checkpoints, key=lambda c: c.seq):
        where = cp.origin or "检查点"
        if key is not None and cp.key_id == key.id:
            if not hmac.compare_digest(cp.mac, _mac(key, cp.body())):
                return cp.seq, f"{where}的签名不符：检查点本身被修改或伪造"
        elif key is not None:
            return cp.seq, (f"{where}由另一把审计密钥（{cp.key_id}）签署，当前密钥为 {key.id}；"
                            "请使用签署时的密钥校验")
        if cp.seq > last:
            return cp.seq, (f"与{where}不符：检查点（{cp.ts}）记录审计链已有 {cp.seq} 条记录，"
                            f"数据库中只有 {last} 条——记录被截断（删除了末尾记录）")
        if heads.get(cp.seq) != cp.head:
            return cp.seq, (f"与{where}不符：第 {cp.seq} 条记录的摘要与检查点（{cp.ts}）记录的链头 "
                            f"{cp.head[:16]}… 不同——该条或之前的记录被改写、重算或替换")
    return None
