"""Site dictionary administration (core, no Flask): store, validation, versions, hot reload."""

from __future__ import annotations

import json
import sqlite3
import threading

import pytest

from pubgate import Gate, GateConfig
from pubgate import site_dictionary as sd
from pubgate.accounts import Actor
from pubgate.migrations import migrate, open_db
from pubgate.pluginmanager import DEFAULT_PLUGINS
from pubgate.workflow import Conflict, Forbidden, Invalid, NotFound, Refused

ADMIN = Actor(1, "admin", "admin")
ADMIN2 = Actor(3, "admin2", "admin")
EDITOR = Actor(2, "editor", "editor")
REVIEWER = Actor(4, "reviewer", "reviewer")
NAME = "王晓东"
SENTENCE = f"本次座谈会由{NAME}主持。"


@pytest.fixture(scope="module")
def base_gate():
    """Shipped dictionaries, dictionary checks only (fast to rebuild, independent of other checks)."""
    disabled = [p for p in DEFAULT_PLUGINS if p != "pubgate.plugins.dictionary_checks"]
    return Gate(GateConfig(load_entrypoints=False, disabled_plugins=disabled))


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "service.db")
    migrate(database)
    sd.ensure_schema(database)
    yield database
    database.close()


@pytest.fixture
def live(base_gate):
    return sd.LiveGate(gate=base_gate)


def name_entry(**extra):
    return {"category": "severe_misstatement", "severity": "block", "match": NAME, "suggest": "王晓冬",
            "note": "本县领导姓名", "flag": [SENTENCE], "pass": ["王晓冬同志出席会议。"], **extra}


def findings(gate, body, **fields):
    report = gate.check({"body": body, "format": "text", **fields})
    return [(f.rule, f.entry, f.text) for f in report.findings]


# -- add, check, retire ------------------------------------------------------------------------

def test_added_entry_flags_next_check_and_retired_entry_does_not(db, live):
    assert not any(NAME in t for _, _, t in findings(live.current(db), SENTENCE))
    saved = sd.create_entry(db, ADMIN, name_entry(), reason="新任领导", validator=live.validator())
    assert saved["key"] == f"site.severe-misstatement#{NAME}" and saved["revision"] == 1
    gate = live.current(db)
    assert (saved["rule"], NAME, NAME) in findings(gate, SENTENCE)
    assert gate.check({"body": SENTENCE}).verdict == "block"
    sd.retire_entry(db, ADMIN, saved["key"], expected_revision=1, reason="人员调整")
    gate = live.current(db)
    assert not any(NAME in t for _, _, t in findings(gate, SENTENCE))
    # the near-miss never fires
    assert findings(gate, "王晓冬同志出席会议。") == findings(live.base_gate, "王晓冬同志出席会议。")


def test_scope_fields_doc_type_channel_and_dates_are_honoured(db, live):
    sd.create_entry(db, ADMIN, {
        "category": "banned_expression", "match": "小编", "suggest": "编者", "channels": ["website"],
        "doc_types": ["notice"], "fields": ["body"], "valid_from": "2024-01-01", "valid_to": "2030-01-01",
    }, reason="网站通知不用“小编”", validator=live.validator())
    gate = live.current(db)
    hit = {"doc_type": "notice", "channel": "website", "publish_at": "2025-03-01T10:00:00+08:00"}
    assert any(e == "小编" for _, e, _ in findings(gate, "小编提醒您注意。", **hit))
    for other in ({"doc_type": "news"}, {"channel": "wechat"}, {"publish_at": "2023-06-01T10:00:00+08:00"},
                  {"publish_at": "2030-01-01T10:00:00+08:00"}):
        assert not any(e == "小编" for _, e, _ in findings(gate, "小编提醒您注意。", **{**hit, **other}))
    report = gate.check({"body": "正文", "title": "小编说", "format": "text", **hit})
    assert not [f for f in report.findings if f.entry == "小编"]


def test_allow_phrases_of_an_entry_cancel_hits_they_span(db, live):
    sd.create_entry(db, ADMIN, {"category": "banned_expression", "match": "黄片", "exceptions": ["三黄片"],
                                "flag": ["严禁传播黄片。"], "pass": ["药店有三黄片出售。"]},
                    reason="测试", validator=live.validator())
    gate = live.current(db)
    assert any(e == "黄片" for _, e, _ in findings(gate, "严禁传播黄片。"))
    assert not any(e == "黄片" for _, e, _ in findings(gate, "药店有三黄片出售。"))


# -- refusals before saving --------------------------------------------------------------------

def test_entry_whose_flag_example_fails_is_refused_with_reason(db, live):
    with pytest.raises(Refused) as exc:
        sd.create_entry(db, ADMIN, name_entry(flag=["王晓冬主持会议。"]), reason="x", validator=live.validator())
    assert "应被标出，但未命中" in exc.value.detail
    assert sd.current_version(db) == 0


