"""The Django app config: connects the publish guard once the registry is ready."""

from __future__ import annotations

from django.apps import AppConfig
from django.core import checks


class PubgateWagtailConfig(AppConfig):
    name = "pubgate.wagtail"
    label = "pubgate_wagtail"
    verbose_name = "pubgate 发布前检查"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import guard

        guard.connect()
        checks.register(check_app_order)


def check_app_order(app_configs=None, **kwargs):
    """Django picks the management command of the first app listing it: pubgate's
    ``publish_scheduled`` (which skips refused revisions instead of stopping) must come first."""
    from django.conf import settings

    apps = list(settings.INSTALLED_APPS)
    if "wagtail" in apps and apps.index("pubgate.wagtail") > apps.index("wagtail"):
        return [checks.Warning(
            "INSTALLED_APPS 中 \"pubgate.wagtail\" 应位于 \"wagtail\" 之前",
            hint="否则定时发布命令 publish_scheduled 遇到未经检查的版本会中断，而不是跳过并记录。",
            id="pubgate_wagtail.W001")]
    return []
