"""The secret that keys the audit chain (HMAC-SHA256), kept outside the database.

A plain hash chain can be recomputed by anyone who can write the database file; an HMAC chain
only by someone who also holds the key (review-workflow.md §4.1, Schneier & Kelsey). The key is
taken, in this order, from:

1. ``PUBGATE_AUDIT_KEY`` (at least 32 characters), e.g. injected by the service manager;
2. the file named by ``PUBGATE_AUDIT_KEY_FILE``;
3. ``pubgate-audit.key`` beside the database, created at first start with mode 0600.

An in-memory database (tests) gets a key that lives only as long as the process, like the data.
Every key this process has loaded is remembered by its id, so a row names the key it was made
with (``hash_alg = "hmac-sha256:<key id>"``) and can be re-hashed without a database at hand.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from .secret_file import load_or_create_secret

__all__ = ["AuditKey", "AuditKeyError", "KEY_ENV", "KEY_FILE_ENV", "KEY_FILE_NAME", "current_key",
           "key_file", "database_file", "lookup", "key_id"]

KEY_ENV = "PUBGATE_AUDIT_KEY"
KEY_FILE_ENV = "PUBGATE_AUDIT_KEY_FILE"
KEY_FILE_NAME = "pubgate-audit.key"
MIN_ENV_KEY_LENGTH = 32


class AuditKeyError(Exception):
    """The key is missing, unusable or not the one the chain was made with (message in Chinese)."""


@dataclass(frozen=True)
class AuditKey:
    secret: bytes
    id: str          # short public fingerprint, safe to store and print
    source: str      # where it came from, for messages


def key_id(secret: bytes) -> str:
    """A fingerprint of the key that reveals nothing about it (an HMAC of a fixed label)."""
    return hmac.new(secret, b"pubgate audit key id", hashlib.sha256).hexdigest()[:16]


_known: dict[str, bytes] = {}            # key id -> secret, every key this process has loaded
_file_cache: dict[tuple, AuditKey] = {}  # (path, inode, mtime) -> key; a replaced file is re-read
_memory_key: AuditKey | None = None


def _remember(secret: bytes, source: str) -> AuditKey:
    key = AuditKey(secret, key_id(secret), source)
    _known[key.id] = secret
    return key


def lookup(kid: str) -> bytes | None:
    """The secret of a key id this process has loaded, if any."""
    return _known.get(kid)


def database_file(db) -> str | None:
    """The main database file of a sqlite-utils Database; None for an in-memory one."""
    for _, name, path in db.conn.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return path or None
    return None


def key_file(db) -> Path | None:
    """Where the key file is (whether or not it exists yet); None when the key is not in a file."""
    configured = os.environ.get(KEY_FILE_ENV)
    if configured:
        return Path(configured)
    path = database_file(db)
    return Path(os.path.abspath(path)).parent / KEY_FILE_NAME if path else None


def current_key(db, *, create: bool = False) -> AuditKey:
    """The key for this database. ``create`` makes the key file when it does not exist yet
    (first start); otherwise a missing key is an ``AuditKeyError``."""
    global _memory_key
    from_env = os.environ.get(KEY_ENV)
    if from_env:
        if len(from_env.strip()) < MIN_ENV_KEY_LENGTH:
            raise AuditKeyError(f"环境变量 {KEY_ENV} 中的审计密钥太短（至少 {MIN_ENV_KEY_LENGTH} 个字符）")
        return _remember(from_env.strip().encode("utf-8"), f"环境变量 {KEY_ENV}")
    path = key_file(db)
    if path is None:  # in-memory database: a key for the life of the process
        if _memory_key is None:
            _memory_key = _remember(secrets.token_bytes(32), "进程内临时密钥（内存数据库）")
        return _memory_key
    try:
        stat = path.stat()
    except FileNotFoundError:
        if not create:
            raise AuditKeyError(
                f"找不到审计密钥文件：{path}。审计链以该密钥签署，请恢复密钥文件，"
                f"或用环境变量 {KEY_ENV} / {KEY_FILE_ENV} 指定密钥") from None
        load_or_create_secret(path)
        stat = path.stat()
    cache_key = (str(path), stat.st_ino, stat.st_mtime_ns, stat.st_size)
    key = _file_cache.get(cache_key)
    if key is None:
        try:
            text = path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise AuditKeyError(f"无法读取审计密钥文件 {path}：{exc}") from None
        if len(text) < MIN_ENV_KEY_LENGTH:
            raise AuditKeyError(f"审计密钥文件 {path} 为空或内容太短，请恢复原密钥文件")
        key = _file_cache[cache_key] = _remember(text.encode("ascii"), f"密钥文件 {path}")
    return key
