"""Wagtail admin hooks: refuse unapproved publishes with a message, show the findings.

The model-level guard (``guard.py``) refuses regardless; these hooks only make the refusal
readable where a person pressed a button.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.safestring import mark_safe
from wagtail import hooks

from . import views
from .guard import REFUSED_ACTION, log_refusal, refusal
from .models import PrepublishCheckTaskState


@hooks.register("register_log_actions")
def register_log_actions(actions):
    actions.register_action(REFUSED_ACTION, "发布被拒绝（pubgate）", "pubgate 拒绝发布：内容未通过发布前检查")


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [path("pubgate/checks/<int:task_state_id>/", views.check_report, name="pubgate_wagtail_check")]


@hooks.register("before_publish_page")
def refuse_unapproved_publish(request, page):
    reason = refusal(page)
    if reason:
        log_refusal(page, reason, user=request.user, revision=page.get_latest_revision())
        messages.error(request, reason)
        return redirect("wagtailadmin_pages:edit", page.pk)
    return None


@hooks.register("before_bulk_action")
def refuse_unapproved_bulk_publish(request, action_type, objects, action_class_instance):
    if action_type != "publish":
        return None
    refused = []
    for page in objects:
        revision = page.get_latest_revision()
        content = revision.as_object() if revision else page.specific
        reason = refusal(content)
        if reason:
            log_refusal(page.specific, reason, user=request.user, revision=revision)
            refused.append(reason)
    if refused:
        messages.error(request, "批量发布被拒绝：" + " ".join(refused))
        return redirect(request.GET.get("next") or reverse("wagtailadmin_explore_root"))
    return None


def _rejected_check(page) -> PrepublishCheckTaskState | None:
    """The 「发布前检查」 that sent this page back for changes, if that is where it stands."""
    state = page.current_workflow_state
    if state is None or state.status != state.STATUS_NEEDS_CHANGES or state.current_task_state is None:
        return None
    task_state = state.current_task_state.specific
    return task_state if isinstance(task_state, PrepublishCheckTaskState) else None


@hooks.register("after_edit_page")
@hooks.register("after_create_page")
def stay_on_findings(request, page):
    # After a submit the check has run: when it blocked, stay in the editor so the findings
    # (shown by the hook below) sit next to the text to fix.
    if request.method == "POST" and "action-submit" in request.POST and _rejected_check(page):
        return redirect("wagtailadmin_pages:edit", page.pk)
    return None


@hooks.register("before_edit_page")
def show_findings(request, page):
    if request.method != "GET":
        return None
    task_state = _rejected_check(page)
    if task_state is not None:
        html = render_to_string("pubgate_wagtail/findings_message.html", {
            "task_state": task_state, "findings": task_state.findings,
            "report_url": reverse("pubgate_wagtail_check", args=[task_state.pk])})
        messages.error(request, mark_safe(html))
    return None
