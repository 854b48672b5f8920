"""The decision record separates the body that proposed a medborgarlöfte from the body that decided it.

Existing records had one body, date and §. They stay the deciding body, unless that body is evidently an utskott
(the arbetsutskott choice, or a name with "utskott" or "AU"/"KSAU" in it): an utskott proposes, it does not decide,
so its body, date and § move to the proposal and the deciding body is left empty. Löfte does not guess who decided
or when; the samordnare adds it from the protocol. Reversing moves a proposal back only where no deciding body was
recorded beside it.
"""

import re

from django.db import migrations, models

# Frozen here, as the migration must not change when the model's rules do.
UTSKOTT = re.compile(r"utskott|\b(?:KS)?AU\b", re.IGNORECASE)
MOVED = ("body", "body_name", "meeting_date", "paragraph")
PROPOSAL = ("proposed_by", "proposed_by_name", "proposed_on", "proposed_paragraph")


def is_utskott(body, name):  # type: ignore[no-untyped-def]
    return body == "arbetsutskott" or bool(UTSKOTT.search(name or ""))


def move_utskott_to_proposal(apps, schema_editor):  # type: ignore[no-untyped-def]
    Decision = apps.get_model("promises", "Decision")
    for decision in Decision.objects.all():
        if not is_utskott(decision.body, decision.body_name):
            continue
        for source, target in zip(MOVED, PROPOSAL, strict=True):
            setattr(decision, target, getattr(decision, source))
        decision.body, decision.body_name, decision.meeting_date, decision.paragraph = "", "", None, ""
        decision.save(update_fields=[*MOVED, *PROPOSAL])


def move_proposal_back(apps, schema_editor):  # type: ignore[no-untyped-def]
    Decision = apps.get_model("promises", "Decision")
    for decision in Decision.objects.exclude(proposed_by="", proposed_by_name=""):
        if decision.body or decision.body_name or decision.meeting_date or decision.paragraph:
            continue
        for source, target in zip(MOVED, PROPOSAL, strict=True):
            setattr(decision, source, getattr(decision, target))
        decision.save(update_fields=list(MOVED))


class Migration(migrations.Migration):
    dependencies = [("promises", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="decision",
            name="proposed_by",
            field=models.CharField(
                blank=True,
                choices=[
                    ("arbetsutskott", "Arbetsutskott"),
                    ("kommunstyrelse", "Kommunstyrelsen"),
                    ("kommunfullmaktige", "Kommunfullmäktige"),
                    ("namnd", "Nämnd"),
                ],
                max_length=20,
                verbose_name="organ som föreslog",
            ),
        ),
        migrations.AddField(
            model_name="decision",
            name="proposed_by_name",
            field=models.CharField(blank=True, max_length=200, verbose_name="det föreslående organets namn"),
        ),
        migrations.AddField(
            model_name="decision",
            name="proposed_on",
            field=models.DateField(blank=True, null=True, verbose_name="förslagets sammanträdesdatum"),
        ),
        migrations.AddField(
            model_name="decision",
            name="proposed_paragraph",
            field=models.CharField(blank=True, max_length=20, verbose_name="förslagets paragraf"),
        ),
        migrations.RunPython(move_utskott_to_proposal, move_proposal_back),
    ]
