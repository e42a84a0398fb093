"""The contract's data model: Draft (input), Finding and Report (output).

The wire format is fixed by ``contracts.md`` §2–4; these classes are its in-memory form.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "Category",
    "Severity",
    "Verdict",
    "Draft",
    "Finding",
    "Report",
    "DraftError",
    "FIELDS",
    "FORMATS",
    "CHANNELS",
    "DOC_TYPES",
    "RELATIONS",
]


class Category(StrEnum):
    """Exactly the 13 categories of contracts.md §4."""

    TYPO = "typo"
    SEVERE_MISSTATEMENT = "severe_misstatement"
    BANNED_EXPRESSION = "banned_expression"
    OUTDATED_EXPRESSION = "outdated_expression"
    INTERPRETATION_LINK = "interpretation_link"
    COMMERCIAL_LINK = "commercial_link"
    PERSONAL_DATA = "personal_data"
    DATING = "dating"
    SECRET_MARKING = "secret_marking"
    PLACEHOLDER = "placeholder"
    VOICE = "voice"
    VAGUE_EXPRESSION = "vague_expression"
    FORMAT = "format"


CATEGORY_LABELS: dict[str, str] = {
    "typo": "错别字",
    "severe_misstatement": "严重表述错误",
    "banned_expression": "禁用词、慎用词、不当用语",
    "outdated_expression": "过时表述",
    "interpretation_link": "政策解读关联",
    "commercial_link": "商业广告、商业链接",
    "personal_data": "个人信息泄露",
    "dating": "发稿日期",
    "secret_marking": "涉密标识",
    "placeholder": "占位符未填充",
    "voice": "主体口吻未转换",
    "vague_expression": "表述含糊",
    "format": "格式规范",
}


class Severity(StrEnum):
    """Finding severities, ordered info < warn < block."""

    INFO = "info"
    WARN = "warn"
    BLOCK = "block"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARN: 1, Severity.BLOCK: 2}

SEVERITY_LABELS = {"info": "提示", "warn": "警告", "block": "阻断"}


class Verdict(StrEnum):
    PASS = "pass"
    WARN = "warn"
    BLOCK = "block"


VERDICT_LABELS = {"pass": "通过", "warn": "警告", "block": "阻断"}

FIELDS = ("title", "body", "meta")
FORMATS = ("html", "text", "markdown")
CHANNELS = ("website", "wechat", "weibo", "app", "other")
DOC_TYPES = ("policy", "interpretation", "news", "notice", "guide", "reply", "disclosure", "other")
RELATIONS = ("interpretation", "policy", "other")

# The fields of a draft that make up its content. `id` is a CMS handle, not content, and unknown
# fields are kept but ignored (contracts.md §2), so neither enters content_sha256.
CONTENT_FIELDS = (
    "title", "body", "format", "channel", "doc_type", "unit",
    "created_at", "publish_at", "related", "attachments",
)

_HTML_HINT = re.compile(r"<\s*(?:[a-zA-Z][a-zA-Z0-9]*)(?:\s[^<>]*)?/?\s*>|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")


class DraftError(ValueError):
    """A draft that does not follow contracts.md §2; ``field`` names the offending field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _parse_datetime(name: str, value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise DraftError(name, f"字段 {name} 应为 ISO 8601 日期时间字符串")
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise DraftError(name, f"字段 {name} 不是有效的 ISO 8601 日期时间：{value!r}") from None
    return parsed


@dataclass(frozen=True, slots=True)
class Draft:
    """A draft as contracts.md §2 defines it; only ``body`` is required."""

    body: str
    id: str | None = None
    title: str = ""
    format: str = "text"
    channel: str = "website"
    doc_type: str = "news"
    unit: str = ""
    created_at: datetime | None = None
    publish_at: datetime | None = None
    related: tuple[dict, ...] = ()
    attachments: tuple[dict, ...] = ()
    extra: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any) -> "Draft":
        """Validate a decoded JSON object; raise DraftError naming the first bad field."""
        if not isinstance(data, dict):
            raise DraftError("", "稿件必须是 JSON 对象")
        if "body" not in data:
            raise DraftError("body", "缺少必填字段 body（正文）")
        body = data["body"]
        if not isinstance(body, str):
            raise DraftError("body", "字段 body 应为字符串")
        for name in ("title", "unit", "format", "channel", "doc_type"):
            if data.get(name) is not None and not isinstance(data[name], str):
                raise DraftError(name, f"字段 {name} 应为字符串")
        draft_id = data.get("id")
        if draft_id is not None and not isinstance(draft_id, (str, int)):
            raise DraftError("id", "字段 id 应为字符串")
        fmt = data.get("format") or ("html" if looks_like_html(body) else "text")
        if fmt not in FORMATS:
            raise DraftError("format", f"字段 format 取值无效：{fmt!r}，应为 {'、'.join(FORMATS)} 之一")
        channel = data.get("channel") or "website"
        if channel not in CHANNELS:
            raise DraftError("channel", f"字段 channel 取值无效：{channel!r}，应为 {'、'.join(CHANNELS)} 之一")
        doc_type = data.get("doc_type") or "news"
        if doc_type not in DOC_TYPES:
            raise DraftError("doc_type", f"字段 doc_type 取值无效：{doc_type!r}，应为 {'、'.join(DOC_TYPES)} 之一")
        related = _list_of_objects(data, "related")
        for item in related:
            if not isinstance(item.get("url", ""), str) or not isinstance(item.get("title", ""), str):
                raise DraftError("related", "related 中的 url、title 应为字符串")
            relation = item.get("relation") or "other"
            if relation not in RELATIONS:
                raise DraftError("related", f"related 中的 relation 取值无效：{relation!r}")
        attachments = _list_of_objects(data, "attachments")
        known = {"id", "body", *CONTENT_FIELDS}
        return cls(
            body=body,
            id=None if draft_id is None else str(draft_id),
            title=data.get("title") or "",
            format=fmt,
            channel=channel,
            doc_type=doc_type,
            unit=data.get("unit") or "",
            created_at=_parse_datetime("created_at", data.get("created_at")),
            publish_at=_parse_datetime("publish_at", data.get("publish_at")),
            related=tuple({**item, "relation": item.get("relation") or "other"} for item in related),
            attachments=tuple(attachments),
            extra={k: v for k, v in data.items() if k not in known},
            raw=data,
        )

    def content_dict(self) -> dict:
        """The content fields in canonical form, the input of content_sha256."""
        return {
            "title": self.title,
            "body": self.body,
            "format": self.format,
            "channel": self.channel,
            "doc_type": self.doc_type,
            "unit": self.unit,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "publish_at": self.publish_at.isoformat() if self.publish_at else None,
            "related": [dict(sorted(item.items())) for item in self.related],
            "attachments": [dict(sorted(item.items())) for item in self.attachments],
        }

    @property
    def content_sha256(self) -> str:
        return hashlib.sha256(canonical_json(self.content_dict()).encode("utf-8")).hexdigest()


