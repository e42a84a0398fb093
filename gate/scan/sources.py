"""Pages to scan, from the SOURCE arguments: exported directory trees, WARC files, URL lists and sitemaps.

Every source yields ``Page`` records in a stable order and never raises for one bad page: a file
that cannot be read, a record that is too large or a WARC that breaks off becomes a page with an
``error`` (a row in the report), and the scan goes on. Bytes are not decoded here: the workers do
that, so the client only reads, hashes and dispatches.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

__all__ = ["Page", "SourceSpec", "SourceError", "classify", "iter_pages", "count_pages", "DEFAULT_MAX_BYTES"]

# A page bigger than this is reported, not checked (also ``--max-bytes``).
DEFAULT_MAX_BYTES = 5 * 1024 * 1024

# Suffixes of exported pages; other files in a tree (images, PDFs, styles) are not pages.
PAGE_SUFFIXES = {".html": "html", ".htm": "html", ".shtml": "html", ".xhtml": "html",
                 ".txt": "text", ".json": "draft"}
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
_URL = re.compile(r"^https?://", re.I)


class SourceError(ValueError):
    """A SOURCE argument that is not a directory, WARC file, URL list, sitemap or URL."""


@dataclass(slots=True)
class Page:
    url: str                  # the result key: the page's URL, or source-relative path for files
    data: bytes | None        # raw bytes; None for a page that could not be read
    kind: str = "html"        # how the bytes read: html | text | draft
    charset: str | None = None  # from the HTTP Content-Type, when there was one
    source: str = ""          # the SOURCE argument it came from
    error: str | None = None  # why it could not be read (then it is an error row)
    web: bool = False         # fetched or archived from the web: its links are probed

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest() if self.data is not None else ""


@dataclass(frozen=True, slots=True)
class SourceSpec:
    kind: str   # directory | warc | urls | sitemap | url
    value: str  # the argument as given


def classify(raw: str) -> SourceSpec:
    """What a SOURCE argument is, from its form and (for list files) its first lines."""
    if _URL.match(raw):
        lowered = raw.lower().split("?", 1)[0]
        if "sitemap" in lowered or lowered.endswith((".xml", ".xml.gz")):
            return SourceSpec("sitemap", raw)
        return SourceSpec("url", raw)
    path = Path(raw)
    if path.is_dir():
        return SourceSpec("directory", raw)
    if not path.is_file():
        raise SourceError(f"{raw}：不存在（应为导出网页的目录、WARC 文件、网址清单、站点地图或网址）")
    name = path.name.lower()
    if name.endswith(WARC_SUFFIXES):
        return SourceSpec("warc", raw)
    if name.endswith((".xml", ".xml.gz")):
        return SourceSpec("sitemap", raw)
    if _is_url_list(path):
        return SourceSpec("urls", raw)
    raise SourceError(f"{raw}：无法识别的来源。请给出导出网页的目录、.warc/.warc.gz 文件、"
                      f"每行一个网址的清单文件或 sitemap.xml")


def _is_url_list(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(64 * 1024).decode("utf-8-sig", "replace")
    except OSError:
        return False
    lines = [line.strip() for line in head.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return bool(lines) and all(_URL.match(line) for line in lines[:50])


def iter_pages(spec: SourceSpec, *, max_bytes: int = DEFAULT_MAX_BYTES,
               skip: Callable[[str], bool] = lambda url: False, fetcher=None,
               url_for: Callable[[str], str | None] | None = None) -> Iterator[Page]:
    """The pages of one source. ``skip(url)`` is asked before a page is read or fetched (resume);
    ``url_for(relative path)`` maps an exported file to its public URL (the site mapping)."""
    if spec.kind == "directory":
        yield from _directory_pages(spec.value, max_bytes, skip, url_for)
    elif spec.kind == "warc":
        yield from _warc_pages(spec.value, max_bytes, skip)
    else:
        from .fetch import sitemap_urls, url_list

        urls = url_list(spec.value) if spec.kind == "urls" else \
            sitemap_urls(spec.value, fetcher) if spec.kind == "sitemap" else iter([spec.value])
        yield from fetcher.fetch_all((u for u in urls if not skip(u)), source=spec.value)


def count_pages(spec: SourceSpec) -> int | None:
    """How many pages a source holds, when that is cheap to know (for the progress bar's ETA)."""
    if spec.kind == "directory":
        return sum(1 for _ in _walk(spec.value))
    if spec.kind == "urls":
        from .fetch import url_list

        return sum(1 for _ in url_list(spec.value))
    if spec.kind == "url":
        return 1
    return None


def _walk(root: str) -> Iterator[Path]:
    """Page files under ``root`` in a stable (sorted) order, without listing the whole tree at once."""
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            if Path(name).suffix.lower() in PAGE_SUFFIXES:
                yield Path(folder) / name


def _directory_pages(root: str, max_bytes: int, skip, url_for) -> Iterator[Page]:
    base = Path(root)
    for path in _walk(root):
        relative = path.relative_to(base).as_posix()
        # Files key by the tree's own name plus their path in it, so a copy of the export elsewhere
        # (or on another machine) keys the same.
        url = (url_for(relative) if url_for else None) or f"{base.resolve().name}/{relative}"
        if skip(url):
            continue
        kind = PAGE_SUFFIXES[path.suffix.lower()]
        try:
            with path.open("rb") as fh:
                data = fh.read(max_bytes + 1)
        except OSError as exc:
            yield Page(url, None, kind, source=root, error=f"文件无法读取（{exc.strerror or exc}）")
            continue
        if len(data) > max_bytes:
            yield _too_large(url, kind, root, max_bytes)
            continue
        yield Page(url, data, kind, source=root)


def _too_large(url: str, kind: str, source: str, max_bytes: int) -> Page:
    return Page(url, None, kind, source=source,
                error=f"页面超过 {max_bytes / (1024 * 1024):g} MB 的上限，未检查（可用 --max-bytes 调高）")


def _content_kind(content_type: str) -> str | None:
    ctype = content_type.split(";", 1)[0].strip().lower()
    if ctype in ("text/html", "application/xhtml+xml", ""):
        return "html"
    if ctype == "text/plain":
        return "text"
    return None  # images, scripts, styles, PDFs: not pages


def charset_of(content_type: str | None) -> str | None:
    match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type or "", re.I)
    return match.group(1).lower() if match else None


