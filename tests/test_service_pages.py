"""The pages through Flask's test client: login, CSRF, escaping, the 审核单."""

from __future__ import annotations

import re

import pytest

from pubgate.service.testing import WARN_WORD, fixture_gate, make_app

XSS_BODY = ('<p>通知正文</p><script>window.__pwned = 1</script>'
            '<img src="x" onerror="window.__pwned = 2"><p>联系人：办公室</p>')


@pytest.fixture(scope="module")
def gate(tmp_path_factory):
    return fixture_gate(tmp_path_factory.mktemp("dicts"))


@pytest.fixture
def app_tokens(tmp_path, gate):
    return make_app(tmp_path / "pages.db", gate)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client, name):
    token = csrf_of(client.get("/login").get_data(as_text=True))
    resp = client.post("/login", data={"name": name, "password": f"{name}-password", "csrf_token": token})
    assert resp.status_code == 302, resp.get_data(as_text=True)


def test_login_requires_the_right_password(app_tokens):
    c = app_tokens[0].test_client()
    token = csrf_of(c.get("/login").get_data(as_text=True))
    resp = c.post("/login", data={"name": "editor", "password": "wrong", "csrf_token": token})
    assert resp.status_code == 401 and "用户名或密码错误" in resp.get_data(as_text=True)
    assert c.get("/mine").status_code == 302


def test_a_form_without_its_csrf_token_is_refused(app_tokens):
    c = app_tokens[0].test_client()
    login(c, "editor")
    resp = c.post("/submit", data={"title": "通知", "body": "正文", "action": "submit"})
    assert resp.status_code == 403 and "CSRF" in resp.get_data(as_text=True)
    resp = c.post("/login", data={"name": "editor", "password": "editor-password"})
    assert resp.status_code == 403


def test_submit_page_checks_then_submits(app_tokens):
    c = app_tokens[0].test_client()
    login(c, "editor")
    token = csrf_of(c.get("/submit").get_data(as_text=True))
    form = {"title": "关于开展安全检查的通知", "body": f"全县{WARN_WORD}的做法", "channel": "website",
            "doc_type": "notice", "csrf_token": token}
    checked = c.post("/submit", data={**form, "action": "check"}).get_data(as_text=True)
    assert 'class="sev-warn"' in checked and "建议改为" in checked and "最好" in checked
    resp = c.post("/submit", data={**form, "action": "submit"})
    assert resp.status_code == 302
    detail = c.get(resp.headers["Location"]).get_data(as_text=True)
    assert "审核中" in detail and "初审" in detail


def test_draft_html_is_escaped_or_sanitised_on_the_reviewer_page(app_tokens):
    app, tokens = app_tokens
    api = app.test_client()
    resp = api.post("/api/v1/submissions", json={"draft": {"title": "<b>标题</b><script>x()</script>",
                                                           "body": XSS_BODY, "format": "html"}},
                    headers={"Authorization": f"Bearer {tokens['editor']}"})
    sid = resp.get_json()["id"]
    c = app.test_client()
    login(c, "first")
    html = c.get(f"/submissions/{sid}").get_data(as_text=True)
    assert "<script>window" not in html and 'onerror="' not in html and "<script>x()" not in html
    assert "window.__pwned = 1" not in html  # nh3 drops script content; plain text never had it
    assert "&lt;b&gt;" not in html or "<b>标题</b>" not in html


def test_reviewer_decides_on_the_page_and_the_sheet_shows_it(app_tokens):
    app, tokens = app_tokens
    api = app.test_client()
    sub = api.post("/api/v1/submissions", json={"draft": {"title": "通知", "body": f"{WARN_WORD}的做法"}},
                   headers={"Authorization": f"Bearer {tokens['editor']}"}).get_json()
    c = app.test_client()
    login(c, "first")
    page = c.get(f"/submissions/{sub['id']}").get_data(as_text=True)
    resp = c.post(f"/submissions/{sub['id']}/decide", data={
        "csrf_token": csrf_of(page), "stage": "first", "decision": "reject", "opinion": "",
        "content_sha256": sub["content_sha256"]}, follow_redirects=True)
    assert "必须填写审核意见" in resp.get_data(as_text=True)
    resp = c.post(f"/submissions/{sub['id']}/decide", data={
        "csrf_token": csrf_of(page), "stage": "first", "decision": "approve", "opinion": "同意",
        "content_sha256": sub["content_sha256"]})
    assert resp.status_code == 302
    inspector = app.test_client()
    login(inspector, "inspector")
    sheet = inspector.get(f"/submissions/{sub['id']}/sheet").get_data(as_text=True)
    assert "信息发布审核单" in sheet and "科员" in sheet and "同意" in sheet and "审计链完整" in sheet
    export = inspector.get(f"/api/v1/audit/export?submission={sub['id']}&format=csv")
    assert export.status_code == 200 and "review.approve" in export.get_data(as_text=True)


def test_admin_manages_users_and_workflows(app_tokens):
    app, _ = app_tokens
    c = app.test_client()
    login(c, "admin")
    page = c.get("/admin/users").get_data(as_text=True)
    resp = c.post("/admin/users", data={"csrf_token": csrf_of(page), "name": "zhaoliu", "role": "reviewer",
                                        "password": "long-enough", "title": "科室负责人"}, follow_redirects=True)
    assert "已创建用户 zhaoliu" in resp.get_data(as_text=True)
    page = c.get("/admin/workflows").get_data(as_text=True)
    assert "保密审查" in page
    resp = c.post("/admin/workflows", data={"csrf_token": csrf_of(page), "config": "{bad"}, follow_redirects=True)
    assert "JSON 格式错误" in resp.get_data(as_text=True)
    editor = app.test_client()
    login(editor, "editor")
    assert editor.get("/admin/users").status_code == 403
