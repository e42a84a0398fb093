"""A database owner cannot silently rewrite the audit trail (issue 18, item 2).

Each attack is made the way someone holding the database file would make it (a raw sqlite3
connection, triggers dropped where needed), then ``verify`` must name the row or the checkpoint.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat

import pytest

from pubgate import audit, audit_checkpoint
from pubgate.audit_key import KEY_FILE_NAME
from pubgate.cli import main
from pubgate.migrations import migrate, open_db
from pubgate.service.testing import WARN_WORD, fixture_gate, make_app

DRAFT = {"id": "cms-18", "title": "关于做好防汛工作的通知", "unit": "某某县应急管理局",
         "body": f"<p>各乡镇人民政府：</p><p>今年以来全县防汛形势{WARN_WORD}，请各单位认真落实责任。</p>"}
COLUMNS = audit.EVENT_COLUMNS


@pytest.fixture(scope="module")
def gate(tmp_path_factory):
    return fixture_gate(tmp_path_factory.mktemp("dicts"))


@pytest.fixture
def site(tmp_path, gate, monkeypatch):
    """A service database with one submission approved at all three stages and published, one
    rejected, and a checkpoint of the head; returns its path."""
    for name in ("PUBGATE_AUDIT_KEY", "PUBGATE_AUDIT_KEY_FILE", "PUBGATE_AUDIT_CHECKPOINT_FILE"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "site.db"
    app, tokens = make_app(path, gate)
    client = app.test_client()

    def call(method, url, user, body=None):
        resp = client.open(f"/api/v1{url}", method=method, json=body,
                           headers={"Authorization": f"Bearer {tokens[user]}"})
        assert resp.status_code < 300, resp.get_json()
        return resp.get_json()

    sub = call("POST", "/submissions", "editor", {"draft": DRAFT})
    for user, stage in (("first", "first"), ("second", "second"), ("final", "final")):
        call("POST", f"/submissions/{sub['id']}/decisions", user,
             {"stage": stage, "decision": "approve", "opinion": "同意", "content_sha256": sub["content_sha256"]})
    call("POST", f"/submissions/{sub['id']}/publish", "editor", {"draft": DRAFT, "url": "https://x.gov.cn/a.html"})
    other = call("POST", "/submissions", "editor", {"draft": dict(DRAFT, id="cms-19", title="另一篇")})
    call("POST", f"/submissions/{other['id']}/decisions", "first",
         {"stage": "first", "decision": "reject", "opinion": "请修改", "content_sha256": other["content_sha256"]})
    db = open_db(path)
    for i in range(3):  # events that change no workflow state: only a checkpoint can miss them
        audit.append(db, "check.run", payload={"i": i})
    audit.checkpoint(db)
    db.close()
    return path


def _verify(path, **kw):
    db = open_db(path)
    try:
        return audit.verify(db, **kw)
    finally:
        db.close()


def _raw(path):
    conn = sqlite3.connect(path, isolation_level=None)
    for trigger in [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")]:
        conn.execute(f"DROP TRIGGER [{trigger}]")  # an owner with the file drops what stands in the way
    return conn


def _rows(conn):
    cursor = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM audit_event ORDER BY seq")
    return [dict(zip(COLUMNS, r)) for r in cursor]


def _sha256_chain(row):
    # What an attacker without the key can compute: the plain SHA-256 chain of the old scheme.
    body = {k: row.get(k) for k in COLUMNS if k != "entry_hash"}
    return hashlib.sha256((row["prev_hash"] + audit.canonical(body)).encode("utf-8")).hexdigest()


def _rewrite_from(conn, seq, change, rehash):
    """Change row ``seq`` and recompute every later hash, writing back with INSERT OR REPLACE."""
    rows = _rows(conn)
    prev = rows[seq - 2]["entry_hash"] if seq > 1 else audit.GENESIS
    for row in rows[seq - 1:]:
        if row["seq"] == seq:
            change(row)
        row["prev_hash"] = prev
        row["entry_hash"] = rehash(row)
        prev = row["entry_hash"]
        conn.execute(f"INSERT OR REPLACE INTO audit_event ({', '.join(COLUMNS)}) "
                     f"VALUES ({', '.join('?' for _ in COLUMNS)})", [row[c] for c in COLUMNS])


def _first_approval(conn):
    return conn.execute("SELECT seq FROM audit_event WHERE action = 'review.approve' ORDER BY seq").fetchone()[0]


def test_an_untouched_workflow_database_verifies_with_its_checkpoint(site):
    result = _verify(site)
    assert result.ok, result.message
    assert result.checkpoints >= 1 and "检查点一致" in result.message
    key = site.parent / KEY_FILE_NAME
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    rows = _rows(sqlite3.connect(site))
    assert all(r["hash_alg"].startswith("hmac-sha256:") for r in rows)


def test_approval_turned_rejection_and_recomputed_without_the_key_is_named(site):
    conn = _raw(site)
    seq = _first_approval(conn)

    def to_reject(row):
        row.update(action="review.reject", decision="reject", opinion="不同意", hash_alg="sha256")

    conn.execute("UPDATE decisions SET decision = 'reject', opinion = '不同意' WHERE event_seq = ?", [seq])
    _rewrite_from(conn, seq, to_reject, lambda row: _sha256_chain(dict(row, hash_alg="sha256")))
    conn.execute("UPDATE audit_event SET hash_alg = 'sha256' WHERE seq >= ?", [seq])
    conn.close()
    result = _verify(site)
    assert not result.ok and result.broken_seq == seq and result.kind == "row"
    assert f"第 {seq} 条" in result.message and "密钥" in result.message


def test_recomputed_with_a_stolen_key_is_caught_by_the_checkpoint(site):
    conn = _raw(site)
    seq = _first_approval(conn)
    conn.execute("UPDATE decisions SET decision = 'reject', opinion = '不同意' WHERE event_seq = ?", [seq])

    def to_reject(row):
        row.update(action="review.reject", decision="reject", opinion="不同意")

    _rewrite_from(conn, seq, to_reject, audit._entry_hash)  # this process holds the key
    conn.close()
    result = _verify(site)
    assert not result.ok and result.kind in ("checkpoint", "state")
    # Even with the state rows left consistent, the head no longer matches what was written down.
    db = open_db(site)
    checkpoints = audit_checkpoint.load_file(audit_checkpoint.default_path(db))
    db.close()
    assert audit_checkpoint.compare(checkpoints, {r["seq"]: r["entry_hash"] for r in _rows(sqlite3.connect(site))},
                                    None) is not None


def test_full_recomputation_with_the_key_and_matching_state_is_named_by_the_checkpoint(site):
    conn = _raw(site)
    first = _rows(conn)[0]["seq"]
    _rewrite_from(conn, first, lambda row: row.update(ts=row["ts"].replace("+08:00", "+08:00")[:-9] + "00.000+08:00"),
                  audit._entry_hash)
    # Keep every state row bound to its (recomputed) event, as a careful forger would.
    rows = {r["seq"]: r for r in _rows(conn)}
    for table in ("decisions", "overrides", "publications", "submissions"):
        for rid, event_seq in conn.execute(f"SELECT id, event_seq FROM {table}").fetchall():
            conn.execute(f"UPDATE {table} SET event_hash = ? WHERE id = ?", [rows[event_seq]["entry_hash"], rid])
    for table in ("decisions", "publications"):
        conn.execute(f"UPDATE {table} SET created_at = (SELECT ts FROM audit_event WHERE seq = event_seq)")
    conn.close()
    result = _verify(site)
    assert not result.ok and result.kind == "checkpoint"
    assert "检查点" in result.message and "不符" in result.message


def test_replace_on_event_id_is_refused_and_a_replaced_row_is_named(site):
    db = open_db(site)
    victim = dict(zip(COLUMNS, db.conn.execute(
        f"SELECT {', '.join(COLUMNS)} FROM audit_event WHERE seq = 5").fetchone()))
    tail = db.conn.execute("SELECT max(seq) FROM audit_event").fetchone()[0]
    forged = dict(victim, seq=tail + 1, opinion="伪造")
    insert = f"INSERT OR REPLACE INTO audit_event ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})"
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.conn.execute(insert, [forged[c] for c in COLUMNS])
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.conn.execute(insert, [dict(victim, opinion="伪造")[c] for c in COLUMNS])
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.conn.execute(f"INSERT INTO audit_event ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)}) "
                        "ON CONFLICT(seq) DO UPDATE SET opinion = excluded.opinion",
                        [dict(victim, opinion="伪造")[c] for c in COLUMNS])
    db.close()
    assert _verify(site).ok
    # Around the triggers, REPLACE on the unique event_id deletes row 5 silently: verify names it.
    conn = _raw(site)
    conn.execute(insert, [forged[c] for c in COLUMNS])
    conn.close()
    result = _verify(site)
    assert not result.ok and result.broken_seq == 5 and "第 5 条" in result.message


def test_replace_on_a_state_table_is_refused(site):
    db = open_db(site)
    row = db.conn.execute("SELECT * FROM decisions LIMIT 1").fetchone()
    marks = ", ".join("?" for _ in row)
    with pytest.raises(sqlite3.IntegrityError):
        db.conn.execute(f"INSERT OR REPLACE INTO decisions VALUES ({marks})", list(row))
    with pytest.raises(sqlite3.IntegrityError):
        db.conn.execute("UPDATE decisions SET decision = 'reject'")
    db.close()


def test_truncating_the_tail_is_named_by_the_checkpoint(site):
    conn = _raw(site)
    tail = conn.execute("SELECT max(seq) FROM audit_event").fetchone()[0]
    conn.execute("DELETE FROM audit_event WHERE seq > ?", [tail - 2])
    conn.close()
    result = _verify(site)
    assert not result.ok and result.kind == "checkpoint" and result.broken_seq == tail
    assert "截断" in result.message and f"{tail} 条" in result.message


def test_a_forged_tail_row_is_named(site):
    conn = _raw(site)
    last = _rows(conn)[-1]
    forged = dict(last, seq=last["seq"] + 1, event_id="forged", action="publish.allow", opinion="伪造",
                  prev_hash=last["entry_hash"], hash_alg="sha256")
    forged["entry_hash"] = _sha256_chain(forged)
    conn.execute(f"INSERT INTO audit_event ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})",
                 [forged[c] for c in COLUMNS])
    conn.close()
    result = _verify(site)
    assert not result.ok and result.broken_seq == forged["seq"] and f"第 {forged['seq']} 条" in result.message


def test_a_forged_tail_after_truncation_with_the_key_is_named_by_the_checkpoint(site):
    conn = _raw(site)
    rows = _rows(conn)
    conn.execute("DELETE FROM audit_event WHERE seq = ?", [rows[-1]["seq"]])
    forged = dict(rows[-1], opinion="伪造", event_id="forged")
    forged["entry_hash"] = audit._entry_hash(forged)
    conn.execute(f"INSERT INTO audit_event ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})",
                 [forged[c] for c in COLUMNS])
    conn.close()
    result = _verify(site)
    assert not result.ok and result.kind == "checkpoint" and result.broken_seq == forged["seq"]


def test_an_edited_decision_row_is_named(site):
    conn = _raw(site)
    rid = conn.execute("SELECT id FROM decisions WHERE decision = 'reject'").fetchone()[0]
    conn.execute("UPDATE decisions SET decision = 'approve' WHERE id = ?", [rid])
    conn.close()
    result = _verify(site)
    assert not result.ok and result.kind == "state"
    assert f"decisions 表（审核意见）第 {rid} 行" in result.message and "decision" in result.message


def test_a_deleted_decision_and_a_status_set_by_hand_are_named(site):
    conn = _raw(site)
    conn.execute("UPDATE submissions SET status = 'approved' WHERE status = 'rejected'")
    conn.close()
    result = _verify(site)
    assert not result.ok and "submissions" in result.message and "status" in result.message
    conn = _raw(site)
    seq, rid = conn.execute("SELECT event_seq, id FROM decisions WHERE decision = 'reject'").fetchone()
    conn.execute("DELETE FROM decisions WHERE id = ?", [rid])
    conn.close()
    result = _verify(site)
    assert not result.ok and result.broken_seq == seq and "缺失" in result.message


def test_an_edited_draft_text_is_named(site):
    conn = _raw(site)
    conn.execute("UPDATE versions SET draft = replace(draft, '防汛', '抗旱') WHERE number = 1")
    conn.close()
    result = _verify(site)
    assert not result.ok and "versions" in result.message


def test_a_missing_or_wrong_key_is_a_clear_error(site, monkeypatch, capsys):
    key = site.parent / KEY_FILE_NAME
    saved = key.read_text()
    key.unlink()
    result = _verify(site)
    assert not result.ok and result.kind == "key" and "找不到审计密钥文件" in result.message
    assert main(["audit", "verify", "--db", str(site)]) == 2
    assert "密钥" in capsys.readouterr().out
    key.write_text("f" * 64 + "\n")
    result = _verify(site)
    assert not result.ok and result.kind == "key" and "密钥不对" in result.message
    key.write_text(saved)
    assert _verify(site).ok


def test_an_old_unkeyed_chain_still_verifies_and_switches_to_the_key(tmp_path, monkeypatch):
    for name in ("PUBGATE_AUDIT_KEY", "PUBGATE_AUDIT_KEY_FILE", "PUBGATE_AUDIT_CHECKPOINT_FILE"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    db = open_db(path)
    migrate(db)
    db.close()
    conn.execute("DROP TRIGGER audit_event_tail_only")
    prev = audit.GENESIS
    for seq in (1, 2, 3):  # rows as the pre-keying code wrote them
        row = {c: None for c in COLUMNS}
        row.update(seq=seq, event_id=f"old-{seq}", ts="2026-01-01T08:00:00.000+08:00", action="check.run",
                   payload="{}", prev_hash=prev, hash_alg="sha256")
        row["entry_hash"] = prev = _sha256_chain(row)
        conn.execute(f"INSERT INTO audit_event ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})",
                     [row[c] for c in COLUMNS])
    conn.close()
    assert _verify(path).ok
    db = open_db(path)
    audit.append(db, "check.run", payload={"new": True})
    actions = [r[0] for r in db.conn.execute("SELECT action FROM audit_event ORDER BY seq")]
    db.close()
    assert actions == ["check.run"] * 3 + ["audit.keyed", "check.run"]
    result = _verify(path)
    assert result.ok and result.unkeyed == 3 and "旧格式" in result.message
    # An unkeyed row after the switch is a forgery.
    conn = _raw(path)
    last = _rows(conn)[-1]
    forged = dict(last, seq=6, event_id="x", prev_hash=last["entry_hash"], hash_alg="sha256")
    forged["entry_hash"] = _sha256_chain(forged)
    conn.execute(f"INSERT INTO audit_event ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})",
                 [forged[c] for c in COLUMNS])
    conn.close()
    result = _verify(path)
    assert not result.ok and result.broken_seq == 6


def test_cli_checkpoint_prints_a_line_that_verify_uses(site, capsys, tmp_path):
    assert main(["audit", "checkpoint", "--db", str(site), "--no-write"]) == 0
    out = capsys.readouterr()
    line = out.out.strip()
    assert json.loads(line)["seq"] > 0 and "检查点" in out.err
    assert main(["audit", "verify", "--db", str(site), "--checkpoint", line]) == 0
    capsys.readouterr()
    # The checkpoint file beside the database is gone too: the printed copy still catches truncation.
    db = open_db(site)
    audit_checkpoint.default_path(db).unlink()
    db.close()
    conn = _raw(site)
    conn.execute("DELETE FROM audit_event WHERE seq = (SELECT max(seq) FROM audit_event)")
    conn.close()
    assert main(["audit", "verify", "--db", str(site)]) == 0  # nothing left to compare with
    capsys.readouterr()
    assert main(["audit", "verify", "--db", str(site), "--checkpoint", line]) == 1
    assert "截断" in capsys.readouterr().out
    forged = json.loads(line)
    forged["seq"] -= 1
    assert main(["audit", "verify", "--db", str(site), "--checkpoint", json.dumps(forged)]) == 1
    assert "签名不符" in capsys.readouterr().out


def test_the_service_writes_checkpoints_every_n_events_and_at_start(tmp_path, gate, monkeypatch):
    for name in ("PUBGATE_AUDIT_KEY", "PUBGATE_AUDIT_KEY_FILE", "PUBGATE_AUDIT_CHECKPOINT_FILE"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "svc.db"
    app, tokens = make_app(path, gate, AUDIT_CHECKPOINT_EVERY=2)
    client = app.test_client()
    for i in range(3):
        resp = client.post("/api/v1/submissions", json={"draft": dict(DRAFT, id=f"c{i}")},
                           headers={"Authorization": f"Bearer {tokens['editor']}"})
        assert resp.status_code == 201
    checkpoints_file = tmp_path / ("svc.db" + audit_checkpoint.SUFFIX)
    written = audit_checkpoint.load_file(checkpoints_file)
    assert len(written) >= 3 and stat.S_IMODE(os.stat(checkpoints_file).st_mode) == 0o600
    db = open_db(path)
    assert written[-1].seq == audit.head(db)[0]
    db.close()
    app.extensions["pubgate"]["audit_checkpoints"].at_exit()  # what shutdown does
    assert _verify(path).ok