def test_entry_whose_pass_example_hits_is_refused(db, live):
    with pytest.raises(Refused) as exc:
        sd.create_entry(db, ADMIN, name_entry(**{"pass": [f"{NAME}同志"]}), reason="x", validator=live.validator())
    assert "不应被标出" in exc.value.detail


def test_entry_that_flags_a_clean_reference_text_is_refused(db, live):
    with pytest.raises(Refused) as exc:
        sd.create_entry(db, ADMIN, {"category": "banned_expression", "match": "交通"}, reason="x",
                        validator=live.validator())
    assert "参照句" in exc.value.detail and "交通" in exc.value.detail
    # with an allow-phrase covering every use in the reference texts it is accepted
    custom = sd.EntryValidator(["县交通运输局召开会议。"])
    with pytest.raises(Refused):
        sd.create_entry(db, ADMIN, {"category": "banned_expression", "match": "交通"}, reason="x", validator=custom)
    sd.create_entry(db, ADMIN, {"category": "banned_expression", "match": "交通", "exceptions": ["交通运输局"]},
                    reason="x", validator=custom)


def test_configured_reference_texts_include_files(tmp_path, db, base_gate):
    ref = tmp_path / "clean.txt"
    ref.write_text("本站由县融媒体中心主办。\n", encoding="utf-8")
    config = GateConfig(load_entrypoints=False, disabled_plugins=list(base_gate.config.disabled_plugins),
                        settings={"dictionary_reference_texts": [str(ref), "欢迎访问县政府门户网站。"]})
    live = sd.LiveGate(gate=Gate(config))
    for word in ("融媒体", "门户网站"):
        with pytest.raises(Refused):
            sd.create_entry(db, ADMIN, {"category": "banned_expression", "match": word}, reason="x",
                            validator=live.validator())


def test_structural_errors_are_refused_in_chinese(db, live):
    cases = [
        ({"category": "nonsense", "match": "甲乙"}, "category"),
        ({"category": "typo", "severity": "fatal", "match": "甲乙"}, "severity"),
        ({"category": "typo", "pattern": "(", "id": "p"}, "正则"),
        ({"category": "typo", "match": "甲乙", "doc_types": ["memo"]}, "doc_types"),
        ({"category": "typo", "match": "甲乙", "valid_from": "2024-13-01"}, "日期"),
        ({"category": "typo", "match": "甲乙", "rule": "terms.leaders"}, "site."),
        ({"category": "typo", "match": "甲乙", "message": "{oops}"}, "占位符"),
    ]
    for raw, needle in cases:
        with pytest.raises(Refused) as exc:
            sd.create_entry(db, ADMIN, raw, reason="x", validator=live.validator())
        assert needle in exc.value.detail, (raw, exc.value.detail)
    with pytest.raises(Invalid):
        sd.create_entry(db, ADMIN, {"category": "typo", "match": "甲乙", "colour": "red"}, reason="x")
    with pytest.raises(Invalid):
        sd.create_entry(db, ADMIN, name_entry(), reason="  ")
    assert sd.current_version(db) == 0


# -- permissions --------------------------------------------------------------------------------

def test_only_admins_change_dictionaries(db, live):
    for actor in (EDITOR, REVIEWER, None):
        with pytest.raises(Forbidden):
            sd.create_entry(db, actor, name_entry(), reason="x", validator=live.validator())
    saved = sd.create_entry(db, ADMIN, name_entry(), reason="x", validator=live.validator())
    with pytest.raises(Forbidden):
        sd.retire_entry(db, EDITOR, saved["key"], expected_revision=1, reason="x")
    with pytest.raises(Forbidden):
        sd.disable_shipped(db, REVIEWER, "banned.xinhua#disabled", reason="x")
    sd.require_reader(EDITOR)
    sd.require_reader(REVIEWER)
    with pytest.raises(Forbidden):
        sd.require_reader(None)


# -- versioning, history, audit -------------------------------------------------------------------

