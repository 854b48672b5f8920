"""Issue 13, point 8: "Fastställd" is the decision's date. Lägesbilder adopted before it get the day the adoption
was recorded, in Stockholm: all that is known of them (their decision text may name another day)."""

from zoneinfo import ZoneInfo

from django.db import migrations, models


def recorded_day(apps, schema_editor):
    Lagesbild = apps.get_model("situation", "Lagesbild")
    stockholm = ZoneInfo("Europe/Stockholm")
    for lagesbild in Lagesbild.objects.filter(adopted_at__isnull=False, decided_on__isnull=True):
        lagesbild.decided_on = lagesbild.adopted_at.astimezone(stockholm).date()
        lagesbild.save(update_fields=["decided_on"])


class Migration(migrations.Migration):
    dependencies = [
        ("situation", "0003_problem_evidence"),
    ]

    operations = [
        migrations.AddField(
            model_name="lagesbild",
            name="decided_on",
            field=models.DateField(
                blank=True,
                help_text="Dagen då kommunstyrelsen fastställde lägesbilden.",
                null=True,
                verbose_name="beslutsdatum",
            ),
        ),
        migrations.RunPython(recorded_day, migrations.RunPython.noop),
    ]
