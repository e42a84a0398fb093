"""Create the editor account and the workflow 「发布前检查」 on the whole site."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from wagtail.models import Page, Workflow, WorkflowPage, WorkflowTask

from pubgate.wagtail.models import PrepublishCheckTask


class Command(BaseCommand):
    @transaction.atomic
    def handle(self, *args, **options):
        get_user_model().objects.create_superuser("editor", "editor@example.gov.cn", "editor-password")
        task = PrepublishCheckTask.objects.create(name="发布前检查")
        workflow = Workflow.objects.create(name="发布前检查")
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
        # Wagtail's own migrations put a 「Moderators approval」 workflow on the root: replace it.
        WorkflowPage.objects.update_or_create(page=Page.objects.get(depth=1), defaults={"workflow": workflow})
        self.stdout.write("ok")
