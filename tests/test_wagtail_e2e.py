"""End to end: a real Wagtail site (tests/wagtail_site, SQLite) and a real pubgate service, each its
own process on a free loopback port, driven in headless Chromium.

An editor creates a page with defects and submits it → 「发布前检查」 shows the findings and blocks;
the editor fixes it → the task passes → the page is published; the page is changed after approval →
Publish is refused; an unapproved revision that was scheduled anyway is refused when the scheduler
runs. Under CI (``CI=true``) a missing Wagtail or browser fails the test instead of skipping it.
"""

from __future__ import annotations

import base64
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

SITE = Path(__file__).resolve().parent / "wagtail_site"
SHOTS = Path(os.environ.get("PUBGATE_SCREENSHOTS", "/tmp"))
DEFECTIVE = "习近乎同志强调，各部门要再接再励，做好政务公开工作。"
FIXED = "习近平同志强调，各部门要再接再厉，做好政务公开工作。"
CHANGED = "习近平同志强调，各部门要再接再厉，做好政务公开工作。本文发布后又作了修改。"


def _require(module: str) -> None:
    try:
        __import__(module)
    except ImportError:
        message = f"{module} 未安装（pip install -e '.[test]'）"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    if not Path("/usr/bin/chromium").exists():
        if os.environ.get("CI") == "true":
            pytest.fail("/usr/bin/chromium 不存在")
        pytest.skip("/usr/bin/chromium 不存在")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{url} 的进程已退出：\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # answering at all is enough
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} 未在 {timeout} 秒内就绪：\n{log.read_text(errors='replace')[-3000:]}")


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode("utf-8")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """pubgate (signatures required) and the Wagtail site, both real processes."""
    _require("wagtail")
    _require("playwright.sync_api")
    root = tmp_path_factory.mktemp("wagtail-e2e")
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    gate_port, site_port = _free_port(), _free_port()
    env = {**os.environ, "E2E_DATA_DIR": str(root), "PUBGATE_API_URL": f"http://127.0.0.1:{gate_port}",
           "PUBGATE_SIGNING_SECRET": secret, "PYTHONUNBUFFERED": "1",
           "DJANGO_SECRET_KEY": secrets.token_hex(32)}  # one for the site and its commands
    gate_env = {**os.environ, "PUBGATE_SIGNING_SECRETS": secret, "PUBGATE_REQUIRE_SIGNATURE": "true"}
    processes = []
    gate_log, site_log = root / "pubgate.log", root / "site.log"
    try:
        processes.append(subprocess.Popen(
            [sys.executable, "-c", "import sys; from pubgate.cli import main; sys.exit(main())", "serve",
             "--host", "127.0.0.1", "--port", str(gate_port), "--db", str(root / "pubgate.db"), "--workers", "1"],
            env=gate_env, stdout=gate_log.open("w"), stderr=subprocess.STDOUT))

        def manage(*args, check=True):
            return subprocess.run([sys.executable, "manage.py", *args], cwd=SITE, env=env, capture_output=True,
                                  text=True, timeout=180, check=check)

        manage("migrate", "-v0")  # meanwhile pubgate loads its dictionaries
        manage("e2e_setup")
        processes.append(subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{site_port}", "--noreload"],
            cwd=SITE, env=env, stdout=site_log.open("w"), stderr=subprocess.STDOUT))
        _wait_for(f"http://127.0.0.1:{gate_port}/api/v1/health", processes[0], gate_log)
        _wait_for(f"http://127.0.0.1:{site_port}/admin/login/", processes[1], site_log)
        yield {"site": f"http://127.0.0.1:{site_port}", "manage": manage, "site_log": site_log}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _editor(page, site: str):
    page.goto(f"{site}/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "editor-password")
    page.click("button[type=submit]")
    page.wait_for_url(f"{site}/admin/")


def _set_body(page, text: str) -> None:
    editor = page.locator(".public-DraftEditor-content")
    editor.click()
    editor.press("Control+a")
    editor.press("Backspace")
    page.keyboard.type(text)
    assert editor.inner_text().strip() == text
    # Draftail writes its hidden input on a timer: submit only once it holds the new text.
    page.wait_for_function("t => document.querySelector('input[name=body]').value.includes(t)", arg=text)


def _footer_action(page, name: str) -> None:
    page.click("footer .w-dropdown__toggle")
    with page.expect_navigation():
        page.click(f"footer button[name={name}]")


def test_wagtail_gate_end_to_end(stack, browser):
    site, manage = stack["site"], stack["manage"]
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(20_000)
    _editor(page, site)

    # 1. A new page with defects, submitted to the workflow: the task shows the findings and blocks.
    page.goto(f"{site}/admin/pages/add/news/newspage/2/")
    page.fill("#id_title", "关于做好政务公开工作的通知")
    _set_body(page, DEFECTIVE)
    page.get_by_role("tab", name="推荐").click()
    page.fill("#id_slug", "zwgk-notice")
    page.get_by_role("tab", name="内容").click()
    _footer_action(page, "action-submit")
    assert "/edit/" in page.url, page.url
    page_id = int(page.url.rstrip("/").split("/")[-2])
    findings = page.locator(".pubgate-findings")
    findings.wait_for()
    text = findings.inner_text()
    assert "发布前检查未通过" in text
    assert "严重表述错误" in text and "习近乎" in text and "习近平" in text  # category, span, suggestion
    assert page.locator(".pubgate-finding[data-severity=block]").count() >= 1
    page.screenshot(path=str(SHOTS / "pubgate-wagtail-1-blocked.png"))
    with pytest.raises(urllib.error.HTTPError):
        _get(f"{site}/zwgk-notice/")  # not live

    # The full report page lists each finding: category, span text, message, suggestion.
    page.click("a:has-text('查看完整检查结果')")
    rows = page.locator("tr.pubgate-finding")
    rows.first.wait_for()
    assert rows.count() >= 2
    assert "严重表述错误" in rows.first.inner_text() and "习近乎" in rows.first.inner_text()
    page.screenshot(path=str(SHOTS / "pubgate-wagtail-2-report.png"))

    # 2. Fixed and resubmitted: the task passes and the workflow publishes the page.
    page.goto(f"{site}/admin/pages/{page_id}/edit/")
    _set_body(page, FIXED)
    _footer_action(page, "action-submit")
    page.screenshot(path=str(SHOTS / "pubgate-wagtail-3-passed.png"))
    assert page.locator(".pubgate-findings").count() == 0
    live = _get(f"{site}/zwgk-notice/")
    assert "再接再厉" in live and "习近乎" not in live

    # 3. Changed after approval: Publish is refused and the approved version stays live.
    page.goto(f"{site}/admin/pages/{page_id}/edit/")
    _set_body(page, CHANGED)
    _footer_action(page, "action-publish")
    error = page.locator(".messages .error, .messages li").filter(has_text="不能发布")
    error.first.wait_for()
    assert "不一致" in error.first.inner_text()
    page.screenshot(path=str(SHOTS / "pubgate-wagtail-4-refused.png"))
    live = _get(f"{site}/zwgk-notice/")
    assert "本文发布后又作了修改" not in live and "再接再厉" in live

    # 4. The unapproved revision scheduled anyway (here: straight in the database, as an import
    #    script or an old schedule would) is refused when the scheduler runs.
    manage("shell", "--no-imports", "-c", (
        "from datetime import timedelta; from django.utils import timezone; from wagtail.models import Page; "
        f"r = Page.objects.get(pk={page_id}).get_latest_revision(); "
        "r.approved_go_live_at = timezone.now() - timedelta(minutes=1); r.save(update_fields=['approved_go_live_at'])"))
    run = manage("publish_scheduled")
    assert "pubgate 拒绝定时发布" in run.stderr, run.stderr
    live = _get(f"{site}/zwgk-notice/")
    assert "本文发布后又作了修改" not in live and "再接再厉" in live
    state = manage("shell", "--no-imports", "-c", (
        "from wagtail.models import Page, PageLogEntry; "
        f"p = Page.objects.get(pk={page_id}); "
        "print(p.get_latest_revision().approved_go_live_at, "
        "PageLogEntry.objects.filter(page=p, action='pubgate.publish.refused').count())")).stdout.split()
    assert state[0] == "None" and int(state[1]) >= 2  # unscheduled; button and scheduler refusals logged
    context.close()
