"""pubgate scan on real Dask processes: an external scheduler with two workers on loopback, and a
scan killed with SIGKILL midway that --resume finishes to the same store as an uninterrupted scan."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from pubgate.cli import main  # noqa: E402

SENTENCES = ["会议研究部署了下一阶段重点工作。", "全县上下再接再励，推动高质量发展。",
             "联系电话13812345678。", "各单位要压实责任，确保各项任务落到实处。"]
PUBGATE = [sys.executable, "-c", "import sys; from pubgate.cli import main; sys.exit(main())"]


def make_site(root: Path, n: int) -> Path:
    root.mkdir(parents=True)
    for i in range(n):
        (root / f"{i:04d}.html").write_text(
            f"<html><body><h1>第{i}号</h1><p>{SENTENCES[i % 4]}{SENTENCES[(i * 7) % 4]}第{i}段。</p></body></html>",
            encoding="utf-8")
    return root


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def store_rows(out: Path) -> tuple[list, list]:
    conn = sqlite3.connect(out / "scan.sqlite")
    try:
        results = conn.execute("SELECT url, sha256, ruleset, status, error, meta, findings, links FROM results "
                               "ORDER BY url").fetchall()
        last = conn.execute("SELECT MAX(id) FROM scans").fetchone()[0]
        pages = conn.execute("SELECT url, sha256 FROM scan_pages WHERE scan_id = ? ORDER BY url", (last,)).fetchall()
        return results, pages
    finally:
        conn.close()


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_external_scheduler_with_two_workers(tmp_path):
    site = make_site(tmp_path / "site", 40)
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    log = open(tmp_path / "dask.log", "wb")
    procs = [subprocess.Popen(["dask", "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--dashboard-address", f"127.0.0.1:{free_port()}"], stdout=log, stderr=log)]
    try:
        for _ in range(2):
            procs.append(subprocess.Popen(["dask", "worker", address, "--nthreads", "1", "--host", "127.0.0.1",
                                           "--dashboard-address", f"127.0.0.1:{free_port()}"], stdout=log, stderr=log))
        with distributed.Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        out = tmp_path / "out"
        assert main(["scan", str(site), "--out", str(out), "--scheduler", address, "--batch-size", "2", "--quiet"]) == 0
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        assert summary["workers"] == 2 and summary["pages"] == 40 and summary["checked"] == 40

        with distributed.Client(address, timeout="60s") as client:
            # The plugin built the gate once in each worker process and both kept it.
            loaded = client.run(lambda: len(__import__("pubgate.scan.worker", fromlist=["_GATES"])._GATES))
            assert sorted(loaded.values()) == [1, 1]

        alone = tmp_path / "alone"
        assert main(["scan", str(site), "--out", str(alone), "--workers", "0", "--quiet"]) == 0
        assert store_rows(out) == store_rows(alone)
    finally:
        for proc in reversed(procs):
            _stop(proc)
        log.close()


def test_kill_9_then_resume_equals_uninterrupted(tmp_path):
    total = 240
    site = make_site(tmp_path / "site", total)
    out = tmp_path / "out"
    proc = subprocess.Popen(PUBGATE + ["scan", str(site), "--out", str(out), "--workers", "1",
                                       "--batch-size", "4", "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    done = 0
    try:
        deadline = time.monotonic() + 240  # a safety net for a hung start, not a measurement
        while time.monotonic() < deadline and proc.poll() is None:
            if (out / "scan.sqlite").exists():
                try:
                    with sqlite3.connect(out / "scan.sqlite") as conn:
                        done = conn.execute("SELECT COUNT(*) FROM scan_pages").fetchone()[0]
                except sqlite3.OperationalError:
                    done = 0
            if done >= 12:
                break
            time.sleep(0.02)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the client and its LocalCluster workers, all at once
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the scan finished before it could be killed"
    with sqlite3.connect(out / "scan.sqlite") as conn:
        committed = conn.execute("SELECT COUNT(*) FROM scan_pages").fetchone()[0]
        assert conn.execute("SELECT state FROM scans").fetchone()[0] == "running"
    assert 0 < committed < total

    resumed = subprocess.run(PUBGATE + ["scan", "--out", str(out), "--resume", "--workers", "1", "--quiet"],
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["resumed"] and summary["scan_id"] == 1
    assert summary["pages"] == total and summary["checked"] == total - committed

    straight = tmp_path / "straight"
    assert main(["scan", str(site), "--out", str(straight), "--workers", "0", "--quiet"]) == 0
    assert store_rows(out) == store_rows(straight)
