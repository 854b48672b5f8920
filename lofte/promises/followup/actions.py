"""Following up a medborgarlöfte: its rounds, every goal evaluated and every promise reported, then published.

Rounds follow the agreement's schedule, `followups_per_year` equal parts of each year of the löfte:
1 → "2024" (the whole year), 2 → "2024 H1" (1 January–30 June) and "2024 H2" (1 July–31 December),
3 → tertials "2024 T1"–"T3", 4 → quarters "2024 K1"–"K4", 12 → months "2024-01"…, any other number →
"2024 1/6"…. A round is due `settings.LOFTE_FOLLOWUP_DUE_DAYS` (default 45) days after its period ends: time for
Brå's preliminary figures and for writing the report; a round still open after that day is overdue
(`FollowUpRound.is_overdue`), and every list of rounds says so. Planning again creates only what is missing, and never a
round that overlaps one already planned (the schedule may have changed in between).

A round moves oppen → klar → publicerad. While it is open, Löfte computes every goal's verdict from the imported
statistics (lofte.promises.goals) and snapshots each promise's status and rolled-up progress (PromiseReport);
members add a comment to a goal, may override its verdict with a reason, report on a promise and write the
summary. Evaluating again updates the numbers and keeps every comment and override. Only an evaluated round whose
period has ended can be closed, only a closed round with a summary can be published, and a published round is
shown to the public. The summary is what citizens read first, so it may still be written after the round is
closed, until it is published.

Rights: members who may edit (Can.EDIT: samordnare and polis) do everything except publishing, which needs
Can.MANAGE (the samordnare): what citizens are told is the kommun's call. The round's status is read under a row
lock, so a change cannot slip in beside a concurrent close. Each action writes one audit row. Free text
(comments, reasons, the summary) is refused when it holds personal data and stays out of the log: it may be gallrad
under the kommun's gallringsbeslut, and the log would outlive it (`lofte/operations/retention/` lists the kinds
gallrad nightly).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lofte.analysis.goals import MISSING
from lofte.audit.log import diff, record
from lofte.lib.actors import Actor
from lofte.lib.pii import refuse_personal_data
from lofte.lib.refusals import ActionRefused
from lofte.partnerships.access import Can, PartnershipAccess
from lofte.promises.goals import GoalResult, evaluate_goals
from lofte.promises.models import (
    FollowUpRound,
    Goal,
    GoalEvaluation,
    Medborgarlofte,
    Promise,
    PromiseReport,
)
from lofte.promises.progress import Part, rolled_up
from lofte.promises.signals import round_published

Values = dict[str, Any]
Status = FollowUpRound.Status
# How the parts of a year are named when the agreement asks for that many follow-ups a year.
PERIOD_PREFIXES = {2: "H", 3: "T", 4: "K"}
EVALUATED_FIELDS = (
    "period",
    "baseline_period",
    "value",
    "baseline_value",
    "change_pct",
    "p_value",
    "ci_low",
    "ci_high",
    "preliminary",
    "computed",
    "explanation",
)


class FollowUpRefused(ActionRefused):
    """The member's role, the round's state or the content does not allow the change; the message says why and
    `errors` the form fields concerned, when it is about one of them."""


# Checks shared by every action

NO_EDIT = gettext_lazy("Du har inte behörighet att ändra uppföljningen.")
NO_PUBLISH = gettext_lazy("Bara samordnaren kan publicera uppföljningen.")
OTHER_LOFTE = gettext_lazy("Medborgarlöftet hör till en annan samverkan.")


def _locked_status(round_: FollowUpRound) -> str:
    """The status as stored now; the lock makes a concurrent close or publish wait for this change."""
    rows = FollowUpRound.objects.select_for_update().filter(pk=round_.pk)
    round_.status = str(rows.values_list("status", flat=True).get())
    return round_.status


def require_open(access: PartnershipAccess, round_: FollowUpRound) -> None:
    """Call inside transaction.atomic()."""
    owner = round_.lofte.agreement.partnership_id
    access.require(Can.EDIT, FollowUpRefused, NO_EDIT, owner=owner, foreign=OTHER_LOFTE)
    if _locked_status(round_) != Status.OPEN:
        raise FollowUpRefused(_("Uppföljningen är avslutad och kan inte ändras."))


def _not_ended(round_: FollowUpRound) -> FollowUpRefused:
    message = _(
        "Uppföljningen %(label)s kan inte avslutas förrän perioden är slut: den slutar %(end)s. "
        "Den kan avslutas från %(first)s."
    ) % {
        "label": round_.label,
        "end": round_.period_end.isoformat(),
        "first": (round_.period_end + timedelta(days=1)).isoformat(),
    }
    return FollowUpRefused(message, field="period_end")


# Planning


def schedule(year: int, per_year: int) -> list[tuple[str, date, date]]:
    """The rounds of one year as (label, first day, last day): `per_year` parts of whole months."""
    if not 1 <= per_year <= 12:
        raise ValueError(f"between 1 and 12 follow-ups a year, not {per_year}")
    edges = [(12 * i + per_year // 2) // per_year for i in range(per_year + 1)]
    return [
        (_label(year, i + 1, per_year, edges[i] + 1), date(year, edges[i] + 1, 1), _month_end(year, edges[i + 1]))
        for i in range(per_year)
    ]


def _label(year: int, number: int, per_year: int, first_month: int) -> str:
    if per_year == 1:
        return str(year)
    if per_year == 12:
        return f"{year}-{first_month:02d}"
    prefix = PERIOD_PREFIXES.get(per_year)
    return f"{year} {prefix}{number}" if prefix else f"{year} {number}/{per_year}"


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def do_plan_rounds(access: PartnershipAccess, lofte: Medborgarlofte, *, actor: Actor) -> list[FollowUpRound]:
    """The rounds of every year of the löfte on the agreement's schedule; only those missing are created."""
    access.require(Can.EDIT, FollowUpRefused, NO_EDIT, owner=lofte.agreement.partnership_id, foreign=OTHER_LOFTE)
    per_year = lofte.agreement.followups_per_year
    if not 1 <= per_year <= 12:
        raise FollowUpRefused(_("Överenskommelsen anger inte hur många uppföljningar som görs per år."))
    due_days = timedelta(days=settings.LOFTE_FOLLOWUP_DUE_DAYS)
    with transaction.atomic():
        # Serialises planning of the same löfte; the unique label is the backstop.
        Medborgarlofte.objects.select_for_update().filter(pk=lofte.pk).values_list("pk").get()
        taken = list(FollowUpRound.objects.filter(lofte=lofte).values_list("label", "period_start", "period_end"))
        planned = []
        for year in range(lofte.year_from, lofte.year_to + 1):
            for label, start, end in schedule(year, per_year):
                if any(label == other or (start <= last and first <= end) for other, first, last in taken):
                    continue
                planned.append(
                    FollowUpRound(lofte=lofte, label=label, period_start=start, period_end=end, due_on=end + due_days)
                )
                taken.append((label, start, end))
        if planned:
            FollowUpRound.objects.bulk_create(planned)
            changes = {"rounds": [r.label for r in planned], "per_year": per_year}
            record("followup.plan", actor=actor, obj=lofte, partnership=access.partnership, changes=changes)
    return planned