def _warc_pages(path: str, max_bytes: int, skip) -> Iterator[Page]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    records = 0
    try:
        with open(path, "rb") as fh:
            archive = ArchiveIterator(fh, arc2warc=True)
            for record in archive:
                records += 1
                if record.rec_type != "response":
                    continue
                if record.http_headers is None or not record.length:
                    raise EOFError("响应记录不完整")  # a record cut off inside its headers
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                status = record.http_headers.get_statuscode() or ""
                content_type = record.http_headers.get_header("Content-Type") or ""
                kind = _content_kind(content_type)
                if not url or not status.startswith("2") or kind is None or skip(url):
                    continue
                data = record.content_stream().read(max_bytes + 1)
                if len(data) > max_bytes:
                    yield _too_large(url, kind, path, max_bytes)
                    continue
                yield Page(url, data, kind, charset_of(content_type), source=path, web=True)
            # warcio ends quietly at a record cut off mid-stream; what it did not reach is reported.
            if archive.offset < os.path.getsize(path):
                raise EOFError(f"第 {archive.offset} 字节之后的内容不完整或已损坏")
    except (ArchiveLoadFailed, OSError, EOFError, ValueError, AttributeError, KeyError) as exc:
        # warcio meets damaged archives with a variety of errors; each ends this source's pages here
        yield Page(f"{Path(path).name}#record-{records + 1}", None, "html", source=path,
                   error=f"WARC 文件在第 {records + 1} 条记录处无法继续读取（{type(exc).__name__}：{exc}），其后的记录未检查")