def test_every_change_is_a_revision_and_an_audit_event(db, live):
    from pubgate import audit

    saved = sd.create_entry(db, ADMIN, name_entry(), reason="新任领导", validator=live.validator())
    updated = sd.update_entry(db, ADMIN, saved["key"], name_entry(severity="warn"), expected_revision=1,
                              reason="降为警告", validator=live.validator())
    assert updated["revision"] == 2 and updated["severity"] == "warn"
    sd.retire_entry(db, ADMIN, saved["key"], expected_revision=2, reason="人员调整")
    revs = sd.history(db, saved["key"])
    assert [(r["op"], r["revision"], r["status"], r["reason"]) for r in revs] == [
        ("create", 1, "active", "新任领导"), ("update", 2, "active", "降为警告"), ("retire", 3, "retired", "人员调整")]
    events = [e for e in audit.events(db) if e["action"].startswith("dictionary.")]
    assert [e["action"] for e in events] == ["dictionary.create", "dictionary.update", "dictionary.retire"]
    assert events[1]["actor_name"] == "admin" and events[1]["opinion"] == "降为警告"
    assert events[1]["payload"]["before"]["severity"] == "block" and events[1]["payload"]["after"]["severity"] == "warn"
    assert audit.verify(db).ok
    assert [v["version"] for v in sd.versions(db)] == [3, 2, 1]
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.conn.execute("UPDATE dict_revision SET reason = 'x'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.conn.execute("DELETE FROM dict_revision")


def test_old_versions_are_reconstructed_and_rulesets_explained(db, live):
    v0 = live.current(db).ruleset
    saved = sd.create_entry(db, ADMIN, name_entry(), reason="x", validator=live.validator())
    v1 = live.current(db).ruleset
    sd.retire_entry(db, ADMIN, saved["key"], expected_revision=1, reason="y")
    v2 = live.current(db).ruleset
    assert v1 != v0 and v2 == v0  # content-addressed: retiring the only entry restores the old ruleset
    assert sd.explain_ruleset(db, v1)["dict_version"] == 1
    snap = sd.snapshot(db, 1)
    assert snap["verified"] and [e["id"] for e in snap["entries"]] == [NAME]
    assert sd.snapshot(db, 2)["entries"] == [] and sd.snapshot(db, 2)["verified"]
    old = live.gate_for_version(db, 1)
    assert old.ruleset == v1  # same dictionaries, same digest: the old decision is reproducible
    assert any(e == NAME for _, e, _ in findings(old, SENTENCE))
    assert live.gate_for_version(db, 2).ruleset == v2


def test_disable_and_enable_a_shipped_entry(db, live):
    body = "为全县残废人发放生活补贴。"
    assert any(e == "disabled" for _, e, _ in findings(live.current(db), body))
    with pytest.raises(NotFound):
        sd.disable_shipped(db, ADMIN, "banned.xinhua#nothing", reason="x", shipped_keys=live.shipped_keys)
    row = sd.disable_shipped(db, ADMIN, "banned.xinhua#disabled", reason="本站专题引用历史文件",
                             shipped_keys=live.shipped_keys)
    gate = live.current(db)
    assert not any(e == "disabled" for _, e, _ in findings(gate, body))
    assert "banned.xinhua#disabled" in gate.config.disabled_entries
    listed = sd.search_entries(db, shipped=live.base_files, q="残废")["items"]
    assert listed[0]["status"] == "disabled" and listed[0]["reason"] == "本站专题引用历史文件"
    with pytest.raises(Invalid):  # shipped entries are never edited in place
        sd.update_entry(db, ADMIN, "banned.xinhua#disabled", {"category": "typo", "match": "残废"},
                        expected_revision=1, reason="x")
    sd.enable_shipped(db, ADMIN, "banned.xinhua#disabled", expected_revision=row["revision"], reason="恢复")
    assert any(e == "disabled" for _, e, _ in findings(live.current(db), body))


# -- concurrency ---------------------------------------------------------------------------------

def test_second_admin_editing_a_stale_revision_gets_a_conflict(db, live):
    saved = sd.create_entry(db, ADMIN, name_entry(), reason="x", validator=live.validator())
    sd.update_entry(db, ADMIN, saved["key"], name_entry(severity="warn"), expected_revision=1, reason="a",
                    validator=live.validator())
    with pytest.raises(Conflict) as exc:
        sd.update_entry(db, ADMIN2, saved["key"], name_entry(severity="info"), expected_revision=1, reason="b",
                        validator=live.validator())
    assert exc.value.status == 409 and exc.value.extra["current"]["revision"] == 2
    assert sd.get_entry(db, saved["key"])["severity"] == "warn"
    with pytest.raises(Conflict):
        sd.create_entry(db, ADMIN2, name_entry(), reason="again", validator=live.validator())


def test_concurrent_writers_from_threads_lose_nothing(tmp_path, live):
    path = tmp_path / "race.db"
    setup = open_db(path)
    migrate(setup)
    sd.ensure_schema(setup)
    saved = sd.create_entry(setup, ADMIN, name_entry(), reason="x", validator=live.validator())
    validator = live.validator()
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def worker(i: int) -> None:
        conn = open_db(path)
        barrier.wait()
        try:
            if i < 4:  # four admins race on the same entry from the same revision: exactly one wins
                sd.update_entry(conn, ADMIN, saved["key"], name_entry(note=f"版本{i}"), expected_revision=1,
                                reason=f"r{i}", validator=validator)
            else:      # four add different entries: all must land
                sd.create_entry(conn, ADMIN2, {"category": "banned_expression", "match": f"测试词语{i}甲"},
                                reason=f"c{i}", validator=validator)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("conflict") == 3 and outcomes.count("ok") == 5
    assert sd.current_version(setup) == 6
    assert [v["version"] for v in sd.versions(setup, limit=10)] == [6, 5, 4, 3, 2, 1]
    assert all(sd.snapshot(setup, v)["verified"] for v in range(1, 7))


# -- hot reload across processes -----------------------------------------------------------------

def test_a_second_worker_sees_the_change_without_restart(tmp_path, base_gate):
    path = tmp_path / "w.db"
    writer, reader = open_db(path), open_db(path)
    migrate(writer)
    worker_a, worker_b = sd.LiveGate(gate=base_gate), sd.LiveGate(gate=base_gate)
    assert not any(e == NAME for _, e, _ in findings(worker_b.current(reader), SENTENCE))
    sd.create_entry(writer, ADMIN, name_entry(), reason="x", validator=worker_a.validator())
    assert any(e == NAME for _, e, _ in findings(worker_b.current(reader), SENTENCE))
    same = worker_b.current(reader)
    assert worker_b.current(reader) is same  # no change, no rebuild


def test_layered_matcher_compacts_and_stays_exact(db, base_gate):
    live = sd.LiveGate(gate=base_gate, compact_after=3)
    keys = []
    for i in range(6):
        keys.append(sd.create_entry(db, ADMIN, {"category": "banned_expression", "match": f"违规词{i}号"},
                                    reason="x", validator=live.validator())["key"])
        live.current(db)
    sd.retire_entry(db, ADMIN, keys[0], expected_revision=1, reason="x")
    gate = live.current(db)
    assert live.stats["compactions"] >= 1
    text = "".join(f"违规词{i}号，" for i in range(6))
    assert sorted(e for _, e, _ in findings(gate, text) if e.startswith("违规词")) == [f"违规词{i}号" for i in range(1, 6)]
    assert gate.ruleset == live.gate_for_version(db, sd.current_version(db)).ruleset


# -- search and dry run ------------------------------------------------------------------------

def test_search_by_text_category_rule_and_layer(db, live):
    sd.create_entry(db, ADMIN, name_entry(), reason="x", validator=live.validator())
    sd.create_entry(db, ADMIN, {"category": "banned_expression", "rule": "site.local", "match": "某某某某"},
                    reason="x", validator=live.validator())
    assert [i["id"] for i in sd.search_entries(db, shipped=live.base_files, q=NAME)["items"]] == [NAME]
    assert sd.search_entries(db, shipped=live.base_files, q="王晓冬")["items"][0]["id"] == NAME  # by suggestion
    site = sd.search_entries(db, shipped=live.base_files, layer="site")
    assert site["total"] == 2
    assert sd.search_entries(db, shipped=live.base_files, rule="site.local")["total"] == 1
    shipped = sd.search_entries(db, shipped=live.base_files, layer="shipped", category="banned_expression")
    assert shipped["total"] > 0 and all(i["layer"] == "shipped" for i in shipped["items"])
    page = sd.search_entries(db, shipped=live.base_files, limit=5, offset=shipped["total"] - 2)
    assert len(page["items"]) == 5 or page["total"] < shipped["total"] + 3


def test_dry_run_shows_hits_in_context_without_saving(db, live):
    subs = [("s1", "关于王晓东同志任职的通知", f"经研究，{NAME}同志任县农业农村局局长。"),
            ("s2", "通知", "王晓冬同志出席。"),
            ("s3", "", "无关内容。", {"doc_type": "news"})]
    result = sd.dry_run(name_entry(), subs, allow_phrases=live.allow_phrases)
    assert result["scanned"] == 3 and result["submissions_hit"] == 1 and result["hits_total"] == 2
    body_hit = [h for h in result["hits"] if h["field"] == "body"][0]
    assert body_hit["before"].endswith("经研究，") and body_hit["after"].startswith("同志任")
    assert sd.current_version(db) == 0


def test_update_of_unchanged_content_creates_no_version(db, live):
    saved = sd.create_entry(db, ADMIN, name_entry(), reason="x", validator=live.validator())
    again = sd.update_entry(db, ADMIN, saved["key"], name_entry(), expected_revision=1, reason="y",
                            validator=live.validator())
    assert again.get("unchanged") and sd.current_version(db) == 1
    assert json.loads(json.dumps(sd.get_entry(db, saved["key"])))["revision"] == 1
