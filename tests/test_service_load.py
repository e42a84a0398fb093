"""Load: 20 concurrent submitters and reviewers against a real server thread on loopback.

Duration from PUBGATE_LOAD_SECONDS (default 10; the 30-second run is
``PUBGATE_LOAD_SECONDS=30 pytest tests/test_service_load.py``). Afterwards no event is lost,
every decision is recorded exactly once, idempotent retries added nothing, and the chain verifies.
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from pubgate import audit
from pubgate.migrations import open_db
from pubgate.service.testing import WARN_WORD, ServerThread, fixture_gate, http, make_app

SECONDS = float(os.environ.get("PUBGATE_LOAD_SECONDS", "10"))
EDITORS = [f"ed{i}" for i in range(8)]
REVIEWERS = [f"rv{i}" for i in range(12)]

pytestmark = pytest.mark.skipif(SECONDS <= 0, reason="PUBGATE_LOAD_SECONDS=0")


def _body(n: int) -> str:
    return (f"各乡镇人民政府：第{n}号通知。今年以来全县防汛形势{WARN_WORD if n % 3 == 0 else '平稳'}，"
            "请各单位落实值班值守制度。" * 8)


def test_concurrent_submitters_and_reviewers_lose_nothing(tmp_path):
    gate = fixture_gate(tmp_path / "dicts")
    db_path = tmp_path / "load.db"
    users = [(n, "editor") for n in EDITORS] + [(n, "reviewer") for n in REVIEWERS] + [("admin", "admin")]
    app, tokens = make_app(db_path, gate, users=users)
    stats = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS

    def count(key, n=1):
        with lock:
            stats[key] += n

    def editor(name):
        token, n = tokens[name], 0
        rng = random.Random(name)
        while time.monotonic() < deadline:
            n += 1
            key = str(uuid.uuid4())
            draft = {"draft": {"title": f"{name} 的第 {n} 篇稿件", "body": _body(n)}}
            status, _, first = http("POST", f"{srv.url}/api/v1/submissions", draft, token=token,
                                    headers={"Idempotency-Key": key})
            count(f"submit.{status}")
            if status == 201 and rng.random() < 0.3:  # a client retry: same key, same answer, no new event
                again_status, head, again = http("POST", f"{srv.url}/api/v1/submissions", draft, token=token,
                                                 headers={"Idempotency-Key": key})
                assert again_status == 201 and again == first and head.get("Idempotent-Replayed") == "true"
                count("retries")
            status, _, listing = http("GET", f"{srv.url}/api/v1/submissions?status=approved", token=token)
            for item in listing.get("items", [])[:1]:
                status, _, detail = http("GET", f"{srv.url}/api/v1/submissions/{item['id']}", token=token)
                status, _, _ = http("POST", f"{srv.url}/api/v1/submissions/{item['id']}/publish",
                                    {"content_sha256": detail["content_sha256"]}, token=token)
                count(f"publish.{status}")
            time.sleep(rng.uniform(0, 0.05))

    def reviewer(name):
        token = tokens[name]
        rng = random.Random(name)
        while time.monotonic() < deadline:
            status, _, queue = http("GET", f"{srv.url}/api/v1/queue", token=token)
            items = [s for group in queue.get("stages", {}).values() for s in group]
            if not items:
                time.sleep(0.02)
                continue
            target = rng.choice(items)
            status, _, detail = http("GET", f"{srv.url}/api/v1/submissions/{target['id']}", token=token)
            if status != 200 or not detail.get("current_stage"):
                continue
            reject = rng.random() < 0.1
            status, _, _ = http("POST", f"{srv.url}/api/v1/submissions/{target['id']}/decisions", {
                "stage": detail["current_stage"]["key"], "decision": "reject" if reject else "approve",
                "opinion": "请修改" if reject else "同意", "content_sha256": detail["content_sha256"]}, token=token)
            count(f"decide.{status}")

    started = time.monotonic()
    with ServerThread(app) as srv, ThreadPoolExecutor(max_workers=len(EDITORS) + len(REVIEWERS)) as pool:
        futures = [pool.submit(editor, n) for n in EDITORS] + [pool.submit(reviewer, n) for n in REVIEWERS]
        for future in futures:
            future.result()
    elapsed = time.monotonic() - started

    db = open_db(db_path)
    try:
        result = audit.verify(db)
        actions = Counter(r[0] for r in db.conn.execute("SELECT action FROM audit_event"))
        decisions = db.conn.execute("SELECT count(*) FROM decisions").fetchone()[0]
        per_stage = db.conn.execute("SELECT count(*) FROM (SELECT submission_id, payload ->> '$.round', stage "
                                    "FROM audit_event WHERE action LIKE 'review.%' GROUP BY 1, 2, 3 "
                                    "HAVING count(*) > 1)").fetchone()[0]
        submissions = db.conn.execute("SELECT count(*) FROM submissions").fetchone()[0]
        publications = db.conn.execute("SELECT count(*) FROM publications").fetchone()[0]
    except sqlite3.OperationalError:  # pragma: no cover - ->> needs SQLite 3.38
        raise
    finally:
        db.close()
    print(f"\nload: {elapsed:.1f}s, {dict(stats)}, events {sum(actions.values())}, verify {result.ok}")

    assert result.ok, result.message
    assert not [k for k in stats if k.endswith(".500") or k.endswith(".503")], stats
    assert stats["submit.201"] > 20 and stats["decide.201"] > 20
    # Every successful answer has exactly one event and one row; retries added nothing.
    assert submissions == stats["submit.201"] == actions["submission.create"]
    assert decisions == stats["decide.201"] == actions["review.approve"] + actions["review.reject"]
    assert per_stage == 0
    assert publications == stats["publish.200"] == actions["publish.allow"]
    # Losing races is expected and answered cleanly (stale stage/version 409, second stage 403).
    assert set(k for k in stats if k.startswith("decide.")) <= {"decide.201", "decide.409", "decide.403"}
