"""Every change to a lägesbild goes through here.

Each action checks the member's rights (Can.EDIT) and the state of the lägesbild as stored, under a row lock,
so a change cannot slip in beside a concurrent adoption. An adopted lägesbild never changes again. Free text is
refused when it holds personal data, here as well as in the forms, so commands and the demo cannot slip it in.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from datetime import date
from functools import reduce
from typing import Any

from django.db import transaction
from django.db.models import Max, Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lofte.areas.models import Area
from lofte.audit.log import diff, record
from lofte.lib.actors import Actor, user_of
from lofte.lib.pii import refuse_personal_data
from lofte.lib.refusals import ActionRefused
from lofte.partnerships.access import Can, PartnershipAccess
from lofte.partnerships.models import Partnership
from lofte.situation.lagesbild.evidence import freeze_event_counts
from lofte.situation.models import Dialogue, Figure, Lagesbild, Problem, ProblemSeries, Source
from lofte.statistics.models import Metric, Observation

PROBLEM_FIELDS = ("position", *Problem.EDITABLE_FIELDS)
# Monthly and weekly values are too many and too noisy to be the basis of a decision.
FROZEN_KINDS = ("year", "quarter")
FROZEN_FIELDS = ("period", "period_kind", "period_start", "value", "per_100k", "preliminary", "status", "import_run_id")

Values = dict[str, Any]


NOT_ALLOWED = gettext_lazy("Du har inte behörighet att ändra lägesbilden.")
FOREIGN = gettext_lazy("Lägesbilden hör till en annan samverkan.")


class LagesbildRefused(ActionRefused):
    """The member's role, the lägesbild's state or the content does not allow the change; the message says why."""


def _locked_status(lagesbild: Lagesbild) -> str:
    """The status as stored now; the lock makes a concurrent adoption wait for this change, or win before it."""
    rows = Lagesbild.objects.select_for_update().filter(pk=lagesbild.pk)
    return str(rows.values_list("status", flat=True).get())


def _require_draft(access: PartnershipAccess, lagesbild: Lagesbild) -> None:
    """Call inside transaction.atomic()."""
    access.require(Can.EDIT, LagesbildRefused, NOT_ALLOWED, owner=lagesbild.partnership_id, foreign=FOREIGN)
    if _locked_status(lagesbild) != Lagesbild.Status.UTKAST:
        raise LagesbildRefused(_("En fastställd lägesbild kan inte ändras; skapa en ny version."))


def _check_fields(values: Values, allowed: frozenset[str] | tuple[str, ...]) -> None:
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValueError(f"Cannot change {sorted(unknown)}")


def _update(obj: Model, values: Values, action: str, *, actor: Actor, partnership: Partnership) -> list[str]:
    before = {name: getattr(obj, name) for name in values}
    for name, value in values.items():
        setattr(obj, name, value)
    changes = diff(obj, list(values), before)
    if not changes:
        return []
    obj.full_clean()
    auto_now = ["updated_at"] if isinstance(obj, Lagesbild) else []
    obj.save(update_fields=[*changes, *auto_now])
    record(action, actor=actor, obj=obj, partnership=partnership, changes=changes)
    return list(changes)


# The lägesbild itself


def do_create_lagesbild(
    access: PartnershipAccess,
    *,
    title: str,
    year_from: int,
    year_to: int,
    actor: Actor,
    summary: str = "",
    copy_from: Lagesbild | None = None,
) -> Lagesbild:
    """The partnership's next version, empty or with the sources and problems of `copy_from` (not its figures)."""
    owner = None if copy_from is None else copy_from.partnership_id
    access.require(Can.EDIT, LagesbildRefused, NOT_ALLOWED, owner=owner, foreign=FOREIGN)
    refuse_personal_data({"title": title, "summary": summary}, Lagesbild.FREE_TEXT, LagesbildRefused)
    partnership = access.partnership
    with transaction.atomic():
        # Serialises version numbers within the partnership; the unique constraint is the backstop.
        Partnership.objects.select_for_update().filter(pk=partnership.pk).values_list("pk").get()
        latest = Lagesbild.objects.filter(partnership=partnership).aggregate(latest=Max("version"))["latest"]
        lagesbild = Lagesbild(
            partnership=partnership,
            version=(latest or 0) + 1,
            title=title,
            year_from=year_from,
            year_to=year_to,
            summary=summary,
            created_by=user_of(actor),
        )
        lagesbild.full_clean()
        lagesbild.save()
        changes = {"version": lagesbild.version, "title": title, "years": [year_from, year_to]}
        if copy_from is not None:
            changes |= _copy_contents(copy_from, lagesbild)
        record("lagesbild.create", actor=actor, obj=lagesbild, partnership=partnership, changes=changes)
    return lagesbild