# Evaluating


def do_evaluate_round(access: PartnershipAccess, round_: FollowUpRound, *, actor: Actor) -> FollowUpRound:
    """Every goal's verdict at the round's end and every promise's status and progress as they are now.

    Comments and overrides stay; so do the comments on the promises."""
    with transaction.atomic():
        require_open(access, round_)
        goals = (
            Goal.objects.filter(lofte_id=round_.lofte_id)
            .select_related("metric", "area", "lofte")
            .order_by("position", "id")
        )
        results = evaluate_goals(goals, round_.period_end)
        _store_evaluations(round_, results)
        promises = sync_reports(round_, {})
        round_.evaluated_at = timezone.now()
        round_.save(update_fields=["evaluated_at"])
        verdicts = {str(result.goal.pk): result.evaluation.verdict for result in results}
        changes = {"verdicts": verdicts, "promises": promises}
        record("followup.evaluate", actor=actor, obj=round_, partnership=access.partnership, changes=changes)
    return round_


def _store_evaluations(round_: FollowUpRound, results: list[GoalResult]) -> None:
    existing = {evaluation.goal_id: evaluation for evaluation in GoalEvaluation.objects.filter(round=round_)}
    now = timezone.now()
    new, changed = [], []
    for result in results:
        computed = result.evaluation
        values = {
            "period": result.period,
            "baseline_period": result.baseline_period,
            "value": computed.value,
            "baseline_value": computed.baseline_value,
            "change_pct": computed.change_pct,
            "p_value": computed.p_value,
            "ci_low": computed.ci_low,
            "ci_high": computed.ci_high,
            "preliminary": computed.preliminary,
            "computed": computed.verdict,
            "explanation": computed.explanation,
        }
        evaluation = existing.get(result.goal.pk)
        if evaluation is None:
            new.append(GoalEvaluation(round=round_, goal=result.goal, **values))
            continue
        for name, value in values.items():
            setattr(evaluation, name, value)
        evaluation.updated_at = now
        changed.append(evaluation)
    GoalEvaluation.objects.bulk_create(new)
    GoalEvaluation.objects.bulk_update(changed, [*EVALUATED_FIELDS, "updated_at"])


