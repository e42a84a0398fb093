"""The workflow task 「发布前检查」 and the record of what it checked.

``start()`` runs synchronously when a page is submitted: it sends the revision to pubgate, keeps
the report on its task state, and approves (verdict ``pass``/``warn``) or rejects (``block``, or
pubgate unreachable: fail closed). The approved ``content_sha256`` is what the publish guard
(``guard.py``) later compares every published revision against.
"""

from __future__ import annotations

from django.db import models, transaction
from wagtail.models import Task, TaskState

from . import client, drafts, findings

__all__ = ["PrepublishCheckTask", "PrepublishCheckTaskState"]


class PrepublishCheckTaskState(TaskState):
    content_sha256 = models.CharField("内容哈希", max_length=64, blank=True, db_index=True)
    verdict = models.CharField("结论", max_length=8, blank=True)
    ruleset = models.CharField("规则集", max_length=64, blank=True)
    report = models.JSONField("检查报告", default=dict, blank=True)

    class Meta:
        verbose_name = "发布前检查记录"
        verbose_name_plural = "发布前检查记录"

    @property
    def findings(self) -> list[dict]:
        return findings.labelled(self.report.get("findings", []))


class PrepublishCheckTask(Task):
    task_state_class = PrepublishCheckTaskState

    class Meta:
        verbose_name = "发布前检查"
        verbose_name_plural = "发布前检查"

    @classmethod
    def get_description(cls):
        return "提交审核时自动调用 pubgate 检查标题和正文；有「阻断」级问题时退回修改，只有通过检查的内容才能发布。"

    @transaction.atomic
    def start(self, workflow_state, user=None):
        task_state = super().start(workflow_state, user=user)
        # Task.start() takes the revision from workflow_state.content_object, which the edit view
        # may have loaded before saving the revision being resubmitted: check the newest one.
        content = workflow_state.content_object
        latest = type(content)._default_manager.get(pk=content.pk).get_latest_revision()
        if latest is not None and latest.pk != task_state.revision_id:
            task_state.revision = latest
            task_state.save(update_fields=["revision"])
        draft = drafts.draft_for_revision(task_state.revision)
        expected = drafts.content_sha256(draft)
        try:
            report = client.check(draft, idempotency_key=f"wagtail-task-state-{task_state.pk}")
        except client.GateUnavailable as exc:
            task_state.report = {"error": str(exc), "findings": []}
            task_state.save(update_fields=["report"])
            task_state.reject(update=False, comment=f"发布前检查未完成（失败即阻断）：{exc}")
            return task_state
        if report.get("content_sha256") != expected:
            # The service hashed something else than we will compare at publish: refuse rather
            # than approve a hash the guard could never match.
            report["error"] = "pubgate 返回的内容哈希与本地计算不一致，请检查 pubgate 版本"
        task_state.report = report
        task_state.content_sha256 = expected
        task_state.verdict = report.get("verdict", "")
        task_state.ruleset = report.get("ruleset", "")
        task_state.save(update_fields=["report", "content_sha256", "verdict", "ruleset"])
        if report.get("error") or task_state.verdict not in ("pass", "warn"):
            comment = report.get("error") or "发布前检查发现阻断级问题，请修改后重新提交：\n" + findings.summary(
                report.get("findings", []))
            task_state.reject(update=False, comment=comment)
        else:
            note = findings.summary(report.get("findings", []))
            task_state.approve(update=False, comment=("发布前检查通过，提示：\n" + note) if note else "发布前检查通过")
        return task_state

    def get_actions(self, obj, user):
        return []  # decided by the machine; people decide in the tasks after it
