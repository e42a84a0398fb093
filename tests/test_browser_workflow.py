"""End to end in real headless Chromium (Debian's /usr/bin/chromium, no browser download)
against the app in a real server thread on loopback with a temporary SQLite file."""

from __future__ import annotations

import os

import pytest

from pubgate.service.testing import BROWSER_ARGS, WARN_WORD, ServerThread, fixture_gate, http, make_app

CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium not installed (/usr/bin/chromium)"),
]

BODY = (f"各乡镇人民政府，县直各单位：\n今年以来全县安全生产形势{WARN_WORD}，"
        "现就做好节前安全检查工作通知如下。\n一、压实责任。各单位主要负责人要亲自部署。")


@pytest.fixture(scope="module")
def gate(tmp_path_factory):
    return fixture_gate(tmp_path_factory.mktemp("dicts"))


@pytest.fixture
def server(tmp_path, gate):
    app, tokens = make_app(tmp_path / "browser.db", gate)
    with ServerThread(app) as srv:
        srv.tokens = tokens
        yield srv


def submit_draft(page, server, body=BODY, title="关于做好节前安全检查工作的通知", ack=True):
    page.goto(f"{server.url}/submit")
    page.fill("input[name=title]", title)
    page.fill("input[name=unit]", "某某县应急管理局")
    page.fill("textarea[name=body]", body)
    page.click("button[value=check]")
    if ack:
        for box in page.locator("input[name=acknowledge]").all():
            box.check()
    page.click("button[value=submit]")
    page.wait_for_url("**/submissions/*")
    return page.url.rsplit("/", 1)[1]


def review(page, server, sid, decision="approve", opinion="同意"):
    page.goto(f"{server.url}/submissions/{sid}")
    page.fill("#decision-form textarea[name=opinion]", opinion)
    page.click(f"#decision-form button[value={decision}]")
    page.wait_for_load_state()


def test_three_reviewers_approve_in_turn_and_the_publish_gate_allows(server, open_as):
    editor = open_as("editor")
    sid = submit_draft(editor, server)
    # The editor sees the warning beside the text in the editor, with its suggestion.
    findings = editor.locator("#editor-findings ol.findings").inner_text()
    assert WARN_WORD in findings and "最好" in findings and "拟稿人已确认" in findings
    for user, stage in (("first", "初审"), ("second", "复审"), ("final", "终审")):
        page = open_as(user)
        page.goto(f"{server.url}/queue")
        assert stage in page.locator("main").inner_text()
        review(page, server, sid, opinion=f"{stage}同意")
    editor.goto(f"{server.url}/submissions/{sid}")
    assert "审核通过" in editor.locator("#status").inner_text()
    status, _, detail = http("GET", f"{server.url}/api/v1/submissions/{sid}", token=server.tokens["editor"])
    status, _, result = http("POST", f"{server.url}/api/v1/submissions/{sid}/publish", token=server.tokens["editor"],
                             body={"content_sha256": detail["content_sha256"], "url": "https://www.example.gov.cn/1.html"})
    assert status == 200 and result["allowed"] is True
    inspector = open_as("inspector")
    inspector.goto(f"{server.url}/submissions/{sid}/sheet")
    sheet = inspector.locator("article.sheet").inner_text()
    for text in ("初审同意", "复审同意", "终审同意", "科室负责人", "与批准版本一致", "审计链完整"):
        assert text in sheet


def test_reject_and_resubmit_shows_the_diff_to_the_reviewer(server, open_as):
    editor = open_as("editor")
    sid = submit_draft(editor, server)
    review(open_as("first"), server, sid)
    second = open_as("second")
    review(second, server, sid, "reject", "“形势”表述不当，请修改")
    editor.goto(f"{server.url}/submissions/{sid}")
    assert "已退回" in editor.locator("#status").inner_text()
    assert "表述不当" in editor.locator("#trail").inner_text()
    assert "表述不当" in editor.locator("#return-reason").inner_text()  # at the top, not only in the trail
    editor.fill("#editor-form textarea[name=body]", BODY.replace(WARN_WORD, "总体平稳"))
    with editor.expect_navigation():  # the editor re-checks the edited text, then posts the form
        editor.click("#editor-form button:has-text('提交新版本')")
    assert "审核中" in editor.locator("#status").inner_text()
    # Back to 初审 for the new version; the first reviewer sees what changed since their review.
    first = open_as("first")
    first.goto(f"{server.url}/submissions/{sid}")
    assert "初审" in first.locator("#current-stage").inner_text()
    assert first.locator("#diff del").first.inner_text() == WARN_WORD
    assert "总体平稳" in first.locator("#diff ins").first.inner_text() or \
        "总体平稳" in first.locator("#diff").inner_text()
    assert "您上次审核的" in first.locator("#diff summary").inner_text()


def test_script_and_onerror_payloads_never_run_in_the_reviewer_page(server, open_as):
    payload = ('<p>正文第一段</p><script>window.__pwned = "script"; alert("script")</script>'
               '<img src="/nope.png" onerror="window.__pwned = \'onerror\'; alert(\'onerror\')">'
               '<p onclick="alert(3)">第二段</p><a href="javascript:alert(4)">链接</a>')
    status, _, body = http("POST", f"{server.url}/api/v1/submissions", token=server.tokens["editor"],
                           body={"draft": {"title": "<img src=x onerror=alert(5)>标题", "body": payload,
                                           "format": "html"}})
    assert status == 201
    page = open_as("first")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{server.url}/submissions/{body['id']}")
    page.locator("details:has(#preview) summary").click()  # render the sanitised preview too
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.__pwned === undefined")
    assert dialogs == []
    assert page.locator("#preview script, #preview img[onerror], #preview [onclick]").count() == 0
    assert page.locator("#preview a[href^='javascript']").count() == 0
    assert "第二段" in page.locator("#preview").inner_text()


def test_a_form_posted_without_its_csrf_token_is_refused(server, open_as):
    editor = open_as("editor")
    editor.goto(f"{server.url}/submit")
    editor.fill("input[name=title]", "通知")
    editor.fill("textarea[name=body]", "正文")
    editor.evaluate("() => document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove())")
    editor.click("button[value=submit]")
    editor.wait_for_load_state()
    assert "CSRF" in editor.locator("main").inner_text()
    status, _, items = http("GET", f"{server.url}/api/v1/submissions", token=server.tokens["admin"])
    assert items["items"] == []