def _list_of_objects(data: dict, name: str) -> list[dict]:
    value = data.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise DraftError(name, f"字段 {name} 应为对象数组")
    return value


def looks_like_html(text: str) -> bool:
    return bool(_HTML_HINT.search(text[:20000]))


def canonical_json(value: Any) -> str:
    """Sorted keys, no insignificant whitespace, UTF-8 text: stable input for hashes."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem at one place, exactly the contract's report fields plus optional extras."""

    rule: str
    category: Category
    severity: Severity
    field: str
    start: int | None
    end: int | None
    text: str
    message: str
    suggestion: str | None = None
    entry: str | None = None
    source: str | None = None
    confidence: float | None = None

    def to_dict(self) -> dict:
        out = {
            "rule": self.rule,
            "category": str(self.category),
            "severity": str(self.severity),
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "message": self.message,
            "suggestion": self.suggestion,
        }
        for extra in ("entry", "source", "confidence"):
            value = getattr(self, extra)
            if value is not None:
                out[extra] = value
        return out

    @property
    def sort_key(self) -> tuple:
        return (FIELDS.index(self.field) if self.field in FIELDS else 9,
                -1 if self.start is None else self.start, self.rule, self.end or 0)


@dataclass(frozen=True, slots=True)
class Report:
    """The result of checking one draft (contracts.md §3)."""

    id: str | None
    verdict: Verdict
    findings: tuple[Finding, ...]
    content_sha256: str
    ruleset: str
    elapsed_ms: float
    notices: tuple[str, ...] = ()

    @staticmethod
    def verdict_for(findings: tuple[Finding, ...] | list[Finding]) -> Verdict:
        severities = {f.severity for f in findings}
        if Severity.BLOCK in severities:
            return Verdict.BLOCK
        if Severity.WARN in severities:
            return Verdict.WARN
        return Verdict.PASS

    def to_dict(self) -> dict:
        out = {
            "id": self.id,
            "verdict": str(self.verdict),
            "findings": [f.to_dict() for f in self.findings],
            "content_sha256": self.content_sha256,
            "ruleset": self.ruleset,
            "elapsed_ms": self.elapsed_ms,
        }
        if self.notices:
            out["notices"] = list(self.notices)
        return out
