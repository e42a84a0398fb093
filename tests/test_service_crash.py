"""kill -9: the real `pubgate serve` process is killed in the middle of concurrent submissions.

After a restart on the same database nothing acknowledged is lost (every 201 answer's submission is
there, and its Idempotency-Key replays the same answer), a request cut off mid-way can be retried
once its reservation expires, and `pubgate audit verify` finds the chain whole.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid

import pytest

from pubgate.service.testing import http as request

PYTHON_CLI = [sys.executable, "-c", "import sys; from pubgate.cli import main; sys.exit(main())"]
EDITORS = ("ed1", "ed2", "ed3", "ed4")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(*argv, env) -> str:
    done = subprocess.run([*PYTHON_CLI, *argv], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def start(db, port, env) -> subprocess.Popen:
    server = subprocess.Popen([*PYTHON_CLI, "serve", "--db", str(db), "--port", str(port), "--workers", "1"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 120
    for line in server.stdout:
        if "监听" in line:
            break
        if time.monotonic() > deadline:
            break
    threading.Thread(target=server.stdout.read, daemon=True).start()  # keep the pipe drained
    assert server.poll() is None, "pubgate serve did not start"
    return server


@pytest.fixture
def env(tmp_path):
    return {**os.environ, "PUBGATE_PASSWORD": "crash-test-密码-1", "PUBGATE_CHECK_RATE_LIMIT": "",
            "PUBGATE_IDEMPOTENCY_RESERVATION_SECONDS": "1", "PUBGATE_DATA_DIR": os.environ.get(
                "PUBGATE_DATA_DIR", os.path.expanduser("~/.local/share/pubgate"))}


def test_kill_9_in_the_middle_loses_nothing_acknowledged(tmp_path, env):
    db = tmp_path / "crash.db"
    for name in EDITORS:
        cli("users", "add", name, "--role", "editor", "--db", str(db), env=env)
    tokens = {name: cli("tokens", "create", name, "--db", str(db), env=env).strip() for name in EDITORS}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start(db, port, env)
    acknowledged, cut_off, lock = [], [], threading.Lock()
    stop = threading.Event()

    def editor(name):
        n = 0
        while not stop.is_set():
            n += 1
            key = str(uuid.uuid4())
            draft = {"draft": {"title": f"{name} 第 {n} 篇", "body": f"各乡镇：第{n}号通知，请落实值班值守制度。" * 20}}
            try:
                status, _, answer = request("POST", f"{url}/api/v1/submissions", draft, token=tokens[name],
                                         headers={"Idempotency-Key": key}, timeout=30)
            except (OSError, http.client.HTTPException):  # the kill cut the answer off
                with lock:
                    cut_off.append((name, key, draft))
                return
            if status == 201:
                with lock:
                    acknowledged.append((name, key, draft, answer))

    threads = [threading.Thread(target=editor, args=(name,)) for name in EDITORS]
    for t in threads:
        t.start()
    time.sleep(4)
    os.kill(server.pid, signal.SIGKILL)  # no shutdown hook, no final checkpoint, a write maybe mid-way
    server.wait(timeout=30)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    assert len(acknowledged) >= 4, "the load never reached the server"

    server = start(db, port, env)
    try:
        for name, key, draft, answer in acknowledged:
            status, _, detail = request("GET", f"{url}/api/v1/submissions/{answer['id']}", token=tokens[name])
            assert status == 200 and detail["content_sha256"] == answer["content_sha256"]
            status, head, again = request("POST", f"{url}/api/v1/submissions", draft, token=tokens[name],
                                       headers={"Idempotency-Key": key})
            assert (status, again, head.get("Idempotent-Replayed")) == (201, answer, "true")
        time.sleep(1.5)  # reservations of requests the kill cut off have expired
        for name, key, draft in cut_off:
            status, _, answer = request("POST", f"{url}/api/v1/submissions", draft, token=tokens[name],
                                     headers={"Idempotency-Key": key})
            assert status == 201, answer
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    verify = subprocess.run([*PYTHON_CLI, "audit", "verify", "--db", str(db)], env=env,
                            capture_output=True, text=True, timeout=120)
    assert verify.returncode == 0, verify.stdout + verify.stderr
