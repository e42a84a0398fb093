"""The HTTP layer: /check, problem+json errors, OpenAPI, signatures, idempotency, tokens."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from pubgate.service import signing
from pubgate.service.testing import BLOCK_WORD, WARN_WORD, fixture_gate, make_app

SECRET = "whsec_" + "c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seQ=="


@pytest.fixture(scope="module")
def gate(tmp_path_factory):
    return fixture_gate(tmp_path_factory.mktemp("dicts"))


@pytest.fixture
def app_tokens(tmp_path, gate):
    return make_app(tmp_path / "svc.db", gate, MAX_CONTENT_LENGTH=64 * 1024, SIGNING_SECRETS=[SECRET])


@pytest.fixture
def client(app_tokens):
    return app_tokens[0].test_client()


@pytest.fixture
def auth(app_tokens):
    tokens = app_tokens[1]
    return lambda name: {"Authorization": f"Bearer {tokens[name]}"}


def events(client, auth, action=None):
    items = client.get("/api/v1/audit", headers=auth("admin")).get_json()["items"]
    return [e for e in items if action is None or e["action"] == action]


def assert_problem(resp, status):
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.content_type.startswith("application/problem+json")
    body = resp.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    # Chinese text for people: at least one CJK character in title or detail.
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["title"] + body["detail"])
    return body


# -- /check ---------------------------------------------------------------------------------------

def test_check_returns_the_contract_report_and_writes_one_event(client, auth):
    """A check by a known caller (a token) is audited; anonymous checks are only counted per day."""
    resp = client.post("/api/v1/check", json={"id": "cms-1", "body": f"全县{WARN_WORD}的服务"},
                       headers=auth("editor"))
    assert resp.status_code == 200
    report = resp.get_json()
    assert report["id"] == "cms-1" and report["verdict"] == "warn"
    assert report["findings"][0]["text"] == WARN_WORD and report["findings"][0]["suggestion"] == "最好"
    assert set(report) >= {"content_sha256", "ruleset", "elapsed_ms", "audit"}
    runs = events(client, auth, "check.run")
    assert len(runs) == 1 and runs[0]["seq"] == report["audit"]["seq"]
    # Stateless: the event keeps rule and position but not the checked text.
    assert "text" not in runs[0]["payload"]["findings"][0]


def test_check_is_open_by_default_and_can_require_a_token(tmp_path, gate):
    app, tokens = make_app(tmp_path / "t.db", gate, CHECK_REQUIRES_TOKEN=True)
    c = app.test_client()
    assert_problem(c.post("/api/v1/check", json={"body": "正文"}), 401)
    ok = c.post("/api/v1/check", json={"body": "正文"}, headers={"Authorization": f"Bearer {tokens['editor']}"})
    assert ok.status_code == 200


def test_check_with_a_publish_stage(client):
    assert client.post("/api/v1/check?stage=publish", json={"body": "正文"}).status_code == 200
    assert_problem(client.post("/api/v1/check?stage=later", json={"body": "正文"}), 400)


@pytest.mark.parametrize("raw", [b"{not json", b"\xff\xfe", b"[1, 2]", b'"body"'])
def test_malformed_json_is_a_400_problem_and_nothing_is_stored(client, auth, raw):
    resp = client.post("/api/v1/check", data=raw, content_type="application/json")
    assert_problem(resp, 400)
    assert events(client, auth, "check.run") == []


@pytest.mark.parametrize("draft, field", [({"title": "x"}, "body"), ({"body": 5}, "body"),
                                          ({"body": "x", "channel": "tv"}, "channel"),
                                          ({"body": "x", "related": "none"}, "related")])
def test_wrong_types_name_the_field(client, draft, field):
    body = assert_problem(client.post("/api/v1/check", json=draft), 400)
    assert body["field"] == field


def test_a_body_over_the_limit_is_413(client, auth):
    big = {"body": "政" * 70_000}
    assert_problem(client.post("/api/v1/check", json=big), 413)
    assert_problem(client.post("/api/v1/submissions", json={"draft": big}, headers=auth("editor")), 413)
    assert client.get("/api/v1/submissions", headers=auth("admin")).get_json()["items"] == []


def test_unknown_routes_and_submissions_are_404_problems(client, auth):
    assert_problem(client.get("/api/v1/nothing-here"), 404)
    assert_problem(client.get("/api/v1/submissions/S-nope", headers=auth("admin")), 404)
    resp = client.post("/api/v1/submissions/S-nope/decisions", headers=auth("first"),
                       json={"stage": "first", "decision": "approve", "content_sha256": "0" * 64})
    assert_problem(resp, 404)


def test_workflow_routes_need_a_token(client):
    assert_problem(client.get("/api/v1/submissions"), 401)
    assert_problem(client.get("/api/v1/queue", headers={"Authorization": "Bearer pg_wrong"}), 401)
    assert_problem(client.get("/api/v1/queue", headers={"Authorization": "Basic abc"}), 401)


def test_admin_routes_refuse_other_roles(client, auth):
    assert_problem(client.get("/api/v1/users", headers=auth("editor")), 403)
    assert_problem(client.get("/api/v1/audit", headers=auth("editor")), 403)
    assert client.get("/api/v1/users", headers=auth("admin")).status_code == 200


def test_health_lists_ruleset_and_notices(client, gate):
    body = client.get("/api/v1/health").get_json()
    assert body["status"] == "ok" and body["ruleset"] == gate.ruleset
    assert isinstance(body["notices"], list) and body["checks"] == len(gate.checks)


# -- OpenAPI --------------------------------------------------------------------------------------

def test_openapi_document_is_valid_and_covers_every_api_route(app_tokens):
    from openapi_spec_validator import validate

    app = app_tokens[0]
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    validate(doc)
    assert doc["openapi"].startswith("3.1")
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):  # this blueprint; others document their own
            continue
        path = rule.rule.replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, f"{method} {path} missing from OpenAPI"


# -- signatures -----------------------------------------------------------------------------------

def _signed(body: dict, secret=SECRET, webhook_id=None, ts=None):
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers = signing.signature_headers(secret, webhook_id or f"msg_{uuid.uuid4().hex}", raw, ts)
    return raw, headers


def test_a_correctly_signed_request_passes(client):
    raw, headers = _signed({"body": "关于做好防汛工作的通知"})
    assert client.post("/api/v1/check", data=raw, headers=headers, content_type="application/json").status_code == 200


def test_a_badly_signed_request_is_refused(client, auth):
    raw, headers = _signed({"body": "正文"}, secret="whsec_" + "b3RoZXI=")
    assert_problem(client.post("/api/v1/check", data=raw, headers=headers, content_type="application/json"), 401)
    raw, headers = _signed({"body": "正文"})
    tampered = raw.replace("正文".encode(), "改文".encode())
    assert_problem(client.post("/api/v1/check", data=tampered, headers=headers,
                               content_type="application/json"), 401)
    assert events(client, auth, "check.run") == []


def test_a_replayed_request_is_refused(client):
    raw, headers = _signed({"body": "正文"})
    first = client.post("/api/v1/check", data=raw, headers=headers, content_type="application/json")
    again = client.post("/api/v1/check", data=raw, headers=headers, content_type="application/json")
    assert first.status_code == 200
    assert "重放" in assert_problem(again, 401)["detail"]


def test_a_stale_timestamp_is_refused(client):
    raw, headers = _signed({"body": "正文"}, ts=int(time.time()) - 301)
    assert_problem(client.post("/api/v1/check", data=raw, headers=headers, content_type="application/json"), 401)
    raw, headers = _signed({"body": "正文"}, ts=int(time.time()) - 200)
    assert client.post("/api/v1/check", data=raw, headers=headers, content_type="application/json").status_code == 200


def test_signatures_can_be_required(tmp_path, gate):
    app, _ = make_app(tmp_path / "s.db", gate, users=[], REQUIRE_SIGNATURE=True, SIGNING_SECRETS=[SECRET, "old"])
    c = app.test_client()
    assert_problem(c.post("/api/v1/check", json={"body": "正文"}), 401)
    raw, headers = _signed({"body": "正文"}, secret="old")  # rotation: the old secret still works
    assert c.post("/api/v1/check", data=raw, headers=headers, content_type="application/json").status_code == 200


def test_sign_and_verify_round_trip():
    raw = "正文".encode()
    headers = signing.signature_headers("k", "msg_1", raw, 1_700_000_000)
    assert signing.verify(["k"], headers, raw, now=1_700_000_100) == "msg_1"
    with pytest.raises(signing.SignatureError):
        signing.verify(["k"], headers, raw + b" ", now=1_700_000_100)


# -- idempotency ----------------------------------------------------------------------------------

def test_an_idempotency_key_retry_returns_the_same_answer_and_one_event(client, auth):
    key = {"Idempotency-Key": str(uuid.uuid4())}
    draft = {"draft": {"title": "关于开展安全检查的通知", "body": f"各单位：{WARN_WORD}的做法。"}}
    first = client.post("/api/v1/submissions", json=draft, headers={**auth("editor"), **key})
    second = client.post("/api/v1/submissions", json=draft, headers={**auth("editor"), **key})
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert len(client.get("/api/v1/submissions", headers=auth("editor")).get_json()["items"]) == 1
    assert len(events(client, auth, "submission.create")) == 1


def test_an_idempotent_check_writes_one_event(client, auth):
    key = {"Idempotency-Key": "check-1"}
    a = client.post("/api/v1/check", json={"body": "正文"}, headers={**key, **auth("editor")}).get_json()
    b = client.post("/api/v1/check", json={"body": "正文"}, headers={**key, **auth("editor")}).get_json()
    assert a == b and len(events(client, auth, "check.run")) == 1


def test_an_idempotency_key_reused_with_another_payload_is_422(client, auth):
    key = {"Idempotency-Key": "k-2"}
    client.post("/api/v1/check", json={"body": "正文一"}, headers=key)
    assert_problem(client.post("/api/v1/check", json={"body": "正文二"}, headers=key), 422)


def test_a_key_still_in_progress_is_409_and_executes_nothing(app_tokens, client, auth):
    from pubgate.migrations import open_db

    db = open_db(app_tokens[0].config["DATABASE"])
    from pubgate import audit

    # a fresh reservation (reservations left by a crashed request expire after some minutes)
    db.conn.execute("INSERT INTO idempotency (key, fingerprint, status, body, content_type, created_at) "
                    "VALUES ('anon:busy', 'x', 0, '', '', ?)", [audit.now_cst()])
    db.conn.commit()
    db.close()
    assert_problem(client.post("/api/v1/check", json={"body": "正文"}, headers={"Idempotency-Key": "busy"}), 422)
    # Same fingerprint as the reservation: in progress.
    import hashlib

    fp = hashlib.sha256(b"POST /api/v1/check?\n" + json.dumps({"body": "正文"}).encode()).hexdigest()
    db = open_db(app_tokens[0].config["DATABASE"])
    db.conn.execute("UPDATE idempotency SET fingerprint = ? WHERE key = 'anon:busy'", [fp])
    db.conn.commit()
    db.close()
    resp = client.post("/api/v1/check", data=json.dumps({"body": "正文"}), content_type="application/json",
                       headers={"Idempotency-Key": "busy"})
    assert_problem(resp, 409)
    assert events(client, auth, "check.run") == []


def test_a_server_error_releases_the_key(app_tokens, client, auth, monkeypatch):
    from pubgate.service import api as api_module

    def broken():
        raise RuntimeError("gate exploded")

    monkeypatch.setattr(api_module, "get_gate", broken)
    assert_problem(client.post("/api/v1/check", json={"body": "正文"}, headers={"Idempotency-Key": "k-500"}), 500)
    monkeypatch.undo()
    assert client.post("/api/v1/check", json={"body": "正文"}, headers={"Idempotency-Key": "k-500"}).status_code == 200


def test_idempotent_refusals_are_replayed_too(client, auth):
    key = {"Idempotency-Key": "k-3", **auth("first")}
    body = {"stage": "first", "decision": "approve", "content_sha256": "0" * 64}
    a = client.post("/api/v1/submissions/S-none/decisions", json=body, headers=key)
    b = client.post("/api/v1/submissions/S-none/decisions", json=body, headers=key)
    assert a.status_code == b.status_code == 404 and a.get_json() == b.get_json()


# -- sessions on the API --------------------------------------------------------------------------

def test_session_callers_need_the_csrf_header_for_writes(client):
    page = client.get("/login")
    assert page.status_code == 200
    with client.session_transaction() as session:
        csrf = session["csrf"]
    resp = client.post("/login", data={"name": "editor", "password": "editor-password", "csrf_token": csrf})
    assert resp.status_code == 302
    with client.session_transaction() as session:
        csrf = session["csrf"]
    draft = {"draft": {"title": "通知", "body": "正文"}}
    assert_problem(client.post("/api/v1/submissions", json=draft), 403)
    assert client.post("/api/v1/submissions", json=draft, headers={"X-CSRF-Token": csrf}).status_code == 201
    assert client.get("/api/v1/submissions").status_code == 200


def test_security_headers_forbid_inline_script(client):
    csp = client.get("/login").headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_blocked_submission_problem_carries_the_report(client, auth):
    resp = client.post("/api/v1/submissions", headers=auth("editor"),
                       json={"draft": {"title": "工作报告", "body": f"县{BLOCK_WORD}工作报告"}})
    body = assert_problem(resp, 422)
    assert body["submission_id"] and body["blocking"][0]["text"] == BLOCK_WORD
    assert body["report"]["verdict"] == "block"
