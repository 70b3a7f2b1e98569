import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies: list = []

    operations = [
        migrations.CreateModel(
            name="Publication",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("indicator_id", models.CharField(db_index=True, max_length=60)),
                ("version", models.CharField(max_length=20)),
                (
                    "previous_version",
                    models.CharField(blank=True, help_text="Empty for a new indicator.", max_length=20),
                ),
                ("published_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ("published_by", models.CharField(max_length=150)),
                ("role", models.CharField(blank=True, max_length=20)),
                ("checked_by", models.CharField(blank=True, max_length=150)),
                ("diff", models.TextField(help_text="Unified diff from the previous definition.")),
                ("sha256", models.CharField(help_text="Of the file as written.", max_length=64)),
            ],
            options={"ordering": ["-published_at", "-id"], "default_permissions": ("view",)},
        ),
    ]
