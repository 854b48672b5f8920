from django.db import migrations

from lofte.areas.reference import load_reference_areas


def load(apps, schema_editor):
    load_reference_areas(apps.get_model("areas", "Area"))


class Migration(migrations.Migration):
    dependencies = [("areas", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
