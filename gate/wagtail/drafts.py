"""A page revision as a pubgate draft (contracts.md §2), and its content hash.

The draft is built from the *revision* (``revision.as_object()``), never from the page row: the
page row still holds the live content while a new draft waits in review.
"""

from __future__ import annotations

from pubgate.model import Draft

from .conf import setting

__all__ = ["draft_for_page", "draft_for_revision", "content_sha256"]


def _field_html(page, name: str) -> str:
    value = getattr(page, name, None)
    if value is None:
        return ""
    if hasattr(value, "source") and isinstance(getattr(value, "source"), str):
        return value.source  # wagtail.rich_text.RichText
    return str(value)  # a rich-text string, a StreamValue (renders as HTML) or a plain value


def draft_for_page(page) -> dict:
    """The draft of one page instance (a revision's ``as_object()``)."""
    draft = {"id": f"wagtail-page-{page.pk}", "title": page.title, "format": "html", **setting("DRAFT")}
    for field, names in setting("FIELDS").items():
        names = [names] if isinstance(names, str) else list(names)
        parts = [_field_html(page, name) for name in names]
        draft[field] = "\n".join(part for part in parts if part)
    draft.setdefault("body", "")
    return draft


def draft_for_revision(revision) -> dict:
    return draft_for_page(revision.as_object())


def content_sha256(draft: dict) -> str:
    """The hash pubgate reports as ``content_sha256`` for this draft (same canonical form)."""
    return Draft.from_dict(draft).content_sha256
