"""The scan store: one SQLite file in the scan's --out directory.

``results`` holds one row per (URL, content SHA-256, ruleset): the page's findings, metadata and
links. A rerun finds a page's key there and skips it; a dictionary change changes the ruleset, so
every page is checked again, and ``changes`` compares findings scan against scan. ``scan_pages``
says which key each page had in each scan: a scan's report is built from it alone, and a scan
killed midway (``kill -9``) resumes by skipping the URLs it already holds. Each batch commits in one
transaction, so a killed scan loses at most the batches in flight, never half a batch.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

__all__ = ["ScanStore", "STORE_NAME", "now_iso"]

STORE_NAME = "scan.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scans (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    ruleset TEXT NOT NULL,
    sources TEXT NOT NULL,          -- JSON list of the SOURCE arguments
    state TEXT NOT NULL,            -- running | done
    stats TEXT                      -- JSON summary written when the scan finishes
);
CREATE TABLE IF NOT EXISTS results (
    url TEXT NOT NULL,
    sha256 TEXT NOT NULL,           -- of the page's bytes ('' when it could not be read)
    ruleset TEXT NOT NULL,
    status TEXT NOT NULL,           -- ok | error
    error TEXT,
    meta TEXT NOT NULL,             -- JSON: title, section, doc_type, is_home, publish_at …
    findings TEXT NOT NULL,         -- JSON list of findings (contract fields + context)
    links TEXT NOT NULL,            -- JSON list of absolute links (web pages only)
    PRIMARY KEY (url, sha256, ruleset)
);
CREATE TABLE IF NOT EXISTS scan_pages (
    scan_id INTEGER NOT NULL,
    url TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    checked INTEGER NOT NULL,       -- 1 when this scan ran the gate on it, 0 when it reused a result
    PRIMARY KEY (scan_id, url)
);
CREATE TABLE IF NOT EXISTS link_checks (
    scan_id INTEGER NOT NULL,
    url TEXT NOT NULL,
    state TEXT NOT NULL,            -- ok | broken | unknown | private
    status INTEGER,
    detail TEXT,
    PRIMARY KEY (scan_id, url)
);
"""


def now_iso() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


