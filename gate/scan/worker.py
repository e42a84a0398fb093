"""What runs on a Dask worker: decode a batch of pages, map them to drafts, check them with the gate.

A gate costs seconds to build and warm (dictionaries, language models), so each worker process
builds it once: ``GatePlugin`` does it when the worker joins, and ``gate_for`` keeps it in a
per-process cache for workers that join later or run without the plugin. Everything a page needs
travels in the batch (raw bytes) and the spec (configuration and site mappings as plain dicts), so
workers on other machines need pubgate installed and the dictionary directories at the same paths,
nothing else. Any failure on one page becomes that page's error row, never a failed task.
"""

from __future__ import annotations

import json
import re
import threading
from urllib.parse import urljoin, urlsplit

from ..model import canonical_json

__all__ = ["GatePlugin", "gate_for", "check_batch", "ruleset_of"]

_GATES: dict[str, tuple] = {}
_LOCK = threading.Lock()
_KEPT_GATES = 2
_CONTEXT = 24            # characters of context either side of a finding, for the report
_MAX_LINKS = 500         # links kept per page for the dead-link check
_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([\w-]+)", re.I)
_GB = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936"}


def gate_for(spec: dict):
    """(gate, site mappings) for a spec, built once per process."""
    key = canonical_json(spec)
    with _LOCK:
        if key not in _GATES:
            from ..config import GateConfig
            from ..engine import Gate
            from ..model import Draft
            from .metadata import SiteMapping

            gate = Gate(GateConfig(**spec["config"]))
            gate.check(Draft.from_dict({"body": "预热：加载规则与模型。", "format": "text"}))
            sites = [SiteMapping.from_dict(s) for s in spec.get("sites", [])]
            while len(_GATES) >= _KEPT_GATES:  # older rulesets are not coming back: free their memory
                _GATES.pop(next(iter(_GATES)))
            _GATES[key] = (gate, sites)
        return _GATES[key]


def ruleset_of(spec: dict) -> str:
    return gate_for(spec)[0].ruleset


try:
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # pragma: no cover - only the in-process mode runs without distributed
    WorkerPlugin = object


class GatePlugin(WorkerPlugin):
    """Builds and warms the gate when a worker starts, so the first batch is not slow."""

    name = "pubgate-gate"

    def __init__(self, spec: dict):
        self.spec = spec

    def setup(self, worker=None):
        gate_for(self.spec)


def check_batch(pages: list, spec: dict) -> list[dict]:
    gate, sites = gate_for(spec)
    return [check_page(page, gate, sites) for page in pages]


def check_page(page, gate, sites) -> dict:
    from .metadata import pick_site

    site = pick_site(sites, page.url)
    base = {"url": page.url, "sha256": page.sha256, "ruleset": gate.ruleset,
            "meta": {"is_home": site.is_home(page.url), "source": page.source}, "findings": [], "links": []}
    try:
        text = decode(page.data, page.charset)
        return {**base, **_check_text(page, text, gate, site, base["meta"])}
    except PageError as exc:
        return {**base, "status": "error", "error": str(exc)}
    except Exception as exc:  # one odd page must not fail the batch: it becomes an error row
        return {**base, "status": "error", "error": f"检查出错（{type(exc).__name__}：{exc}）"}


class PageError(Exception):
    """A page that cannot be checked; the message says why, in Chinese."""


def decode(data: bytes, charset: str | None) -> str:
    """The page's text: its declared charset (HTTP header or <meta>), else UTF-8, else GB18030."""
    from ..inputs import InputError, decode_bytes

    head = data[:8192]
    if b"\x00" in head or head.startswith((b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04")):
        raise PageError("二进制文件（图片、PDF 或压缩包等），不是网页或文本，未检查")
    if not data.strip():
        raise PageError("页面为空，没有可检查的内容")
    declared = charset or _meta_charset(head)
    if declared in _GB:
        return data.decode("gb18030", errors="replace")  # GBK pages are common; GB18030 is its superset
    try:
        text, _notice = decode_bytes(data, "")
        return text
    except InputError:
        raise PageError("无法识别的文本编码（既不是 UTF-8，也不是 GBK/GB18030 中文），未检查") from None


def _meta_charset(head: bytes) -> str | None:
    match = _CHARSET.search(head)
    return match.group(1).decode("ascii", "ignore").lower() if match else None


def _check_text(page, text: str, gate, site, meta: dict) -> dict:
    from ..model import Draft, DraftError
    from ..text import extract
    from .metadata import draft_json_fields, guess_doc_type, page_fields, section_of

    if page.kind == "draft":
        try:
            payload = json.loads(text)
            draft = Draft.from_dict(payload)
        except json.JSONDecodeError as exc:
            raise PageError(f"JSON 稿件格式错误（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}）") from None
        except DraftError as exc:
            raise PageError(f"稿件字段有误：{exc.message}") from None
        fields = draft_json_fields(payload)
        rule = site.rule_for(page.url)
    else:
        fmt = "html" if page.kind == "html" else "text"
        head = re.sub(r"<[^>]+>", " ", text[:30000]) if fmt == "html" else text[:30000]
        fields = page_fields(text if fmt == "html" else "", head)
        rule = site.rule_for(page.url)
        draft = Draft.from_dict({
            "id": page.url, "body": text, "format": fmt, "title": fields["title"],
            "channel": (rule and rule.channel) or site.channel or "website",
            "doc_type": (rule and rule.doc_type) or guess_doc_type(fields),
            "unit": site.unit, "publish_at": fields["publish_at"], "created_at": fields["created_at"],
        })
    report = gate.check(draft)
    meta.update(title=draft.title or fields.get("title", ""), doc_type=draft.doc_type, channel=draft.channel,
                section=section_of(page.url, fields, rule), publish_at=fields.get("publish_at") or "",
                doc_number=fields.get("doc_number", ""), index_no=fields.get("index_no", ""),
                verdict=str(report.verdict), chars=len(text))
    plain = {}
    if report.findings or page.web:
        plain = {"title": draft.title, "body": extract("body", draft.body, draft.format)}
    findings = [_finding_row(f, plain) for f in report.findings]
    links = _links(page.url, plain["body"].links) if page.web and "body" in plain else []
    return {"status": "ok", "error": None, "findings": findings, "links": links}


def _finding_row(finding, plain: dict) -> dict:
    row = finding.to_dict()
    field = plain.get(finding.field)
    source = field if isinstance(field, str) else getattr(field, "text", "")
    if finding.start is not None and source:
        row["before"] = source[max(0, finding.start - _CONTEXT):finding.start]
        row["after"] = source[finding.end:finding.end + _CONTEXT]
    return row


def _links(page_url: str, links) -> list[str]:
    """Distinct absolute http(s) links, images and attachments of a page, in order of appearance."""
    seen: dict[str, None] = {}
    for link in links:
        raw = (link.url or "").strip()
        if not raw or raw.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
            continue
        absolute = urljoin(page_url, raw).split("#", 1)[0]
        if urlsplit(absolute).scheme in ("http", "https"):
            seen.setdefault(absolute, None)
        if len(seen) >= _MAX_LINKS:
            break
    return list(seen)