def _copy_contents(original: Lagesbild, target: Lagesbild) -> Values:
    # Restricted sources are copied as restricted: the new version rests on the same intelligence, and
    # whoever could not see it before still cannot.
    sources = [Source(lagesbild=target, **{f: getattr(s, f) for f in Source.FIELDS}) for s in original.sources.all()]
    Source.objects.bulk_create(sources)
    problems = list(original.problems.prefetch_related("series"))
    copies = [Problem(lagesbild=target, **{f: getattr(p, f) for f in PROBLEM_FIELDS}) for p in problems]
    Problem.objects.bulk_create(copies)
    links = [
        ProblemSeries(problem=copy, metric_id=link.metric_id, area_id=link.area_id)
        for problem, copy in zip(problems, copies, strict=True)
        for link in problem.series.all()
    ]
    ProblemSeries.objects.bulk_create(links)
    citations = _copy_dialogue_links(problems, copies)
    return {
        "copied_from": original.version,
        "sources": len(sources),
        "problems": len(copies),
        "series": len(links),
        "dialogues": citations,
    }


def _copy_dialogue_links(problems: list[Problem], copies: list[Problem]) -> int:
    Citation = Problem.dialogues.through
    copy_of = {problem.pk: copy.pk for problem, copy in zip(problems, copies, strict=True)}
    rows = Citation.objects.filter(problem_id__in=copy_of).values_list("problem_id", "dialogue_id")
    citations = [Citation(problem_id=copy_of[problem], dialogue_id=dialogue) for problem, dialogue in rows]
    Citation.objects.bulk_create(citations)
    return len(citations)


def do_update_lagesbild(access: PartnershipAccess, lagesbild: Lagesbild, *, actor: Actor, **values: Any) -> list[str]:
    """Change title, summary or period of a draft; returns the fields that changed."""
    _check_fields(values, Lagesbild.EDITABLE_FIELDS)
    with transaction.atomic():
        _require_draft(access, lagesbild)
        refuse_personal_data(values, Lagesbild.FREE_TEXT, LagesbildRefused)
        return _update(lagesbild, values, "lagesbild.update", actor=actor, partnership=access.partnership)


# Sources


def do_add_source(
    access: PartnershipAccess,
    lagesbild: Lagesbild,
    *,
    kind: str,
    title: str,
    actor: Actor,
    description: str = "",
    reference: str = "",
    restricted: bool = False,
) -> Source:
    """A source of the kartläggning. Police intelligence only from those who may see it, and always restricted."""
    if kind == Source.Kind.UNDERRATTELSE and not access.can(Can.VIEW_RESTRICTED):
        raise LagesbildRefused(_("Bara polisen kan lägga till underrättelser."))
    if restricted and not access.can(Can.VIEW_RESTRICTED):
        # Otherwise the member would hide the source from themselves.
        raise LagesbildRefused(_("Du kan inte begränsa en källa som du sedan inte får se."))
    with transaction.atomic():
        _require_draft(access, lagesbild)
        free_text = {"title": title, "description": description, "reference": reference}
        refuse_personal_data(free_text, Source.FREE_TEXT, LagesbildRefused)
        source = Source(
            lagesbild=lagesbild,
            kind=kind,
            title=title,
            description=description,
            reference=reference,
            restricted=restricted or kind == Source.Kind.UNDERRATTELSE,
        )
        source.full_clean()
        source.save()
        _record_source("lagesbild.add_source", source, actor=actor, partnership=access.partnership)
    return source


def do_remove_source(access: PartnershipAccess, source: Source, *, actor: Actor) -> None:
    if source.restricted and not access.can(Can.VIEW_RESTRICTED):
        raise LagesbildRefused(_("Du får inte ta bort en begränsad källa."))
    with transaction.atomic():
        _require_draft(access, source.lagesbild)
        _record_source("lagesbild.remove_source", source, actor=actor, partnership=access.partnership)
        source.delete()


def _record_source(action: str, source: Source, *, actor: Actor, partnership: Partnership) -> None:
    # Recorded on the lägesbild, and without the title of a restricted source: the activity feed is read by
    # every member of the partnership, and the title of police intelligence can itself reveal it.
    changes: Values = {"source": source.pk, "kind": source.kind, "restricted": source.restricted}
    if not source.restricted:
        changes["title"] = source.title
    record(action, actor=actor, obj=source.lagesbild, partnership=partnership, changes=changes)


