"""The history cursor starts at the newest history rows: a database that
already holds waivers when alerts arrive sends none of its past as news."""

from django.db import migrations
from django.db.models import Max


def start_cursor(apps, schema_editor):
    status_changes = apps.get_model("waivers", "WaiverStatusChange")
    audit_entries = apps.get_model("waivers", "WaiverAuditEntry")
    apps.get_model("alerts", "ChangeCursor").objects.get_or_create(
        pk=1,
        defaults={
            "status_change_id": status_changes.objects.aggregate(m=Max("id"))["m"] or 0,
            "audit_entry_id": audit_entries.objects.aggregate(m=Max("id"))["m"] or 0,
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0001_initial"),
        ("waivers", "0003_performance_indexes_data_version"),
    ]

    operations = [migrations.RunPython(start_cursor, migrations.RunPython.noop)]
