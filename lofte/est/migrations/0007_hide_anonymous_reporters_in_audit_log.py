"""Mark the audit rows of the anonymous reports filed before rows said so (`actor_hidden`), so the activity feed
stops naming their reporters. Only the flag changes: the row still says who reported."""

from typing import Any

from django.db import migrations

CHUNK = 500  # ids per query, well within every database's limit on parameters


def hide(apps: Any, schema_editor: Any) -> None:
    incident = apps.get_model("est", "Incident")
    audit_event = apps.get_model("audit", "AuditEvent")
    ids = [str(pk) for pk in incident.objects.filter(anonymous=True).values_list("pk", flat=True).order_by("pk")]
    for start in range(0, len(ids), CHUNK):
        audit_event.objects.filter(
            action="est.incident.report", object_type="est.incident", object_id__in=ids[start : start + CHUNK]
        ).update(actor_hidden=True)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_auditevent_actor_hidden"),
        ("est", "0006_write_stored_photos_from_pixels"),
    ]

    operations = [migrations.RunPython(hide, migrations.RunPython.noop)]
