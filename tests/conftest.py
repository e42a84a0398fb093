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
