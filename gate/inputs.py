"""Reading drafts from files for the command line: JSON drafts, HTML, text and Markdown files."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .model import Draft, DraftError

__all__ = ["InputError", "Source", "iter_sources", "read_draft", "decode_bytes", "DEFAULT_MAX_BYTES"]

SUFFIX_FORMATS = {".html": "html", ".htm": "html", ".txt": "text", ".md": "markdown", ".markdown": "markdown"}
DRAFT_SUFFIXES = {".json"}
DEFAULT_MAX_BYTES = int(os.environ.get("PUBGATE_MAX_BODY_BYTES", 5 * 1024 * 1024))


class InputError(Exception):
    """An input that cannot be checked; the message names the file and what to do."""


@dataclass
class Source:
    name: str          # the path as given, or "-" for stdin
    path: Path | None


def iter_sources(paths: list[str]) -> Iterator[Source | InputError]:
    """Expand the command-line paths: files as given, directories recursively (sorted)."""
    for raw in paths:
        if raw == "-":
            yield Source("-", None)
            continue
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and
                           p.suffix.lower() in SUFFIX_FORMATS.keys() | DRAFT_SUFFIXES)
            if not found:
                yield InputError(f"{raw}：目录中没有可检查的文件（.json、.html、.htm、.txt、.md）")
            for p in found:
                yield Source(str(p), p)
        elif path.is_file():
            yield Source(raw, path)
        else:
            yield InputError(f"{raw}：文件不存在")


def decode_bytes(data: bytes, name: str) -> tuple[str, str | None]:
    """Decode UTF-8 (with or without BOM); fall back to GB18030 for Chinese legacy files.

    Returns the text and a notice when a fallback was used.
    """
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        han = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
        letters = sum(1 for ch in text if not ch.isspace())
        if letters and han / letters > 0.2:
            return text, f"{name}：不是 UTF-8 编码，已按 GB18030 读取"
    raise InputError(f"{name}：无法识别的文本编码（第 {utf8_error.start} 字节起不是有效的 UTF-8，也不是 GB18030 中文文本）。"
                     f"请用 UTF-8 编码另存后重试")


def read_draft(source: Source, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[Draft, list[str]]:
    """Read one source into a Draft; raise InputError with a message naming the file."""
    name = source.name
    try:
        data = sys.stdin.buffer.read(max_bytes + 1) if source.path is None else _read_limited(source.path, max_bytes)
    except OSError as exc:
        raise InputError(f"{name}：无法读取（{exc.strerror}）") from None
    if len(data) > max_bytes:
        raise InputError(f"{name}：文件超过 {max_bytes // (1024 * 1024)} MB 的上限，未检查。"
                         f"请拆分稿件，或设置环境变量 PUBGATE_MAX_BODY_BYTES 调高上限")
    text, notice = decode_bytes(data, name)
    notices = [notice] if notice else []
    suffix = source.path.suffix.lower() if source.path else ".json"
    if suffix in DRAFT_SUFFIXES:
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{name}：JSON 格式错误（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}）") from None
        try:
            draft = Draft.from_dict(payload)
        except DraftError as exc:
            raise InputError(f"{name}：稿件字段有误：{exc.message}") from None
        if draft.id is None and source.path is not None:
            draft = Draft.from_dict({**payload, "id": source.path.stem})
        return draft, notices
    fmt = SUFFIX_FORMATS.get(suffix, "text")
    return Draft.from_dict({"id": source.path.stem, "body": text, "format": fmt}), notices


def _read_limited(path: Path, max_bytes: int) -> bytes:
    with path.open("rb") as fh:
        return fh.read(max_bytes + 1)
