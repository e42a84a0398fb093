"""The service's side of audit checkpoints (``gate/audit_checkpoint.py``): the key at first start,
a checkpoint of the chain head every ``AUDIT_CHECKPOINT_EVERY`` events, at start and at shutdown.

Checkpoints are taken after the request, from the committed head only: a checkpoint of a row that
a rollback then removed would look like truncation. Several worker processes may each write one
for the same head; duplicate lines are harmless. ``pubgate serve`` turns SIGTERM into an orderly
exit (``server.py``), so the checkpoint at exit is written when systemd or docker stop the service.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading

from flask import Flask, current_app, g

from .. import audit, audit_checkpoint
from ..migrations import open_db

__all__ = ["init_app", "DEFAULT_EVERY"]

DEFAULT_EVERY = 100
log = logging.getLogger(__name__)


class _Writer:
    """Checkpoints of one database file, written by this process."""

    def __init__(self, path: str, every: int):
        self.path = path
        self.every = max(1, int(every))
        self.lock = threading.Lock()
        self.last_seq: int | None = None

    def start(self) -> None:
        db = open_db(self.path)
        try:
            audit.ensure_key(db)  # created at first start; a wrong or missing key stops the start here
            written = audit_checkpoint.load_file(audit_checkpoint.default_path(db))
            self.last_seq = max((c.seq for c in written), default=0)
            self.write(db, force=True)
        finally:
            db.close()

    def write(self, db, *, force: bool = False) -> None:
        if db.conn.in_transaction:  # never a checkpoint of rows that are not committed
            return
        seq, _ = audit.head(db)
        with self.lock:
            due = seq != self.last_seq if force else seq - (self.last_seq or 0) >= self.every
            if not due or seq == 0:
                return
            self.last_seq = audit.checkpoint(db).seq

    def at_exit(self) -> None:
        if not os.path.exists(self.path):
            return
        try:
            db = open_db(self.path)
            try:
                self.write(db, force=True)
            finally:
                db.close()
        except Exception:  # pragma: no cover - the process is going away; say why, don't hang
            log.exception("审计检查点写入失败（关闭服务时）")


_writers: dict[str, _Writer] = {}


def _write_all_at_exit() -> None:
    for writer in list(_writers.values()):
        writer.at_exit()


def init_app(app: Flask) -> None:
    path = os.path.abspath(app.config["DATABASE"])
    writer = _Writer(path, app.config.get("AUDIT_CHECKPOINT_EVERY", DEFAULT_EVERY))
    writer.start()
    if not _writers:
        atexit.register(_write_all_at_exit)
    _writers[path] = writer
    app.extensions.setdefault("pubgate", {})["audit_checkpoints"] = writer

    @app.teardown_request
    def checkpoint_after_request(_exc=None):
        db = g.get("pubgate_db")
        if db is None:
            return
        try:
            current_app.extensions["pubgate"]["audit_checkpoints"].write(db)
        except Exception:  # a failed checkpoint must not fail the request that was already answered
            log.exception("审计检查点写入失败")
