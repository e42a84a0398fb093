"""Reading drafts from files for the command line: JSON drafts, Word (.docx), HTML, text and Markdown."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .model import Draft, DraftError

__all__ = ["InputError", "Source", "iter_sources", "read_draft", "read_docx", "decode_bytes", "DEFAULT_MAX_BYTES"]

SUFFIX_FORMATS = {".html": "html", ".htm": "html", ".txt": "text", ".md": "markdown", ".markdown": "markdown"}
DRAFT_SUFFIXES = {".json"}
WORD_SUFFIXES = {".docx"}
# Formats editors have that cannot be read as text: the message says how to convert them.
_REFUSED = {
    ".doc": "旧版 Word 文档（.doc）无法直接读取，请在 Word 或 WPS 中另存为 .docx 后重试",
    ".wps": "WPS 文字文档（.wps）无法直接读取，请在 WPS 中另存为 .docx 后重试",
    ".pdf": "PDF 文件无法可靠地取出正文，请提交 .docx、.html 或 .txt 版本的稿件",
    ".xls": "表格文件不是稿件，请提交 .docx、.html 或 .txt 版本的稿件",
    ".xlsx": "表格文件不是稿件，请提交 .docx、.html 或 .txt 版本的稿件",
    ".ppt": "演示文稿不是稿件，请提交 .docx、.html 或 .txt 版本的稿件",
    ".pptx": "演示文稿不是稿件，请提交 .docx、.html 或 .txt 版本的稿件",
}
CHECKED_SUFFIXES = SUFFIX_FORMATS.keys() | DRAFT_SUFFIXES | WORD_SUFFIXES
DEFAULT_MAX_BYTES = int(os.environ.get("PUBGATE_MAX_BODY_BYTES", 5 * 1024 * 1024))


class InputError(Exception):
    """An input that cannot be checked; the message names the file and what to do."""

    def __init__(self, message: str, source: str | None = None):
        super().__init__(message)
        self.source = source  # the path as given, where the error is about one


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
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in CHECKED_SUFFIXES)
            if not found:
                yield InputError(f"{raw}：目录中没有可检查的文件（.json、.docx、.html、.htm、.txt、.md）", raw)
            for p in found:
                yield Source(str(p), p)
        elif path.is_file():
            yield Source(raw, path)
        else:
            yield InputError(f"{raw}：文件不存在", raw)


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
    suffix = source.path.suffix.lower() if source.path else ".json"
    if suffix in _REFUSED:
        raise InputError(f"{name}：{_REFUSED[suffix]}")
    try:
        data = sys.stdin.buffer.read(max_bytes + 1) if source.path is None else _read_limited(source.path, max_bytes)
    except OSError as exc:
        raise InputError(f"{name}：无法读取（{exc.strerror}）") from None
    if len(data) > max_bytes:
        raise InputError(f"{name}：文件超过 {max_bytes // (1024 * 1024)} MB 的上限，未检查。"
                         f"请拆分稿件，或设置环境变量 PUBGATE_MAX_BODY_BYTES 调高上限")
    if not data.strip():
        raise InputError(f"{name}：文件为空，没有可检查的内容")
    if suffix in WORD_SUFFIXES:
        return read_docx(data, name, source.path.stem), []
    text, notice = decode_bytes(data, name)
    notices = [notice] if notice else []
    if not text.strip():
        raise InputError(f"{name}：文件为空，没有可检查的内容")
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


def read_docx(data: bytes, name: str, stem: str) -> Draft:
    """A Word document as a text draft: each paragraph (and each table row, cells joined by a tab)
    becomes a line, in document order, so offsets are those of that plain text. The title is the
    document's title property, else a first paragraph styled 标题/Title."""
    import io
    import zipfile

    try:
        import docx
        from docx.opc.exceptions import PackageNotFoundError
    except ImportError:  # pragma: no cover - python-docx is a declared dependency
        raise InputError(f"{name}：未安装 python-docx，无法读取 .docx；请运行 pip install python-docx") from None
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError):
        raise InputError(f"{name}：不是有效的 .docx 文件（文件已损坏，或是改了扩展名的其他格式）。"
                         f"请在 Word 或 WPS 中重新另存为 .docx") from None
    lines = list(_docx_lines(document))
    title = (document.core_properties.title or "").strip()
    if not title and lines and lines[0][1]:
        title = lines.pop(0)[0]
    body = "\n".join(text for text, _ in lines).strip("\n")
    if not (title or body).strip():
        raise InputError(f"{name}：Word 文档中没有文字，没有可检查的内容")
    return Draft.from_dict({"id": stem, "title": title, "body": body, "format": "text"})


def _docx_lines(document):
    """(text, is_title) for each paragraph and table row, in the order they stand in the document."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(block, document)
            style = (paragraph.style.name if paragraph.style is not None else "") or ""
            yield paragraph.text, style.lower().startswith("title") or style.startswith("标题")
        elif tag == "tbl":
            for row in Table(block, document).rows:
                yield "\t".join(cell.text for cell in row.cells), False


def _read_limited(path: Path, max_bytes: int) -> bytes:
    with path.open("rb") as fh:
        return fh.read(max_bytes + 1)
