import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("wagtailcore", "0089_log_entry_data_json_null_to_object"),
    ]

    operations = [
        migrations.CreateModel(
            name="PrepublishCheckTask",
            fields=[
                ("task_ptr", models.OneToOneField(
                    auto_created=True, on_delete=django.db.models.deletion.CASCADE, parent_link=True,
                    primary_key=True, serialize=False, to="wagtailcore.task")),
            ],
            options={"verbose_name": "发布前检查", "verbose_name_plural": "发布前检查"},
            bases=("wagtailcore.task",),
        ),
        migrations.CreateModel(
            name="PrepublishCheckTaskState",
            fields=[
                ("taskstate_ptr", models.OneToOneField(
                    auto_created=True, on_delete=django.db.models.deletion.CASCADE, parent_link=True,
                    primary_key=True, serialize=False, to="wagtailcore.taskstate")),
                ("content_sha256", models.CharField(blank=True, db_index=True, max_length=64,
                                                    verbose_name="内容哈希")),
                ("verdict", models.CharField(blank=True, max_length=8, verbose_name="结论")),
                ("ruleset", models.CharField(blank=True, max_length=64, verbose_name="规则集")),
                ("report", models.JSONField(blank=True, default=dict, verbose_name="检查报告")),
            ],
            options={"verbose_name": "发布前检查记录", "verbose_name_plural": "发布前检查记录"},
            bases=("wagtailcore.taskstate",),
        ),
    ]
