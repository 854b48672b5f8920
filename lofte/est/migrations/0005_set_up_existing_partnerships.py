"""Set EST up for every partnership created before it was set up at creation (`est/setup.py`): the settings row with
its defaults, and the reference categories it lacks (all shown for a partnership without categories, hidden for
one that has chosen its own), with one audit row `est.set_up` each, as `do_set_up_est` writes it."""

from typing import Any

from django.db import migrations

from lofte.est.setup import add_reference_categories

ACTOR_LABEL = "lofte migrate"


def set_up(apps: Any, schema_editor: Any) -> None:
    partnerships = apps.get_model("partnerships", "Partnership")
    settings_model = apps.get_model("est", "EstSettings")
    category = apps.get_model("est", "Category")
    audit_event = apps.get_model("audit", "AuditEvent")
    for partnership in partnerships.objects.order_by("pk"):
        settings, created = settings_model.objects.get_or_create(partnership=partnership)
        added = add_reference_categories(category, partnership.pk)
        if created or added:
            audit_event.objects.create(
                actor=None,
                actor_label=ACTOR_LABEL,
                action="est.set_up",
                object_type="est.estsettings",
                object_id=str(settings.pk),
                object_repr=partnership.name[:200],
                partnership=partnership,
                changes={"settings": created, "categories": added},
            )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("est", "0004_rename_action_measure"),
        ("partnerships", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(set_up, migrations.RunPython.noop),
    ]
