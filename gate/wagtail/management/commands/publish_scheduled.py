"""Wagtail's ``publish_scheduled``, refusing revisions pubgate did not approve.

A due revision whose content hash is not the approved one is unscheduled, logged as
``pubgate.publish.refused`` and reported on stderr; the others are published as usual. Without
this override the model-level guard still refuses, but its exception would stop the whole run.
"""

from __future__ import annotations

from django.utils import timezone
from wagtail.management.commands.publish_scheduled import Command as WagtailCommand
from wagtail.models import Page, Revision

from ...guard import log_refusal, refusal


class Command(WagtailCommand):
    help = "发布到期的定时版本；未通过 pubgate 发布前检查的版本被拒绝并取消定时。"

    def handle(self, *args, **options):
        due = Revision.objects.filter(approved_go_live_at__lt=timezone.now()).order_by("approved_go_live_at")
        for revision in due:
            content = revision.as_object()
            if not isinstance(content, Page):
                continue
            reason = refusal(content)
            if reason is None:
                continue
            self.stderr.write(f"pubgate 拒绝定时发布（版本 {revision.pk}）：{reason}")
            if not options.get("dryrun"):
                Revision.objects.filter(pk=revision.pk).update(approved_go_live_at=None)
                log_refusal(content.specific if hasattr(content, "specific") else content,
                            f"定时发布被拒绝：{reason}", revision=revision)
        return super().handle(*args, **options)
