"""Dictionary administration end to end in real headless Chromium (Debian's /usr/bin/chromium):
an admin adds an entry for a name, the editor's next submission is flagged; the admin retires it,
the next submission passes; the audit trail shows both changes."""

from __future__ import annotations

import os

import pytest

from pubgate.service import dictionary_admin
from pubgate.service.testing import BROWSER_ARGS, ServerThread, fixture_gate, http, make_app

CHROMIUM = "/usr/bin/chromium"
NAME = "欧阳晓东"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium not installed (/usr/bin/chromium)"),
]


@pytest.fixture
def server(tmp_path):
    app, tokens = make_app(tmp_path / "browser.db", fixture_gate(tmp_path / "dicts"))
    dictionary_admin.init_app(app)  # a no-op once create_app registers the blueprint itself
    with ServerThread(app) as srv:
        srv.tokens = tokens
        yield srv


def submit(page, server, title: str, body: str) -> str:
    page.goto(f"{server.url}/submit")
    page.fill("input[name=title]", title)
    page.fill("input[name=unit]", "某某县人民政府办公室")
    page.fill("textarea[name=body]", body)
    page.click("button[value=submit]")
    page.wait_for_url("**/submissions/*")
    return page.content()


def test_admin_adds_and_retires_an_entry_and_editor_submissions_follow(open_as, server):
    admin = open_as("admin")
    editor = open_as("editor")
    body = f"各乡镇人民政府：\n县政府决定，由{NAME}同志负责全县防汛工作的统筹协调。"

    # The name is not in any dictionary yet.
    submit(editor, server, "关于调整防汛工作分工的通知", body)
    assert "欧阳晓冬" not in editor.locator("main").inner_text()  # the suggestion appears only in a finding

    # The admin adds it, with an example that proves it matches.
    admin.goto(f"{server.url}/dictionary/new")
    admin.fill("textarea[name=match]", NAME)
    admin.fill("textarea[name=suggest]", "欧阳晓冬")
    admin.select_option("select[name=category]", "severe_misstatement")
    admin.select_option("select[name=severity]", "block")
    admin.fill("input[name=note]", "本县领导姓名")
    admin.fill("textarea[name=flag]", f"由{NAME}同志负责。")
    admin.fill("input[name=reason]", "县领导姓名易错，按办公室要求加入")
    admin.click("button[value=save]")
    admin.wait_for_url("**/dictionary/entry/**")
    assert "已新增词条" in admin.locator("main").inner_text()

    # The editor's next submission is flagged (no restart).
    submit(editor, server, "关于调整防汛工作分工的通知", body)
    text = editor.locator("main").inner_text()
    assert "欧阳晓冬" in text, text
    assert "阻断" in text

    # The admin retires it, giving a reason.
    admin.fill("form:has(button[value=retire]) input[name=reason]", "领导已调整，不再需要")
    admin.click("button[value=retire]")
    admin.wait_for_load_state()
    assert "已停用该词条" in admin.locator("main").inner_text()

    # The next submission passes.
    submit(editor, server, "关于调整防汛工作分工的通知（修订）", body)
    text = editor.locator("main").inner_text()
    assert "欧阳晓冬" not in text, text

    # The dictionary history and the audit trail show both changes, with who and why.
    admin.goto(f"{server.url}/dictionary/history")
    rows = admin.locator("#versions tbody tr").all_inner_texts()
    assert len(rows) == 2 and "停用词条" in rows[0] and "新增词条" in rows[1]
    assert "领导已调整" in rows[0] and "按办公室要求加入" in rows[1] and "admin" in rows[0]
    status, _, events = http("GET", f"{server.url}/api/v1/audit", token=server.tokens["admin"])
    changes = [(e["action"], e["actor_name"], e["opinion"]) for e in events["items"] if e["action"].startswith("dictionary.")]
    assert changes == [("dictionary.create", "admin", "县领导姓名易错，按办公室要求加入"),
                       ("dictionary.retire", "admin", "领导已调整，不再需要")]


def test_refused_entry_shows_the_reason_and_dry_run_shows_hits(open_as, server):
    editor = open_as("editor")
    submit(editor, server, "防汛通知", f"请{NAME}同志牵头落实。")
    admin = open_as("admin")
    admin.goto(f"{server.url}/dictionary/new")
    admin.fill("textarea[name=match]", "交通")
    admin.fill("input[name=reason]", "测试")
    admin.click("button[value=save]")
    assert "参照句" in admin.locator("#refusal").inner_text()
    admin.fill("textarea[name=match]", NAME)
    admin.click("button[value=dryrun]")
    result = admin.locator("#dry-run").inner_text()
    assert "1 篇命中" in result and NAME in result
    # an editor may browse but not change
    editor.goto(f"{server.url}/dictionary/?q={NAME}")
    assert "新增词条" not in editor.locator("main").inner_text()
