"""Shared fixtures: a gate over the shipped dictionaries, drafts, and the development data paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pubgate import Draft, Gate, GateConfig

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CORPUS = Path(__file__).resolve().parent / "corpus"


@pytest.fixture(scope="session")
def gate() -> Gate:
    """The shipped checks and dictionaries, no third-party entry points."""
    return Gate(GateConfig(load_entrypoints=False))


def make_draft(body: str = "", **fields) -> Draft:
    data = {"body": body, "format": fields.pop("format", "text"), **fields}
    return Draft.from_dict(data)


@pytest.fixture
def check(gate):
    """``check(body, **draft_fields)`` → the report of the shipped gate for that draft."""

    def run(body: str = "", *, stage: str = "submit", **fields):
        return gate.check(make_draft(body, **fields), stage=stage)

    return run


def shared_path(*parts: str) -> Path:
    """A path under ../shared; the calling test is skipped when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not available (../shared is absent)")
    return path


def pytest_report_header(config):
    return f"pubgate shared data: {'present' if SHARED.exists() else 'absent'} ({SHARED})"


@pytest.fixture
def shared_file():
    """``shared_file("data", "clean", "xxqg.json")`` → the path, or skip the test when ../shared is absent."""
    return shared_path


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium driven by Playwright (no browser download)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from pubgate.service.testing import BROWSER_ARGS

    with sync_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path="/usr/bin/chromium", args=BROWSER_ARGS, headless=True)
        yield instance
        instance.close()


# Pages are looked at, and screenshotted, at a common office screen size.
VIEWPORT = {"width": 1366, "height": 900}


@pytest.fixture
def open_as(browser, server):
    """``open_as(user)`` → a page logged in as that user (password ``<user>-password``) on ``server``."""
    contexts = []

    def open_page(user):
        context = browser.new_context(locale="zh-CN", viewport=VIEWPORT)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{server.url}/login")
        page.fill("input[name=name]", user)
        page.fill("input[name=password]", f"{user}-password")
        page.click("button:has-text('登录')")
        page.wait_for_load_state()
        return page

    yield open_page
    for context in contexts:
        context.close()
