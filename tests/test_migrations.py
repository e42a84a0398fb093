"""The service schema: a blank database migrates to the expected tables, indexes and triggers."""

from __future__ import annotations

import sqlite3

import pytest
from sqlite_utils import Database

from pubgate.migrations import APPEND_ONLY_TRIGGERS, migrate, migrations, open_db

EXPECTED_TABLES = {
    "audit_event", "users", "api_tokens", "settings", "workflows", "submissions", "versions", "decisions",
    "overrides", "acknowledgements", "publications", "idempotency", "signed_requests", "_sqlite_migrations",
}

EXPECTED_AUDIT_COLUMNS = {
    "seq": int, "event_id": str, "ts": str, "action": str, "stage": str, "actor_id": int, "actor_name": str,
    "actor_role": str, "actor_title": str, "actor_unit": str, "submission_id": str, "version": int,
    "content_sha256": str, "decision": str, "opinion": str, "payload": str, "prev_hash": str,
    "entry_hash": str, "hash_alg": str,
}


@pytest.fixture
def db():
    database = Database(memory=True)
    migrate(database)
    return database


def test_blank_database_gets_every_table(db):
    assert EXPECTED_TABLES <= set(db.table_names())


def test_audit_event_columns_and_triggers(db):
    assert db["audit_event"].columns_dict == EXPECTED_AUDIT_COLUMNS
    assert db["audit_event"].pks == ["seq"]
    assert {t.name for t in db["audit_event"].triggers} == set(APPEND_ONLY_TRIGGERS)


def test_one_decision_per_stage_and_round_is_a_unique_index(db):
    unique = {tuple(i.columns) for i in db["decisions"].indexes if i.unique}
    assert ("submission_id", "round", "stage_index") in unique
    assert ("token_hash",) in {tuple(i.columns) for i in db["api_tokens"].indexes if i.unique}


def test_foreign_keys_point_at_users_and_submissions(db):
    fks = {(fk.column, fk.other_table) for fk in db["decisions"].foreign_keys}
    assert fks == {("submission_id", "submissions"), ("actor_id", "users")}


def test_apply_twice_is_a_no_op(db):
    applied = [m.name for m in migrations.applied(db)]
    migrate(db)
    assert [m.name for m in migrations.applied(db)] == applied
    assert migrations.pending(db) == []


def test_tables_are_strict(db):
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO signed_requests (webhook_id, seen_at) VALUES ('x', 'yesterday')")


def test_open_db_uses_wal(tmp_path):
    db = open_db(tmp_path / "p.db")
    migrate(db)
    assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    db.close()