# Problems and their evidence


def do_add_problem(
    access: PartnershipAccess, lagesbild: Lagesbild, *, title: str, actor: Actor, **fields: Any
) -> Problem:
    """A problem placed last; `fields` are any of PROBLEM_FIELDS (description, place, time, causes, …)."""
    _check_fields(fields, PROBLEM_FIELDS)
    with transaction.atomic():
        _require_draft(access, lagesbild)
        refuse_personal_data({"title": title, **fields}, Problem.FREE_TEXT, LagesbildRefused)
        if "position" not in fields:
            last = lagesbild.problems.aggregate(last=Max("position"))["last"]
            fields["position"] = 0 if last is None else last + 1
        problem = Problem(lagesbild=lagesbild, title=title, **fields)
        problem.full_clean()
        problem.save()
        changes = {"lagesbild": lagesbild.version, "title": title, **fields}
        record("lagesbild.add_problem", actor=actor, obj=problem, partnership=access.partnership, changes=changes)
    return problem


def do_update_problem(access: PartnershipAccess, problem: Problem, *, actor: Actor, **values: Any) -> list[str]:
    """Change any of PROBLEM_FIELDS; returns the fields that changed."""
    _check_fields(values, PROBLEM_FIELDS)
    with transaction.atomic():
        _require_draft(access, problem.lagesbild)
        refuse_personal_data(values, Problem.FREE_TEXT, LagesbildRefused)
        return _update(problem, values, "lagesbild.update_problem", actor=actor, partnership=access.partnership)


def do_remove_problem(access: PartnershipAccess, problem: Problem, *, actor: Actor) -> None:
    with transaction.atomic():
        _require_draft(access, problem.lagesbild)
        changes = {"lagesbild": problem.lagesbild.version, "title": problem.title}
        record("lagesbild.remove_problem", actor=actor, obj=problem, partnership=access.partnership, changes=changes)
        problem.delete()


def do_link_series(
    access: PartnershipAccess, problem: Problem, metric_code: str, area_code: str, *, actor: Actor
) -> ProblemSeries:
    """Show a problem's extent with a metric for an area; linking the same series again changes nothing."""
    metric = Metric.objects.filter(code=metric_code).first()
    if metric is None:
        raise LagesbildRefused(_("Det finns inget mått med koden %(code)s.") % {"code": metric_code})
    area = Area.objects.filter(code=area_code).defer("geometry").first()
    if area is None:
        raise LagesbildRefused(_("Det finns inget område med koden %(code)s.") % {"code": area_code})
    with transaction.atomic():
        _require_draft(access, problem.lagesbild)
        link, created = ProblemSeries.objects.get_or_create(problem=problem, metric=metric, area=area)
        if created:
            changes = {"metric": metric.code, "area": area.code}
            record("lagesbild.link_series", actor=actor, obj=problem, partnership=access.partnership, changes=changes)
    return link


def do_unlink_series(access: PartnershipAccess, link: ProblemSeries, *, actor: Actor) -> None:
    problem = link.problem
    with transaction.atomic():
        _require_draft(access, problem.lagesbild)
        changes = {"metric": link.metric.code, "area": link.area.code}
        record("lagesbild.unlink_series", actor=actor, obj=problem, partnership=access.partnership, changes=changes)
        link.delete()


def do_link_dialogue(access: PartnershipAccess, problem: Problem, dialogue: Dialogue, *, actor: Actor) -> None:
    """Cite one of the partnership's dialogues as evidence for a problem; citing it again changes nothing."""
    with transaction.atomic():
        _require_draft(access, problem.lagesbild)
        if dialogue.partnership_id != access.partnership.pk:
            raise LagesbildRefused(_("Dialogen hör till en annan samverkan."))
        _citation, created = Problem.dialogues.through.objects.get_or_create(problem=problem, dialogue=dialogue)
        if created:
            changes = _dialogue_changes(dialogue)
            record("lagesbild.link_dialogue", actor=actor, obj=problem, partnership=access.partnership, changes=changes)


