"""Dictionary administration over HTTP (Flask test client): permissions, 409/422, import, hot reload."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest

from pubgate.service import dictionary_admin
from pubgate.service.testing import fixture_gate, make_app

NAME = "王晓东"
ENTRY = {"category": "severe_misstatement", "severity": "block", "match": [NAME], "suggest": ["王晓冬"],
         "flag": [f"会议由{NAME}主持。"]}


@pytest.fixture(scope="module")
def gate(tmp_path_factory):
    return fixture_gate(tmp_path_factory.mktemp("dicts"))


@pytest.fixture
def app_tokens(tmp_path, gate):
    app, tokens = make_app(tmp_path / "svc.db", gate)
    dictionary_admin.init_app(app)  # idempotent: a no-op once create_app registers it
    return app, tokens


@pytest.fixture
def client(app_tokens):
    return app_tokens[0].test_client()


@pytest.fixture
def auth(app_tokens):
    return lambda name: {"Authorization": f"Bearer {app_tokens[1][name]}"}


def url(key: str, suffix: str = "") -> str:
    return f"/api/v1/dictionary/entries/{quote(key, safe='')}{suffix}"


def flagged(client, auth, text: str) -> bool:
    report = client.post("/api/v1/check", json={"body": text, "format": "text"}, headers=auth("editor")).get_json()
    return any(f.get("entry") == NAME or f["text"] == NAME for f in report["findings"])


def test_admin_adds_entry_next_check_flags_it_and_retire_restores_pass(client, auth):
    assert not flagged(client, auth, f"会议由{NAME}主持。")
    r = client.post("/api/v1/dictionary/entries", json={"entry": ENTRY, "reason": "新任领导"}, headers=auth("admin"))
    assert r.status_code == 201, r.get_json()
    key = r.get_json()["key"]
    assert flagged(client, auth, f"会议由{NAME}主持。")
    r = client.post(url(key, "/retire"), json={"reason": "调离", "expected_revision": 1}, headers=auth("admin"))
    assert r.status_code == 200 and r.get_json()["status"] == "retired"
    assert not flagged(client, auth, f"会议由{NAME}主持。")
    actions = [e["action"] for e in client.get("/api/v1/audit", headers=auth("admin")).get_json()["items"]]
    assert actions.count("dictionary.create") == 1 and actions.count("dictionary.retire") == 1
    history = client.get(url(key), headers=auth("editor")).get_json()["history"]
    assert [h["op"] for h in history] == ["create", "retire"]


def test_readers_read_only_admins_write(client, auth):
    for who in ("editor", "first", "inspector"):
        assert client.get("/api/v1/dictionary/entries?layer=shipped", headers=auth(who)).status_code == 200
        r = client.post("/api/v1/dictionary/entries", json={"entry": ENTRY, "reason": "x"}, headers=auth(who))
        assert r.status_code == 403
    assert client.get("/api/v1/dictionary/entries").status_code == 401


def test_stale_edit_is_a_409_and_refused_entry_a_422(client, auth):
    key = client.post("/api/v1/dictionary/entries", json={"entry": ENTRY, "reason": "x"},
                      headers=auth("admin")).get_json()["key"]
    first = client.put(url(key), json={"entry": {**ENTRY, "severity": "warn"}, "reason": "a", "expected_revision": 1},
                       headers=auth("admin"))
    assert first.status_code == 200 and first.get_json()["revision"] == 2
    second = client.put(url(key), json={"entry": {**ENTRY, "severity": "info"}, "reason": "b", "expected_revision": 1},
                        headers=auth("admin"))
    assert second.status_code == 409
    problem = second.get_json()
    assert problem["current"]["revision"] == 2 and "他人修改" in problem["title"]
    bad = client.post("/api/v1/dictionary/entries", json={"entry": {"category": "banned_expression", "match": "交通"},
                                                          "reason": "x"}, headers=auth("admin"))
    assert bad.status_code == 422 and "参照句" in bad.get_json()["detail"]
    check = client.post("/api/v1/dictionary/validate", json={"entry": {"category": "banned_expression", "match": "交通"}},
                        headers=auth("editor")).get_json()
    assert check["ok"] is False and "参照句" in check["reason"]


def test_import_preview_apply_and_export(client, auth):
    csv_text = "错误表述,建议改为,类别,级别\n龘靐齉,甲,禁用词、慎用词、不当用语,警告\n交通,,禁用词、慎用词、不当用语,警告\n"
    r = client.post("/api/v1/dictionary/import?filename=list.csv&rule=site.province", data=csv_text.encode("utf-8"),
                    headers=auth("admin"))
    preview = r.get_json()
    assert not preview["applied"] and preview["counts"]["created"] == 1 and preview["errors"][0]["row"] == 3
    r = client.post("/api/v1/dictionary/import?filename=list.csv&rule=site.province&apply=1&reason=省清单",
                    data=csv_text.encode("utf-8"), headers=auth("admin"))
    assert r.get_json()["applied"] and r.get_json()["counts"]["created"] == 1
    again = client.post("/api/v1/dictionary/import?filename=list.csv&rule=site.province&apply=1&reason=again",
                        data={"file": (io.BytesIO(csv_text.encode()), "list.csv")}, headers=auth("admin"),
                        content_type="multipart/form-data")
    assert again.get_json()["counts"]["unchanged"] == 1 and again.get_json()["dict_version"] is None
    exported = client.get("/api/v1/dictionary/export?format=csv", headers=auth("editor"))
    assert exported.status_code == 200 and "龘靐齉" in exported.get_data(as_text=True)
    zipped = client.get("/api/v1/dictionary/export?format=zip", headers=auth("editor"))
    assert zipped.headers["Content-Type"] == "application/zip"
    assert client.post("/api/v1/dictionary/import?filename=list.csv&apply=1&reason=x", data=csv_text.encode(),
                       headers=auth("editor")).status_code == 403


def test_versions_snapshot_and_ruleset_explanation(client, auth):
    client.post("/api/v1/dictionary/entries", json={"entry": ENTRY, "reason": "x"}, headers=auth("admin"))
    report = client.post("/api/v1/check", json={"body": f"会议由{NAME}主持。"}, headers=auth("editor")).get_json()
    explained = client.get(f"/api/v1/dictionary/rulesets/{report['ruleset']}", headers=auth("inspector")).get_json()
    assert explained["dict_version"] == 1
    snap = client.get("/api/v1/dictionary/versions/1", headers=auth("inspector")).get_json()
    assert snap["verified"] and snap["entries"][0]["id"] == NAME
    assert client.get("/api/v1/dictionary/versions", headers=auth("editor")).get_json()["current"] == 1


def test_disable_shipped_entry_over_http(client, auth):
    from pubgate.service.testing import WARN_WORD

    def warned():
        report = client.post("/api/v1/check", json={"body": f"形势{WARN_WORD}。"}, headers=auth("editor")).get_json()
        return any(f["text"] == WARN_WORD for f in report["findings"])

    assert warned()
    key = f"servicetest.caution#{WARN_WORD}"
    r = client.post(f"/api/v1/dictionary/shipped/{quote(key, safe='')}/disable", json={"reason": "本站不适用"},
                    headers=auth("admin"))
    assert r.status_code == 200, r.get_json()
    assert not warned()
    shipped = client.get(f"/api/v1/dictionary/entries?q={quote(WARN_WORD)}&layer=shipped",
                         headers=auth("editor")).get_json()
    assert shipped["items"][0]["status"] == "disabled"


def test_dry_run_over_recent_submissions(client, auth):
    r = client.post("/api/v1/submissions", json={"draft": {"title": "通知", "body": f"经研究，{NAME}同志任局长。",
                                                           "format": "text"}}, headers=auth("editor"))
    assert r.status_code in (200, 201), r.get_json()
    result = client.post("/api/v1/dictionary/dry-run", json={"entry": ENTRY, "days": 7}, headers=auth("admin")).get_json()
    assert result["submissions_hit"] == 1 and result["hits"][0]["text"] == NAME
    assert result["hits"][0]["before"].endswith("经研究，")


def test_pages_render_for_readers_and_admins(app_tokens):
    app, _ = app_tokens
    client = app.test_client()
    page = client.get("/dictionary/")
    assert page.status_code == 302  # login first
    with client.session_transaction() as session:
        from pubgate.accounts import get_user
        from pubgate.migrations import open_db
        from pubgate.sessions import open_session

        db = open_db(app.config["DATABASE"])
        session["sid"] = open_session(db, get_user(db, name="editor").id)  # sessions are server-side
        db.close()
    page = client.get("/dictionary/?layer=shipped")
    assert page.status_code == 200 and "词库管理" in page.get_data(as_text=True)
    assert client.get("/dictionary/new").status_code == 403
    assert client.get("/dictionary/history").status_code == 200
