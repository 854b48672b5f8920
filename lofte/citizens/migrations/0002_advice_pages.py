"""The shared advice pages every kommun starts with (lofte.citizens.advice.shared.SHARED_PAGES)."""

from django.db import migrations


def install(apps, schema_editor):  # type: ignore[no-untyped-def]
    from lofte.citizens.advice.shared import install_shared_pages

    install_shared_pages(apps.get_model("citizens", "AdvicePage"))


class Migration(migrations.Migration):
    dependencies = [("citizens", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
