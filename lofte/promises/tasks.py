"""Reminders before a follow-up round is due: `lofte remind-followups` from cron, or the `remind_followups` task.

A round is reminded about when it is open, its period has begun, and it is due within
`settings.LOFTE_FOLLOWUP_REMIND_DAYS` days or is overdue. For each organisation responsible for a promise that has
no activity in the round's period (leaving out promises that are genomförda or stoppade, and promises made of parts,
whose parts are asked about instead), every member who may edit (samordnare, polis, administratör) gets one e-mail
listing those promises.

Each round is reminded about once, so each organisation hears at most once per round: the round is locked, the
e-mails are sent and `FollowUpRound.reminded_at` is set in one transaction. Running again (a second cron job, a
second worker) finds it set and sends nothing. If sending fails, the transaction rolls back and the next run tries
again. A round with nothing to remind about is not marked, so a promise added later is still asked about.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from lofte.audit.log import record
from lofte.lib.actors import Actor, SystemActor
from lofte.lib.links import absolute_url
from lofte.partnerships.access import Can, roles_with
from lofte.partnerships.models import Membership, Organisation
from lofte.promises.models import Activity, FollowUpRound, Promise

# Members of these roles are the ones who can record activities and report.
REMINDED_ROLES = tuple(roles_with(Can.EDIT))
FINISHED = (Promise.Status.GENOMFORD, Promise.Status.STOPPAD)
ACTOR = SystemActor("lofte remind-followups")


@dataclass(frozen=True)
class Reminder:
    round: str
    organisation: str
    recipients: tuple[str, ...]
    promises: tuple[str, ...]


@task()
def remind_followups() -> int:
    """Send what is due today; returns the number of e-mails sent."""
    return sum(len(reminder.recipients) for reminder in send_reminders())


def send_reminders(*, today: date | None = None, days: int | None = None, actor: Actor = ACTOR) -> list[Reminder]:
    today = today or timezone.localdate()
    days = settings.LOFTE_FOLLOWUP_REMIND_DAYS if days is None else days
    rounds = FollowUpRound.objects.filter(
        status=FollowUpRound.Status.OPEN,
        reminded_at__isnull=True,
        period_start__lte=today,
        due_on__lte=today + timedelta(days=days),
    ).select_related("lofte__agreement__partnership")
    sent: list[Reminder] = []
    for round_ in rounds.order_by("due_on", "id"):
        sent.extend(_remind(round_, actor))
    return sent


def _remind(round_: FollowUpRound, actor: Actor) -> list[Reminder]:
    with transaction.atomic():
        still_due = FollowUpRound.objects.select_for_update().filter(pk=round_.pk, reminded_at__isnull=True)
        if not list(still_due.values_list("pk", flat=True)):
            return []  # another run got here first
        quiet = quiet_promises(round_)
        members = (
            Membership.objects.active()
            .filter(
                organisation__in=list(quiet),
                role__in=REMINDED_ROLES,
                user__is_active=True,
            )
            .select_related("user", "organisation")
        )
        reminders, messages = _messages(round_, quiet, list(members.order_by("organisation__name", "user__email")))
        if not messages:
            return []
        get_connection().send_messages(messages)
        round_.reminded_at = timezone.now()
        round_.save(update_fields=["reminded_at"])
        changes = {"organisations": [r.organisation for r in reminders], "emails": len(messages)}
        partnership = round_.lofte.agreement.partnership
        record("followup.remind", actor=actor, obj=round_, partnership=partnership, changes=changes)
    return reminders


def quiet_promises(round_: FollowUpRound) -> dict[Organisation, list[Promise]]:
    """The responsible organisations with their unfinished promises that have no activity in the round's period."""
    promises = list(
        Promise.objects.filter(lofte_id=round_.lofte_id).prefetch_related("responsible").order_by("position", "id")
    )
    active = set(
        Activity.objects.filter(
            promise__lofte_id=round_.lofte_id, date__gte=round_.period_start, date__lte=round_.period_end
        ).values_list("promise_id", flat=True)
    )
    parents = {promise.parent_id for promise in promises if promise.parent_id}
    quiet: dict[Organisation, list[Promise]] = defaultdict(list)
    for promise in promises:
        if promise.pk in active or promise.pk in parents or promise.status in FINISHED:
            continue
        for organisation in promise.responsible.all():
            quiet[organisation].append(promise)
    return quiet


def _messages(
    round_: FollowUpRound, quiet: dict[Organisation, list[Promise]], members: list[Membership]
) -> tuple[list[Reminder], list[EmailMessage]]:
    partnership = round_.lofte.agreement.partnership
    path = reverse("followup:detail", kwargs={"slug": partnership.slug, "pk": round_.pk})
    url = absolute_url(path)
    by_organisation: dict[Organisation, list[Membership]] = defaultdict(list)
    for membership in members:
        if membership.user.email:
            by_organisation[membership.organisation].append(membership)
    reminders, messages = [], []
    # Reminders go out in Swedish whatever language the command runs in, as the kommun works in Swedish.
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Påminnelse: uppföljning %(round)s av %(lofte)s senast %(due)s") % {
            "round": round_.label,
            "lofte": round_.lofte.title,
            "due": round_.due_on.isoformat(),
        }
        for organisation, memberships in by_organisation.items():
            promises = quiet[organisation]
            for membership in memberships:
                context = {
                    "user": membership.user,
                    "organisation": organisation,
                    "round": round_,
                    "lofte": round_.lofte,
                    "partnership": partnership,
                    "promises": promises,
                    "url": url,
                }
                body = render_to_string("promises/followup_reminder_email.txt", context)
                messages.append(EmailMessage(subject, body, to=[membership.user.email]))
            reminders.append(
                Reminder(
                    round=round_.label,
                    organisation=organisation.name,
                    recipients=tuple(m.user.email for m in memberships),
                    promises=tuple(p.text for p in promises),
                )
            )
    return reminders, messages
