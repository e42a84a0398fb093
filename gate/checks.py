"""What a check is, and the document it runs on.

A check is any object with ``id``, ``category``, ``severity``, ``description`` and
``run(doc) -> Iterable[Finding]``; ``BaseCheck`` supplies the usual plumbing. Checks are registered
through the ``pubgate_register_checks`` hook, built-in ones exactly like third-party ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone, timedelta
from functools import cached_property
from typing import Any, Callable, Iterable, Protocol, runtime_checkable

from .budget import CpuBudget
from .model import Category, Draft, Finding, Severity
from .normalize import MatchView
from .text import FieldText, Link, extract

__all__ = ["Check", "BaseCheck", "Document", "RegisterCheck", "CHINA_TZ", "quoted_spans"]

CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
_CHECK_ID = re.compile(r"^[a-z][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$")


@runtime_checkable
class Check(Protocol):
    id: str
    category: Category
    severity: Severity
    description: str

    def run(self, doc: "Document") -> Iterable[Finding]: ...


RegisterCheck = Callable[[Check], None]


def validate_check(check: Any) -> None:
    """Raise ValueError when a registered object does not meet the Check protocol."""
    for attr in ("id", "category", "severity", "description", "run"):
        if not hasattr(check, attr):
            raise ValueError(f"check {check!r} lacks {attr!r}")
    if not isinstance(check.id, str) or not _CHECK_ID.match(check.id):
        raise ValueError(f"check id {check.id!r} must be a dotted lower-case name")
    Category(check.category)
    Severity(check.severity)


class BaseCheck:
    """Convenience base: subclasses set the class attributes and implement ``run``."""

    id: str = ""
    category: Category
    severity: Severity = Severity.WARN
    description: str = ""
    version: str = "1"

    def run(self, doc: "Document") -> Iterable[Finding]:  # pragma: no cover - abstract
        raise NotImplementedError

    def finding(self, doc: "Document", field: str, start: int | None, end: int | None, message: str,
                suggestion: str | None = None, *, rule: str | None = None,
                severity: Severity | str | None = None, category: Category | str | None = None,
                **extra: Any) -> Finding:
        return doc.finding(
            rule=rule or self.id, category=category or self.category,
            severity=severity or self.severity, field=field, start=start, end=end,
            message=message, suggestion=suggestion, **extra,
        )


_QUOTE_PAIRS = {"“": "”", "‘": "’", "「": "」", "『": "』", "《": "》", "〈": "〉", '"': '"'}


def quoted_spans(text: str, *, titles: bool = True) -> list[tuple[int, int]]:
    """Spans inside quotation marks (and 《》 titles when ``titles``), innermost pairs included.

    Unbalanced marks close at the end of their paragraph, so a stray quote never swallows a page.
    """
    spans: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []
    for i, ch in enumerate(text):
        if ch == "\n":
            while stack:
                _, start = stack.pop()
                spans.append((start, i))
            continue
        if stack and ch == _QUOTE_PAIRS[stack[-1][0]]:
            _, start = stack.pop()
            spans.append((start, i + 1))
        elif ch in _QUOTE_PAIRS and (titles or ch not in "《〈"):
            stack.append((ch, i))
    while stack:
        _, start = stack.pop()
        spans.append((start, len(text)))
    spans.sort()
    return spans


@dataclass
class Document:
    """A draft prepared for checking: plain text per field, links, dates and settings."""

    draft: Draft
    stage: str = "submit"  # "submit" or "publish": some rules tighten at publish time
    now: datetime = field(default_factory=lambda: datetime.now(CHINA_TZ))
    settings: dict = field(default_factory=dict)
    # Per-document results shared between checks (e.g. one dictionary pass for all rule files).
    cache: dict = field(default_factory=dict, repr=False)
    # The CPU-time budget of the whole check (set by the engine; None: unlimited).
    budget: CpuBudget | None = field(default=None, repr=False)

    def check_time(self) -> None:
        """Raise ``BudgetExceeded`` once the check's CPU-time budget is spent. A check that computes
        long before it yields a finding calls this between units of work; the engine then reports
        ``gate.timeout`` instead of hanging the worker."""
        if self.budget is not None:
            self.budget.check()

    @cached_property
    def fields(self) -> dict[str, FieldText]:
        title_fmt = "html" if self.draft.format == "html" and "<" in self.draft.title else "text"
        return {
            "title": extract("title", self.draft.title, title_fmt),
            "body": extract("body", self.draft.body, self.draft.format),
        }

    def text(self, field: str) -> str:
        return self.fields[field].text

    @cached_property
    def _views(self) -> dict[str, MatchView]:
        return {}

    def view(self, field: str) -> MatchView:
        """The normalised matching view of a field (see ``pubgate.normalize``)."""
        views = self._views
        if field not in views:
            views[field] = MatchView.of(self.text(field))
        return views[field]

    @cached_property
    def _quotes(self) -> dict[str, list[tuple[int, int]]]:
        return {}

    def quoted(self, field: str, start: int, end: int, *, titles: bool = True) -> bool:
        """Whether the span lies inside quotation marks (or a 《》 title when ``titles``)."""
        key = f"{field}:{titles}"
        if key not in self._quotes:
            self._quotes[key] = quoted_spans(self.text(field), titles=titles)
        return any(s <= start and end <= e for s, e in self._quotes[key])

    @property
    def links(self) -> list[tuple[str, Link]]:
        return [(name, link) for name, ft in self.fields.items() for link in ft.links]

    @property
    def publish_date(self) -> datetime:
        """The date rules are judged against: ``publish_at``, else the time of the check."""
        return self.draft.publish_at or self.now

    def finding(self, *, rule: str, category: Category | str, severity: Severity | str, field: str,
                start: int | None, end: int | None, message: str, suggestion: str | None = None,
                **extra: Any) -> Finding:
        if field == "meta" or start is None:
            start = end = None
            snippet = ""
        else:
            snippet = self.text(field)[start:end]
        return Finding(rule=rule, category=Category(category), severity=Severity(severity), field=field,
                       start=start, end=end, text=snippet, message=message, suggestion=suggestion, **extra)
