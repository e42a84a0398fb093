"""A secret kept in a file beside the database, created on first use with 0600 permissions.

Secrets that protect the database's content (the session signing key) must not live inside that
database: whoever can read or copy the database file would otherwise hold the key as well.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["load_or_create_secret"]


def load_or_create_secret(path: str | Path, *, nbytes: int = 32) -> str:
    """The hex secret stored at ``path``; created atomically (``O_EXCL``, mode 0600) when absent,
    so several worker processes starting together agree on one key."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    value = secrets.token_hex(nbytes)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return value


def _read(path: Path) -> str:
    # Another process may have created the file a moment ago and not written it yet.
    import time

    for _ in range(50):
        value = path.read_text(encoding="ascii").strip()
        if value:
            return value
        time.sleep(0.02)
    raise RuntimeError(f"密钥文件为空：{path}（请删除后重新启动服务）")