class ScanStore:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.conn = sqlite3.connect(self.path, timeout=30)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(_SCHEMA)

    @classmethod
    def in_dir(cls, out_dir: str | Path) -> "ScanStore":
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        return cls(Path(out_dir) / STORE_NAME)

    def close(self) -> None:
        self.conn.close()

    # -- scans ---------------------------------------------------------------------------------
    def start_scan(self, ruleset: str, sources: list[str]) -> int:
        with self.conn:
            cur = self.conn.execute("INSERT INTO scans (started_at, ruleset, sources, state) VALUES (?, ?, ?, 'running')",
                                    (now_iso(), ruleset, json.dumps(sources, ensure_ascii=False)))
        return int(cur.lastrowid)

    def unfinished_scan(self) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM scans WHERE state = 'running' ORDER BY id DESC LIMIT 1").fetchone()

    def abandon_unfinished(self) -> None:
        with self.conn:
            self.conn.execute("UPDATE scans SET state = 'abandoned' WHERE state = 'running'")

    def finish_scan(self, scan_id: int, stats: dict) -> None:
        with self.conn:
            self.conn.execute("UPDATE scans SET state = 'done', finished_at = ?, stats = ? WHERE id = ?",
                              (now_iso(), json.dumps(stats, ensure_ascii=False), scan_id))

    def scan(self, scan_id: int) -> sqlite3.Row:
        return self.conn.execute("SELECT * FROM scans WHERE id = ?", (scan_id,)).fetchone()

    def finished_scans(self) -> list[sqlite3.Row]:
        return self.conn.execute("SELECT * FROM scans WHERE state = 'done' ORDER BY id").fetchall()

    def previous_scan(self, scan_id: int) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM scans WHERE state = 'done' AND id < ? ORDER BY id DESC LIMIT 1",
                                 (scan_id,)).fetchone()

    # -- pages ---------------------------------------------------------------------------------
    def has_page(self, scan_id: int, url: str) -> bool:
        return self.conn.execute("SELECT 1 FROM scan_pages WHERE scan_id = ? AND url = ?", (scan_id, url)).fetchone() is not None

    def has_result(self, url: str, sha256: str, ruleset: str) -> bool:
        return self.conn.execute("SELECT 1 FROM results WHERE url = ? AND sha256 = ? AND ruleset = ?",
                                 (url, sha256, ruleset)).fetchone() is not None

    def record(self, scan_id: int, ruleset: str, results: list[dict], reused: list[tuple[str, str]]) -> None:
        """Results the gate produced and pages whose stored result was reused, in one transaction."""
        with self.conn:
            self.conn.executemany(
                "INSERT OR REPLACE INTO results (url, sha256, ruleset, status, error, meta, findings, links) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(r["url"], r["sha256"], ruleset, r["status"], r.get("error"),
                  json.dumps(r.get("meta", {}), ensure_ascii=False, sort_keys=True),
                  json.dumps(r.get("findings", []), ensure_ascii=False),
                  json.dumps(r.get("links", []), ensure_ascii=False)) for r in results])
            self.conn.executemany(
                "INSERT OR REPLACE INTO scan_pages (scan_id, url, sha256, checked) VALUES (?, ?, ?, ?)",
                [(scan_id, r["url"], r["sha256"], 1) for r in results] + [(scan_id, u, s, 0) for u, s in reused])

    def pages(self, scan_id: int) -> Iterator[dict]:
        """Every page of a scan with its stored result, streamed in URL order."""
        ruleset = self.scan(scan_id)["ruleset"]
        cursor = self.conn.execute(
            "SELECT p.url, p.sha256, p.checked, r.status, r.error, r.meta, r.findings, r.links FROM scan_pages p "
            "JOIN results r ON r.url = p.url AND r.sha256 = p.sha256 AND r.ruleset = ? "
            "WHERE p.scan_id = ? ORDER BY p.url", (ruleset, scan_id))
        for row in cursor:
            yield {"url": row["url"], "sha256": row["sha256"], "checked": bool(row["checked"]),
                   "status": row["status"], "error": row["error"], "meta": json.loads(row["meta"]),
                   "findings": json.loads(row["findings"]), "links": json.loads(row["links"])}

    def pages_digest(self, scan_id: int) -> str:
        """A digest of a scan's pages and their results: equal digests, equal finding files."""
        import hashlib

        digest = hashlib.sha256(self.scan(scan_id)["ruleset"].encode())
        for url, sha, error in self.conn.execute(
                "SELECT p.url, p.sha256, r.error FROM scan_pages p JOIN results r ON r.url = p.url "
                "AND r.sha256 = p.sha256 AND r.ruleset = (SELECT ruleset FROM scans WHERE id = ?) "
                "WHERE p.scan_id = ? ORDER BY p.url", (scan_id, scan_id)):
            digest.update(f"{url}\0{sha}\0{error or ''}\n".encode())
        return digest.hexdigest()

    def pages_with_links(self, scan_id: int) -> Iterator[tuple[str, bool, list[str]]]:
        """(url, is home page, links) of the scan's pages that have links."""
        ruleset = self.scan(scan_id)["ruleset"]
        for row in self.conn.execute(
                "SELECT p.url, r.meta, r.links FROM scan_pages p JOIN results r ON r.url = p.url "
                "AND r.sha256 = p.sha256 AND r.ruleset = ? WHERE p.scan_id = ? AND r.links != '[]' ORDER BY p.url",
                (ruleset, scan_id)):
            yield row["url"], bool(json.loads(row["meta"]).get("is_home")), json.loads(row["links"])

    def count_pages(self, scan_id: int) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM scan_pages WHERE scan_id = ?", (scan_id,)).fetchone()[0]

    # -- links ---------------------------------------------------------------------------------
    def probed_links(self, scan_id: int) -> dict[str, sqlite3.Row]:
        rows = self.conn.execute("SELECT * FROM link_checks WHERE scan_id = ?", (scan_id,))
        return {row["url"]: row for row in rows}

    def record_links(self, scan_id: int, probes: list) -> None:
        with self.conn:
            self.conn.executemany(
                "INSERT OR REPLACE INTO link_checks (scan_id, url, state, status, detail) VALUES (?, ?, ?, ?, ?)",
                [(scan_id, p.url, p.state, p.status, p.detail) for p in probes])
