"""An admin page with the full report of one 「发布前检查」."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from .models import PrepublishCheckTaskState


def check_report(request, task_state_id: int):
    task_state = get_object_or_404(PrepublishCheckTaskState, pk=task_state_id)
    page = task_state.workflow_state.content_object
    if not page.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    return TemplateResponse(request, "pubgate_wagtail/check_report.html", {
        "task_state": task_state, "page": page, "findings": task_state.findings,
        "header_title": f"发布前检查：{page.title}", "page_title": "发布前检查结果"})
