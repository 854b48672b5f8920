from django.db import migrations


class Migration(migrations.Migration):
    """The model of an action decided at an EST meeting is named Measure, so it never reads like `actions.py`."""

    dependencies = [
        ("est", "0003_routing_unique_on_every_database"),
    ]

    operations = [
        migrations.RenameModel(old_name="Action", new_name="Measure"),
    ]