def do_unlink_dialogue(access: PartnershipAccess, problem: Problem, dialogue: Dialogue, *, actor: Actor) -> None:
    with transaction.atomic():
        _require_draft(access, problem.lagesbild)
        removed, _by_model = Problem.dialogues.through.objects.filter(problem=problem, dialogue=dialogue).delete()
        if removed:
            changes = _dialogue_changes(dialogue)
            record(
                "lagesbild.unlink_dialogue", actor=actor, obj=problem, partnership=access.partnership, changes=changes
            )


def _dialogue_changes(dialogue: Dialogue) -> Values:
    # Without the place: it is free text the kommun's gallringsbeslut may remove, and the log outlives it.
    return {"dialogue": dialogue.pk, "kind": dialogue.kind, "date": dialogue.date}


# Adoption


def do_adopt_lagesbild(
    access: PartnershipAccess, lagesbild: Lagesbild, *, decision: str, decided_on: date, actor: Actor
) -> Lagesbild:
    """Record the decision that adopts a complete lägesbild and freeze the figures and event counts it rests on.
    `decided_on` is the day of the decision, which "Fastställd" shows; it cannot lie ahead."""
    decision = decision.strip()
    if not decision:
        raise LagesbildRefused(_("Ange beslutet, till exempel ”Kommunstyrelsen 2026-03-12 § 45”."))
    if decided_on > timezone.localdate():
        raise LagesbildRefused(
            _("Beslutsdatumet %(date)s ligger i framtiden; fastställ lägesbilden när beslutet är fattat.")
            % {"date": decided_on.isoformat()}
        )
    with transaction.atomic():
        access.require(Can.EDIT, LagesbildRefused, NOT_ALLOWED, owner=lagesbild.partnership_id, foreign=FOREIGN)
        if _locked_status(lagesbild) == Lagesbild.Status.FASTSTALLD:
            raise LagesbildRefused(_("Lägesbilden är redan fastställd."))
        _require_complete(lagesbild)
        adopted_at = timezone.now()
        figures = _freeze_figures(lagesbild)
        event_counts = freeze_event_counts(lagesbild, access.partnership.area_id, timezone.localdate(adopted_at))
        lagesbild.status = Lagesbild.Status.FASTSTALLD
        lagesbild.adopted_at = adopted_at
        lagesbild.adopted_by = user_of(actor)
        lagesbild.decision = decision
        lagesbild.decided_on = decided_on
        lagesbild.save(update_fields=["status", "adopted_at", "adopted_by", "decision", "decided_on", "updated_at"])
        changes = {
            "version": lagesbild.version,
            "decision": decision,
            "decided_on": decided_on,
            "figures": figures,
            "events": event_counts,
        }
        record("lagesbild.adopt", actor=actor, obj=lagesbild, partnership=access.partnership, changes=changes)
    return lagesbild


def _require_complete(lagesbild: Lagesbild) -> None:
    missing = lagesbild.missing_points()
    if missing:
        points = "; ".join(str(item.label) for item in missing)
        raise LagesbildRefused(
            _("Lägesbilden kan inte fastställas förrän checklistan är klar. Saknas: %(points)s.") % {"points": points}
        )


def _freeze_figures(lagesbild: Lagesbild) -> int:
    """Copy the linked series' values in the period into Figure rows, one insert; returns how many."""
    links = list(
        ProblemSeries.objects.filter(problem__lagesbild=lagesbild).values_list("problem_id", "metric_id", "area_id")
    )
    if not links:
        return 0
    values = _observations({(metric, area) for _, metric, area in links}, lagesbild.year_from, lagesbild.year_to)
    figures = [
        Figure(lagesbild=lagesbild, problem_id=problem, metric_id=metric, area_id=area, **row)
        for problem, metric, area in links
        for row in values.get((metric, area), [])
    ]
    Figure.objects.bulk_create(figures, batch_size=1000)
    return len(figures)


def _observations(pairs: set[tuple[int, int]], year_from: int, year_to: int) -> dict[tuple[int, int], list[Values]]:
    wanted = reduce(operator.or_, (Q(series__metric_id=metric, series__area_id=area) for metric, area in pairs))
    rows = (
        Observation.objects.filter(
            wanted,
            period_kind__in=FROZEN_KINDS,
            period_start__gte=date(year_from, 1, 1),
            period_start__lte=date(year_to, 12, 31),
        )
        .order_by("period_start")
        .values("series__metric_id", "series__area_id", *FROZEN_FIELDS)
    )
    by_series: dict[tuple[int, int], list[Values]] = defaultdict(list)
    for row in rows:
        by_series[(row.pop("series__metric_id"), row.pop("series__area_id"))].append(row)
    return by_series
