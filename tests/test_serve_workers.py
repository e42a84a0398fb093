"""``pubgate serve --workers N`` as a real process on loopback: it loads before it listens, answers from
several worker processes, and stops cleanly on SIGTERM. No timings are asserted."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from pubgate.service.server import WORKER_HEADER, multiprocess_available

LISTENING = re.compile(r"http://127\.0\.0\.1:(\d+)/ 监听")
DRAFT = json.dumps({"title": "关于做好安全生产工作的通知", "body": "各单位要认真落实安全生产责任制，确保节日期间平安。",
                    "format": "text"}, ensure_ascii=False).encode("utf-8")


class Served:
    def __init__(self, tmp_path, workers: int):
        env = {**os.environ, "PUBGATE_CHECK_RATE_LIMIT": "", "PYTHONUNBUFFERED": "1"}
        env.pop("PUBGATE_DATABASE", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pubgate.cli", "serve", "--host", "127.0.0.1", "--port", "0",
             "--workers", str(workers), "--db", str(tmp_path / "serve.db")],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=tmp_path, text=True)
        self.lines: list[str] = []
        self.port = None
        deadline = time.monotonic() + 120  # model loading on a slow machine; not a timing assertion
        while self.port is None:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError("pubgate serve ended before it listened:\n" + "".join(self.lines))
            self.lines.append(line)
            found = LISTENING.search(line)
            if found:
                self.port = int(found.group(1))
            assert time.monotonic() < deadline, "".join(self.lines)
        # Keep draining the output so the server never blocks on a full pipe.
        self.reader = threading.Thread(target=lambda: self.lines.extend(self.proc.stdout), daemon=True)
        self.reader.start()

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, str, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
            response = conn.getresponse()
            return response.status, response.getheader(WORKER_HEADER), response.read()
        finally:
            conn.close()

    def check(self) -> str:
        status, worker, body = self.request("POST", "/api/v1/check", DRAFT)
        assert status in (200, 201), body
        assert json.loads(body)["verdict"]
        return worker

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise


def _parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


@pytest.mark.skipif(not multiprocess_available() or not os.path.isdir("/proc"),
                    reason="several workers need fork, gunicorn and /proc (Linux)")
def test_two_workers_answer_and_stop_on_sigterm(tmp_path):
    served = Served(tmp_path, workers=2)
    try:
        output = "".join(served.lines)
        assert "2 个工作进程" in output and "pubgate users add admin --role admin" in output
        first = served.check()  # immediately after the listening line: loaded before it listened
        assert first
        status, worker, body = served.request("GET", "/api/v1/health")
        assert status == 200 and json.loads(body)["status"] == "ok" and worker

        # A sync worker accepts only while idle, so concurrent checks spread over both processes.
        workers = {first, worker}
        with ThreadPoolExecutor(max_workers=4) as pool:
            for _ in range(30):
                if len(workers) >= 2:
                    break
                workers.update(pool.map(lambda _: served.check(), range(4)))
        assert len(workers) == 2, workers
        assert {_parent(int(pid)) for pid in workers} == {served.proc.pid}
    finally:
        code = served.stop()
    assert code == 0, "".join(served.lines)
    for pid in workers:
        assert not os.path.exists(f"/proc/{pid}") or _parent(int(pid)) != served.proc.pid


def test_one_worker_serves_with_waitress_and_stops_on_sigterm(tmp_path):
    served = Served(tmp_path, workers=1)
    try:
        assert "waitress" in "".join(served.lines)
        assert served.check() == str(served.proc.pid)
    finally:
        code = served.stop()
    assert code == 0, "".join(served.lines)
