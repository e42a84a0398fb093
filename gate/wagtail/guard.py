"""The publish guard: a page goes live only with content whose hash pubgate approved.

Every Wagtail publish path — the Publish button, workflow completion, bulk actions, scheduled
publishing, ``revision.publish()`` from a management command, a shell or an API view — ends in
saving the page with a new ``live_revision`` (``PublishRevisionAction``). A ``pre_save`` receiver
on that save is the one place all of them pass, so the guard lives there and raises
``PublishRefused``. The admin hooks (``wagtail_hooks.py``) and ``publish_scheduled`` ask the same
question first, so people see a message instead of an error page.

"Approved" means: the latest 「发布前检查」 task state approved for this page carries exactly the
``content_sha256`` of the content going live. A change after approval changes the hash.
"""

from __future__ import annotations

from django.db.models.signals import pre_save
from wagtail.actions.publish_page_revision import PublishPagePermissionError
from wagtail.log_actions import log
from wagtail.models import Page

from . import drafts
from .conf import setting

__all__ = ["PublishRefused", "refusal", "approved_sha256", "connect", "log_refusal", "REFUSED_ACTION"]

REFUSED_ACTION = "pubgate.publish.refused"


class PublishRefused(PublishPagePermissionError):
    """Publishing this content is refused; ``str()`` is the Chinese reason."""


def approved_sha256(page) -> str | None:
    """The content hash of the latest approved 「发布前检查」 for ``page``, if any."""
    from .models import PrepublishCheckTaskState

    return (PrepublishCheckTaskState.objects
            .filter(status=PrepublishCheckTaskState.STATUS_APPROVED, workflow_state__object_id=str(page.pk),
                    workflow_state__base_content_type_id=page.get_base_content_type().pk)
            .exclude(content_sha256="")
            .order_by("-finished_at", "-pk")
            .values_list("content_sha256", flat=True)
            .first())


def _exempt(page) -> bool:
    label = f"{page._meta.app_label}.{page._meta.model_name}"
    return label in {name.lower() for name in setting("EXEMPT_PAGE_TYPES")}


def refusal(page) -> str | None:
    """Why ``page`` (an instance holding the content to go live) may not be published, or None."""
    if _exempt(page):
        return None
    approved = approved_sha256(page) if page.pk else None
    title = page.title
    if approved is None:
        return f"「{title}」尚未通过 pubgate 发布前检查，不能发布。请先提交审核（发布前检查）。"
    if drafts.content_sha256(drafts.draft_for_page(page)) != approved:
        return (f"「{title}」的内容与通过发布前检查的版本不一致（检查通过后又有修改），不能发布。"
                "请重新提交审核。")
    return None


def log_refusal(page, reason: str, user=None, revision=None) -> None:
    log(instance=page, action=REFUSED_ACTION, user=user, revision=revision, data={"reason": reason})


def _going_live(page) -> bool:
    """True when this save makes content live: the page goes live, or its live revision changes."""
    if not page.live:
        return False
    if page.pk is None:
        return True
    row = Page.objects.filter(pk=page.pk).values_list("live", "live_revision_id").first()
    if row is None:
        return True
    was_live, live_revision_id = row
    return not was_live or page.live_revision_id != live_revision_id


def _before_save(sender, instance, raw=False, **kwargs):
    if raw or not isinstance(instance, Page) or instance.is_root():
        return
    if _going_live(instance):
        reason = refusal(instance)
        if reason:
            raise PublishRefused(reason)


def connect() -> None:
    pre_save.connect(_before_save, dispatch_uid="pubgate.wagtail.publish_guard")
