"""The derived-data cache: reused while the source is unchanged, rebuilt when it changes or breaks."""

from __future__ import annotations

import os

from pubgate.file_cache import cache_dir, cached


def test_reused_until_the_source_changes_and_rebuilt_when_broken(tmp_path, monkeypatch):
    monkeypatch.setenv("PUBGATE_CACHE_DIR", str(tmp_path / "cache"))
    source = tmp_path / "words.txt"
    source.write_text("甲 1\n", encoding="utf-8")
    builds = []

    def build():
        builds.append(1)
        return {"words": source.read_text(encoding="utf-8").split()}

    assert cached(source, "t", build) == {"words": ["甲", "1"]}
    assert cached(source, "t", build) == {"words": ["甲", "1"]} and len(builds) == 1
    source.write_text("甲 1\n乙 2\n", encoding="utf-8")
    os.utime(source, ns=(1, 2_000_000_000))
    assert cached(source, "t", build)["words"] == ["甲", "1", "乙", "2"] and len(builds) == 2
    [entry] = [p for p in cache_dir().iterdir() if p.stat().st_mtime_ns == max(q.stat().st_mtime_ns for q in cache_dir().iterdir())]
    entry.write_bytes(b"not marshal")
    assert cached(source, "t", build)["words"] == ["甲", "1", "乙", "2"] and len(builds) == 3


def test_an_unwritable_cache_only_costs_a_rebuild(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("PUBGATE_CACHE_DIR", str(blocker / "cache"))  # a file where a folder should be
    source = tmp_path / "words.txt"
    source.write_text("甲 1\n", encoding="utf-8")
    assert cached(source, "t", lambda: 42) == 42
    assert cached(tmp_path / "missing.txt", "t", lambda: 7) == 7
