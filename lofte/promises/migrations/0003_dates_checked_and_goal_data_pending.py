"""Issue 13, points 8 and 9: a goal's "data kommer", the reason a löfte lies outside its agreement's period, and
the two states of a missing value, which earlier evaluations stored as "för tidigt att säga"."""

from django.db import migrations, models


def missing_is_a_state(apps, schema_editor):
    """An evaluation without a value said "för tidigt att säga"; it now says which value is missing."""
    GoalEvaluation = apps.get_model("promises", "GoalEvaluation")
    early = GoalEvaluation.objects.filter(computed="for_tidigt", goal__metric__isnull=False, goal__area__isnull=False)
    early = early.exclude(goal__kind="kvalitativ")
    early.filter(baseline_value__isnull=True).exclude(goal__target="level").update(computed="basvarde_saknas")
    early.filter(value__isnull=True).update(computed="varde_saknas")


class Migration(migrations.Migration):
    dependencies = [
        ("promises", "0002_decision_proposed_by"),
    ]

    operations = [
        migrations.AddField(
            model_name="goal",
            name="data_pending",
            field=models.BooleanField(
                default=False,
                help_text="Kryssa i när måttet ännu saknar värden för området, för basperioden eller för senare perioder, och värdena kommer senare. Uppföljningen visar då att data väntas.",
                verbose_name="data kommer",
            ),
        ),
        migrations.AddField(
            model_name="medborgarlofte",
            name="outside_agreement_reason",
            field=models.TextField(
                blank=True,
                help_text="Samordnarens skäl när löftets år ligger utanför överenskommelsens period.",
                verbose_name="skäl till perioden utanför överenskommelsen",
            ),
        ),
        migrations.AlterField(
            model_name="goalevaluation",
            name="computed",
            field=models.CharField(
                choices=[
                    ("uppnatt", "Uppnått"),
                    ("inte_uppnatt", "Inte uppnått"),
                    ("for_tidigt", "För tidigt att säga"),
                    ("ingen_saker_forandring", "Ingen säker förändring"),
                    ("basvarde_saknas", "Basvärde saknas"),
                    ("varde_saknas", "Värdet för perioden saknas ännu"),
                ],
                max_length=24,
                verbose_name="beräknad bedömning",
            ),
        ),
        migrations.AlterField(
            model_name="goalevaluation",
            name="override",
            field=models.CharField(
                blank=True,
                choices=[
                    ("uppnatt", "Uppnått"),
                    ("inte_uppnatt", "Inte uppnått"),
                    ("for_tidigt", "För tidigt att säga"),
                    ("ingen_saker_forandring", "Ingen säker förändring"),
                    ("basvarde_saknas", "Basvärde saknas"),
                    ("varde_saknas", "Värdet för perioden saknas ännu"),
                ],
                max_length=24,
                verbose_name="ändrad bedömning",
            ),
        ),
        migrations.RunPython(missing_is_a_state, migrations.RunPython.noop),
    ]
