"""The editor widget (service/static/pubgate-widget.js) in headless Chromium, on a plain textarea,
a contenteditable div and a TinyMCE editor (the copy bundled in django-tinymce: no CDN, offline).

The test page is served from another loopback origin than pubgate, so the check goes through
CORS (``CORS_ORIGINS``). Under CI (``CI=true``) missing pieces fail instead of skipping.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path

import pytest

from pubgate.service.testing import BLOCK_FIX, BLOCK_WORD, WARN_WORD, ServerThread, fixture_gate, make_app

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("PUBGATE_SCREENSHOTS", "/tmp"))

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>某 CMS 编辑页</title>
<script src="/tinymce/tinymce.min.js"></script>
<script src="{gate}/static/pubgate-widget.js" defer></script>
</head><body>
<form id="form" onsubmit="return false">
<h2>纯文本框</h2>
<textarea id="ta" data-pubgate rows="4" cols="60">这是{warn}的{block}网站。
第二行也提到{block}。</textarea>
<h2>contenteditable</h2>
<div id="ce" contenteditable="true" data-pubgate style="border:1px solid #999;padding:4px">
<p>市{block}召开会议。</p><p>本市服务<b>{warn}</b>。</p></div>
<h2>TinyMCE</h2>
<textarea id="tiny" data-pubgate><p>{block}信息公开专栏</p><p>{warn}的服务</p></textarea>
</form>
<script>
tinymce.init({{selector: "#tiny", license_key: "gpl", menubar: false, promotion: false, branding: false,
  height: 200, plugins: []}});
</script>
</body></html>
"""


def _tinymce_dir() -> Path:
    try:
        import tinymce
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("django-tinymce 未安装（pip install -e '.[test]'）")
        pytest.skip("django-tinymce 未安装")
    return Path(tinymce.__file__).parent / "static" / "tinymce"


class _Static:
    """A static file server on a free loopback port (the 'CMS' origin)."""

    def __init__(self, root: Path):
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def cms(tmp_path_factory):
    tinymce_dir = _tinymce_dir()
    root = tmp_path_factory.mktemp("widget")
    site_root = root / "cms"
    site_root.mkdir()
    (site_root / "tinymce").symlink_to(tinymce_dir)
    static = _Static(site_root)
    app, _ = make_app(root / "pubgate.db", fixture_gate(root / "dicts"), users=[], CORS_ORIGINS=[static.url])
    with ServerThread(app) as gate:
        (site_root / "index.html").write_text(
            PAGE.format(gate=gate.url, warn=WARN_WORD, block=BLOCK_WORD), encoding="utf-8")
        yield {"page": f"{static.url}/index.html", "gate": gate.url}
    static.close()


@pytest.fixture
def page(browser, cms):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1000, "height": 1200})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    errors = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.goto(cms["page"])
    tab.wait_for_function("window.PubgateWidget && tinymce.get('tiny') && tinymce.get('tiny').initialized")
    yield tab
    assert not errors, errors
    context.close()


def _check(page, element_id: str):
    panel = page.locator(f".pubgate-panel[data-pubgate-for={element_id}]")
    panel.locator("button.pubgate-check").click()
    panel.locator(".pubgate-list li").first.wait_for()
    return panel


def test_textarea_highlights_and_accept(page):
    panel = _check(page, "ta")
    marks = page.locator(".pubgate-backdrop mark.pubgate-mark")
    assert sorted(marks.all_inner_texts()) == sorted([WARN_WORD, BLOCK_WORD, BLOCK_WORD])
    assert page.locator(".pubgate-backdrop mark[data-severity=block]").count() == 2
    # The backdrop lines up with the textarea: the first mark sits inside its box.
    box, mark = page.locator("#ta").bounding_box(), marks.first.bounding_box()
    assert box["x"] <= mark["x"] <= box["x"] + box["width"] and box["y"] <= mark["y"] <= box["y"] + box["height"]
    page.screenshot(path=str(SHOTS / "pubgate-widget-textarea.png"))
    first_block = panel.locator("li[data-severity=block]").first
    assert "严重表述错误" in first_block.inner_text()
    first_block.locator("button:has-text('采纳')").click()
    value = page.locator("#ta").input_value()
    assert value.startswith(f"这是{WARN_WORD}的{BLOCK_FIX}网站。")
    assert BLOCK_WORD in value  # only the accepted one changed; the second still highlighted
    assert page.locator(".pubgate-backdrop mark.pubgate-mark").all_inner_texts().count(BLOCK_WORD) == 1
    # 采纳 on the later finding still hits the right place after the text before it changed length.
    panel.locator("li[data-severity=block] button:has-text('采纳')").first.click()
    assert BLOCK_WORD not in page.locator("#ta").input_value()
    panel.locator("li[data-severity=warn] button:has-text('忽略')").click()
    assert page.locator(".pubgate-backdrop mark.pubgate-mark").count() == 0
    assert WARN_WORD in page.locator("#ta").input_value()


def test_contenteditable_highlights_and_accept(page):
    panel = _check(page, "ce")
    marks = page.locator("#ce mark.pubgate-mark")
    assert sorted(marks.all_inner_texts()) == sorted([WARN_WORD, BLOCK_WORD])
    page.screenshot(path=str(SHOTS / "pubgate-widget-contenteditable.png"))
    panel.locator("li[data-severity=block] button:has-text('采纳')").click()
    assert page.locator("#ce p").first.inner_text() == f"市{BLOCK_FIX}召开会议。"
    panel.locator("li[data-severity=warn] button:has-text('忽略')").click()
    assert page.locator("#ce mark").count() == 0
    assert page.locator("#ce b").inner_text() == WARN_WORD  # ignoring leaves the markup as it was


def test_tinymce_highlights_and_accept(page):
    panel = _check(page, "tiny")
    frame = page.frame_locator("#tiny_ifr")
    marks = frame.locator("mark.pubgate-mark")
    assert sorted(marks.all_inner_texts()) == sorted([WARN_WORD, BLOCK_WORD])
    page.screenshot(path=str(SHOTS / "pubgate-widget-tinymce.png"))
    panel.locator("li[data-severity=block] button:has-text('采纳')").click()
    content = page.evaluate("tinymce.get('tiny').getContent()")
    assert f"{BLOCK_FIX}信息公开专栏" in content and BLOCK_WORD not in content
    assert "<mark" not in content  # highlights never reach the saved content
    assert f"{BLOCK_FIX}信息公开专栏" in page.locator("#tiny").input_value()  # written back to the form


def test_cors_is_off_unless_configured(tmp_path):
    app, _ = make_app(tmp_path / "p.db", fixture_gate(tmp_path / "d"), users=[])
    client = app.test_client()
    answer = client.post("/api/v1/check", json={"body": "x"}, headers={"Origin": "http://cms.example"})
    assert "Access-Control-Allow-Origin" not in answer.headers
    app, _ = make_app(tmp_path / "q.db", fixture_gate(tmp_path / "e"), users=[], CORS_ORIGINS="http://cms.example")
    client = app.test_client()
    preflight = client.options("/api/v1/check", headers={
        "Origin": "http://cms.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.headers.get("Access-Control-Allow-Origin") == "http://cms.example"
    other = client.post("/api/v1/check", json={"body": "x"}, headers={"Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    assert client.options("/api/v1/submissions", headers={
        "Origin": "http://cms.example", "Access-Control-Request-Method": "POST"}).headers.get(
        "Access-Control-Allow-Origin") is None  # only the check is opened
