"""Write every photo stored before `est/photos.py` kept only pixels anew from its pixels, under the same name.

Until issue 15 a JPEG's comment (and a GIF's) survived the re-encoding, so a stored photo could carry a name or a
personnummer to everyone who may see it. Each stored photo is read, written anew by `photos.clean_photo` and
put back under its name, so the reports keep their links. A file that is missing or cannot be read is left as it
is and counted; one audit row, `est.photos_rewritten`, says how many were rewritten and how many were not.
"""

from typing import Any

from django.core.files.storage import default_storage
from django.db import migrations

from lofte.est.photos import PhotoRefused, clean_photo

ACTOR_LABEL = "lofte migrate"


def rewrite(apps: Any, schema_editor: Any) -> None:
    incident = apps.get_model("est", "Incident")
    audit_event = apps.get_model("audit", "AuditEvent")
    rewritten = failed = 0
    for name in incident.objects.exclude(photo="").order_by("pk").values_list("photo", flat=True).iterator():
        try:
            with default_storage.open(name, "rb") as stored:
                data = stored.read()
            clean = clean_photo(data, name)
        except (OSError, PhotoRefused):
            failed += 1
            continue
        default_storage.delete(name)
        if default_storage.save(name, clean) != name:  # pragma: no cover - the name was just freed
            raise RuntimeError(f"the photo {name} could not be written back under its name")
        rewritten += 1
    if rewritten or failed:
        audit_event.objects.create(
            actor=None,
            actor_label=ACTOR_LABEL,
            action="est.photos_rewritten",
            object_type="est.incident",
            object_id="",
            object_repr="",
            changes={"rewritten": rewritten, "unreadable": failed},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("est", "0005_set_up_existing_partnerships"),
    ]

    operations = [migrations.RunPython(rewrite, migrations.RunPython.noop, elidable=True)]
