"""The hash-chained audit trail: append, append-only triggers, verify, tampering, exports."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import threading

import pytest
from sqlite_utils import Database

from pubgate import audit
from pubgate.accounts import Actor
from pubgate.migrations import migrate, open_db

ACTOR = Actor(id=7, name="lisi", role="reviewer", display_name="李四", title="科室负责人", unit="县政府办")


@pytest.fixture
def db():
    database = Database(memory=True)
    migrate(database)
    return database


def _fill(db, n=8):
    for i in range(n):
        audit.append(db, "review.approve", actor=ACTOR, stage="初审", submission_id="S1", version=1,
                     content_sha256="ab" * 32, decision="approve", opinion=f"同意发布 {i}",
                     payload={"findings_shown": [{"rule": "x.y", "start": i}], "score": 0.5})


def test_append_chains_each_event_to_the_previous(db):
    first = audit.append(db, "check.run", payload={"verdict": "pass"})
    second = audit.append(db, "check.run", actor=ACTOR, payload={"verdict": "warn"})
    assert first["seq"] == 1 and first["prev_hash"] == audit.GENESIS
    assert second["prev_hash"] == first["entry_hash"]
    assert second["actor_role"] == "reviewer" and second["actor_title"] == "科室负责人"
    assert second["ts"].endswith("+08:00")


def test_verify_passes_on_an_untouched_chain(db):
    _fill(db)
    result = audit.verify(db)
    assert result.ok and result.count == 8 and result.broken_seq is None
    assert "完整" in result.message


def test_update_and_delete_are_refused_by_triggers(db):
    _fill(db, 2)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.conn.execute("UPDATE audit_event SET opinion = '不同意' WHERE seq = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.conn.execute("DELETE FROM audit_event WHERE seq = 2")
    assert audit.verify(db).ok


def test_edit_after_dropping_the_trigger_is_reported_at_that_row(tmp_path):
    path = tmp_path / "audit.db"
    db = open_db(path)
    migrate(db)
    _fill(db)
    db.close()
    # An intruder with the file: drop the trigger, rewrite row 5's opinion.
    raw = sqlite3.connect(path)
    raw.execute("DROP TRIGGER audit_event_no_update")
    raw.execute("UPDATE audit_event SET opinion = '不同意' WHERE seq = 5")
    raw.commit()
    raw.close()
    result = audit.verify(open_db(path))
    assert not result.ok and result.broken_seq == 5
    assert "第 5 条" in result.message


def test_rehashing_the_edited_row_breaks_the_link_of_the_next(db):
    _fill(db)
    db.conn.execute("DROP TRIGGER audit_event_no_update")
    row = db.conn.execute("SELECT * FROM audit_event WHERE seq = 3").fetchone()
    columns = [d[0] for d in db.conn.execute("SELECT * FROM audit_event LIMIT 1").description]
    forged = dict(zip(columns, row), opinion="伪造")
    forged["entry_hash"] = audit._entry_hash(forged)
    db.conn.execute("UPDATE audit_event SET opinion = ?, entry_hash = ? WHERE seq = 3",
                    [forged["opinion"], forged["entry_hash"]])
    result = audit.verify(db)
    assert result.broken_seq == 4 and "prev_hash" in result.problem


def test_a_deleted_row_is_reported_as_missing(db):
    _fill(db)
    db.conn.execute("DROP TRIGGER audit_event_no_delete")
    db.conn.execute("DELETE FROM audit_event WHERE seq = 6")
    result = audit.verify(db)
    assert not result.ok and result.broken_seq == 6 and "缺少" in result.problem


def test_append_inside_a_rolled_back_transaction_leaves_no_event(db):
    with pytest.raises(RuntimeError):
        with audit.transaction(db):
            audit.append(db, "review.approve", actor=ACTOR)
            raise RuntimeError("decision refused")
    assert db.conn.execute("SELECT count(*) FROM audit_event").fetchone()[0] == 0
    audit.append(db, "check.run")
    assert audit.verify(db).ok


def test_canonical_json_is_nfc_sorted_and_float_free():
    decomposed = "e\u0301"  # é as two code points
    assert audit.canonical({"b": 1, "a": decomposed, "f": 0.1}) == '{"a":"é","b":1,"f":"0.1"}'


def test_concurrent_appends_from_many_connections_lose_nothing(tmp_path):
    path = tmp_path / "c.db"
    setup = open_db(path)
    migrate(setup)
    setup.close()
    errors = []

    def writer(n):
        db = open_db(path)
        try:
            for i in range(25):
                audit.append(db, "check.run", payload={"writer": n, "i": i})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    result = audit.verify(open_db(path))
    assert result.ok and result.count == 200


def test_exports_keep_the_hashed_payload_so_a_reader_can_reverify(db):
    _fill(db, 3)
    rows = audit.events(db)
    lines = audit.export_jsonl(rows).splitlines()
    assert len(lines) == 3
    first = json.loads(lines[0])
    assert audit._entry_hash(first) == first["entry_hash"]
    text = audit.export_csv(rows)
    assert text.startswith("\ufeff")
    parsed = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert parsed[1]["opinion"] == "同意发布 1" and parsed[1]["action_label"] == "审核同意"
    assert audit._entry_hash({k: (int(v) if k in ("seq", "actor_id", "version") and v else v or None)
                              for k, v in parsed[0].items()}) == parsed[0]["entry_hash"]