def sync_reports(round_: FollowUpRound, comments: Mapping[int, str]) -> int:
    """Each promise's report in the round brought up to its status and rolled-up progress now, with the new
    comments given by promise id; other comments stay. Returns the number of promises."""
    promises = list(
        Promise.objects.filter(lofte_id=round_.lofte_id).only("id", "parent_id", "status", "progress", "weight")
    )
    progress = rolled_up(Part(p.pk, p.parent_id, p.own_progress, p.weight) for p in promises)
    existing = {report.promise_id: report for report in PromiseReport.objects.filter(round=round_)}
    now = timezone.now()
    new, changed = [], []
    for promise in promises:
        values: Values = {"status": promise.status, "progress": progress[promise.pk]}
        if promise.pk in comments:
            values["comment"] = comments[promise.pk]
        report = existing.get(promise.pk)
        if report is None:
            new.append(PromiseReport(round=round_, promise=promise, **values))
        elif any(getattr(report, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(report, name, value)
            report.updated_at = now
            changed.append(report)
    PromiseReport.objects.bulk_create(new)
    PromiseReport.objects.bulk_update(changed, ["status", "progress", "comment", "updated_at"])
    return len(promises)


# Goals: comments and overrides


def do_comment_goal(access: PartnershipAccess, evaluation: GoalEvaluation, *, comment: str, actor: Actor) -> bool:
    """The comment on a goal in the round; returns whether it changed."""
    comment = comment.strip()
    refuse_personal_data({"comment": comment}, ["comment"], FollowUpRefused)
    round_ = evaluation.round
    with transaction.atomic():
        require_open(access, round_)
        if evaluation.comment == comment:
            return False
        evaluation.comment = comment
        evaluation.save(update_fields=["comment", "updated_at"])
        changes = {"goal": evaluation.goal_id, "comment": bool(comment)}
        record("followup.comment_goal", actor=actor, obj=round_, partnership=access.partnership, changes=changes)
    return True


def do_override_goal(
    access: PartnershipAccess, evaluation: GoalEvaluation, *, verdict: str, reason: str = "", actor: Actor
) -> bool:
    """Set the verdict by hand, with the reason for it; an empty verdict goes back to the computed one."""
    verdict, reason = verdict or "", reason.strip() if verdict else ""
    if verdict and (verdict not in GoalEvaluation.Verdict.values or verdict in MISSING):
        raise FollowUpRefused(_("Okänd bedömning."), errors={"verdict": [_("Välj en av bedömningarna.")]})
    if verdict and not reason:
        raise FollowUpRefused(_("En ändrad bedömning kräver ett skäl."), field="reason")
    refuse_personal_data({"reason": reason}, ["reason"], FollowUpRefused)
    round_ = evaluation.round
    with transaction.atomic():
        require_open(access, round_)
        before = {"override": evaluation.override, "override_reason": evaluation.override_reason}
        evaluation.override, evaluation.override_reason = verdict, reason
        changes = diff(evaluation, ["override", "override_reason"], before)
        if not changes:
            return False
        evaluation.save(update_fields=[*changes, "updated_at"])
        logged: Values = {"goal": evaluation.goal_id, "computed": evaluation.computed}
        logged["override"] = [before["override"], verdict]
        record("followup.override_goal", actor=actor, obj=round_, partnership=access.partnership, changes=logged)
    return True


# Promises


def check_report(status: str, progress: int | None) -> None:
    if status not in Promise.Status.values:
        raise FollowUpRefused(_("Okänd status."), errors={"status": [_("Välj en av statusarna.")]})
    if progress is not None and not 0 <= progress <= 100:
        raise FollowUpRefused(_("Framsteget anges i procent, mellan 0 och 100."), field="progress")


def set_promise(promise: Promise, status: str, progress: int | None) -> Values:
    """Save the promise's status and progress (None: what the status says); the changes, for the log."""
    before = {"status": promise.status, "progress": promise.progress}
    promise.status, promise.progress = status, progress
    changes = diff(promise, ["status", "progress"], before)
    if changes:
        promise.save(update_fields=[*changes, "updated_at"])
    return changes


def do_report_promise(
    access: PartnershipAccess,
    round_: FollowUpRound,
    promise: Promise,
    *,
    status: str,
    actor: Actor,
    progress: int | None = None,
    comment: str = "",
) -> Values:
    """A promise's status, progress and comment in the round; the promise itself takes the status and progress.

    Returns what changed (a comment only as changed)."""
    if promise.lofte_id != round_.lofte_id:
        raise FollowUpRefused(_("Löftet hör till ett annat medborgarlöfte."))
    check_report(status, progress)
    comment = comment.strip()
    refuse_personal_data({"comment": comment}, ["comment"], FollowUpRefused)
    with transaction.atomic():
        require_open(access, round_)
        old = PromiseReport.objects.filter(round=round_, promise=promise).values_list("comment", flat=True).first()
        changes = set_promise(promise, status, progress)
        sync_reports(round_, {promise.pk: comment})
        if comment != (old or ""):
            changes["comment"] = True
        if changes:
            logged = {"promise": promise.pk, **changes}
            record("followup.report_promise", actor=actor, obj=round_, partnership=access.partnership, changes=logged)
    return changes


# The round as a whole


def do_set_summary(access: PartnershipAccess, round_: FollowUpRound, *, summary: str, actor: Actor) -> bool:
    """The summary for the public; it can be written until the round is published."""
    summary = summary.strip()
    refuse_personal_data({"summary": summary}, ["summary"], FollowUpRefused)
    with transaction.atomic():
        owner = round_.lofte.agreement.partnership_id
        access.require(Can.EDIT, FollowUpRefused, NO_EDIT, owner=owner, foreign=OTHER_LOFTE)
        if _locked_status(round_) == Status.PUBLISHED:
            raise FollowUpRefused(_("Uppföljningen är publicerad och sammanfattningen kan inte ändras."))
        if round_.summary == summary:
            return False
        round_.summary = summary
        round_.save(update_fields=["summary"])
        changes = {"summary": bool(summary)}
        record("followup.set_summary", actor=actor, obj=round_, partnership=access.partnership, changes=changes)
    return True


def do_close_round(access: PartnershipAccess, round_: FollowUpRound, *, actor: Actor) -> FollowUpRound:
    """Nothing in the round changes after this; it can then be published. Not before its period has ended: until
    then activities are still done and statistics still come in."""
    with transaction.atomic():
        require_open(access, round_)
        if not round_.period_ended:
            raise _not_ended(round_)
        if round_.evaluated_at is None:
            raise FollowUpRefused(_("Beräkna uppföljningen innan den avslutas."))
        round_.status = Status.CLOSED
        round_.save(update_fields=["status"])
        changes = {"status": [Status.OPEN, Status.CLOSED]}
        record("followup.close", actor=actor, obj=round_, partnership=access.partnership, changes=changes)
    return round_


def do_publish_round(access: PartnershipAccess, round_: FollowUpRound, *, actor: Actor) -> FollowUpRound:
    """Show the closed round to the public; it needs a summary, which citizens read first."""
    owner = round_.lofte.agreement.partnership_id
    access.require(Can.MANAGE, FollowUpRefused, NO_PUBLISH, owner=owner, foreign=OTHER_LOFTE)
    with transaction.atomic():
        if _locked_status(round_) != Status.CLOSED:
            raise FollowUpRefused(_("Bara en avslutad uppföljning kan publiceras."))
        summary = FollowUpRound.objects.filter(pk=round_.pk).values_list("summary", flat=True).get()
        if not summary.strip():
            message = _("Skriv en sammanfattning för allmänheten innan uppföljningen publiceras.")
            raise FollowUpRefused(message, field="summary")
        round_.status = Status.PUBLISHED
        round_.save(update_fields=["status"])
        changes = {"status": [Status.CLOSED, Status.PUBLISHED]}
        record("followup.publish", actor=actor, obj=round_, partnership=access.partnership, changes=changes)
        # Subscribers hear about the report once it is public (lofte.citizens.dispatch listens).
        transaction.on_commit(lambda: round_published.send(sender=FollowUpRound, round_=round_))
    return round_
