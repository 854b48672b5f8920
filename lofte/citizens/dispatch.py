"""What is sent to whom, and the django-tasks tasks that send it.

A published warning goes to the confirmed, active subscriptions that want warnings for the warning's kommun or one
of its areas (a warning without areas is for the whole kommun, so every district's subscribers get it), and to the
contact persons of the partnership's Grannsamverkan groups for those areas; each address once. A published
follow-up round goes to the subscriptions that want follow-ups anywhere in the round's kommun, with the link to the
public report.

Never twice, and nothing lost when a sender dies: a `Delivery` row (unique per message and address) is created
with its Message-ID before a message goes out. Each message is claim → send → mark: one short UPDATE claims the row
("sending": `claimed_at`, one more attempt), the message is sent outside any transaction with the stored Message-ID
(the SMTP connection gives up after `EMAIL_TIMEOUT`), and one short UPDATE marks it sent or failed. No database lock
is held while the mail server answers, so a slow server never blocks a sign-in on SQLite. A second run, a retry or a
second worker skips sent rows and rows another sender holds; a row left "sending" longer than
`LOFTE_MAIL_LEASE_SECONDS` belongs to a sender that died and is sent again with the same Message-ID. The guarantee:
at most one message per Message-ID per address; a resend after a crash reuses it. A message the server accepted just
before the sender was killed, before its "sent" mark, arrives twice with the same Message-ID, which mail servers and
clients fold into one; never two different messages. Running a task again (the worker's reaper does, and
`lofte send-citizen-mail` by hand) completes the mailing.

Failures are classified (`lofte.lib.mail.classify`; only the kind and SMTP code are kept, never the server's text,
which may hold the address). Permanent (5xx) for one recipient: the row is failed and the address marked (`bounced_at`,
`bounce_count`); refused as unknown (550, 551, 553) once, or `LOFTE_MAIL_SUSPEND_AFTER` times, the address is
suspended: a subscription loses its confirmation and gets nothing until it confirms again, a Grannsamverkan contact
until the samordnare adds it again. Transient (4xx, a timeout, a refused or dropped connection): the row waits
`LOFTE_MAIL_RETRY_SECONDS` × 3^(attempt−1) and the task queues itself again for then (django-tasks `run_after`);
after `LOFTE_MAIL_MAX_ATTEMPTS` attempts it is failed. When the server itself fails, the run stops and every unsent
row waits alike. A failed row is not tried again by itself but shown on the warning's page, where a member who may
edit retries exactly the failed ones (`warnings.actions.do_retry_dispatch`, which queues `retry_warning`).
A subject is always one line: a title written before line breaks were refused must not stop its message.

Rate limit: at most `settings.LOFTE_MAIL_PER_MINUTE` (default 120) messages a minute; after each full batch the
sender sleeps out the rest of the minute. The sleep function is a parameter so tests do not wait.

Every message carries its recipient's one-click unsubscribe link in the text and in the `List-Unsubscribe` and
`List-Unsubscribe-Post` headers (RFC 8058). Messages are written in Swedish, the kommun's working language. No
address is logged.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import make_msgid, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Min, Q, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from lofte.areas.models import Area
from lofte.audit.log import record
from lofte.citizens.models import AdvicePage, Delivery, GroupContact, Subscription, Warning
from lofte.citizens.recipients import kommun_tree
from lofte.lib import mail
from lofte.lib.actors import SystemActor
from lofte.lib.links import absolute_url
from lofte.promises.models import FollowUpRound, Medborgarlofte

Sleep = Callable[[float], None]
DEFAULT_PER_MINUTE = 120
ACTOR = SystemActor("lofte e-postutskick")
# A failed delivery made new (a member's retry): its attempts start again.
UNFAILED: dict[str, Any] = {
    "failed_at": None,
    "failure": "",
    "failure_kind": "",
    "failure_code": None,
    "attempts": 0,
    "claimed_at": None,
    "next_attempt_at": None,
}
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recipient:
    email: str
    token: str
    subscription_id: int | None = None
    contact_id: int | None = None


# Queueing: call these after the change has committed.


def queue_warning(warning: Warning) -> None:
    send_warning.enqueue(warning.pk)


def queue_retry(warning: Warning, delivery_ids: list[int]) -> None:
    retry_warning.enqueue(warning.pk, delivery_ids)


def queue_follow_up(round_: FollowUpRound) -> None:
    send_follow_up.enqueue(round_.pk)


def on_round_published(sender: object, *, round_: FollowUpRound, **kwargs: object) -> None:
    """A follow-up round was published (`promises.signals.round_published`, after commit): e-mail it."""
    queue_follow_up(round_)


def queue_confirmation(subscription: Subscription) -> None:
    """Each request for a confirmation is one delivery row (so a task run again sends it once), then the task."""
    Delivery.objects.create(
        kind=Delivery.Kind.CONFIRM, subscription=subscription, email=subscription.email, message_id=new_message_id()
    )
    send_confirmation.enqueue(subscription.pk)


# Running a task again is safe: it skips what was sent, resends (with the same Message-ID) what a dead sender left
# "sending" past its lease, and queues itself again for rows that wait for a later attempt.


@task()
def send_warning(warning_id: int) -> int:
    return deliver_warning(warning_id, later=_later(send_warning, warning_id))


@task()
def retry_warning(warning_id: int, delivery_ids: list[int]) -> int:
    return deliver_warning(warning_id, retry=delivery_ids, later=_later(retry_warning, warning_id, delivery_ids))


@task()
def send_follow_up(round_id: int) -> int:
    return deliver_follow_up(round_id, later=_later(send_follow_up, round_id))


@task()
def send_confirmation(subscription_id: int) -> bool:
    return deliver_confirmation(subscription_id, later=_later(send_confirmation, subscription_id))


# Who receives what


def is_sendable(warning: Warning) -> bool:
    return (
        warning.status == Warning.Status.PUBLICERAD
        and warning.published_at is not None
        and warning.withdrawn_at is None
        and warning.valid_until >= timezone.localdate()
    )


def warning_recipients(warning: Warning) -> list[Recipient]:
    kommun = warning.partnership.area
    chosen = list(warning.areas.values_list("pk", flat=True))
    if chosen:
        targets = {kommun.pk, *chosen, *Area.objects.filter(parent__in=chosen).values_list("pk", flat=True)}
    else:
        targets = set(kommun_tree(kommun).values_list("pk", flat=True))
    subscriptions = _active_subscriptions().filter(warnings=True, area__in=targets)
    contacts = GroupContact.objects.filter(
        group__partnership_id=warning.partnership_id,
        group__area__in=targets,
        unsubscribed_at__isnull=True,
        suspended_at__isnull=True,
    ).order_by("pk")
    return _unique(
        [Recipient(s.email, s.token, subscription_id=s.pk) for s in subscriptions]
        + [Recipient(c.email, c.token, contact_id=c.pk) for c in contacts]
    )


def follow_up_recipients(round_: FollowUpRound) -> list[Recipient]:
    kommun = round_.lofte.agreement.partnership.area
    subscriptions = _active_subscriptions().filter(follow_ups=True, area__in=kommun_tree(kommun))
    return _unique([Recipient(s.email, s.token, subscription_id=s.pk) for s in subscriptions])


def _active_subscriptions() -> QuerySet[Subscription]:
    subscriptions = Subscription.objects.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)
    return subscriptions.filter(suspended_at__isnull=True).order_by("pk")


def _unique(recipients: Iterable[Recipient]) -> list[Recipient]:
    seen: dict[str, Recipient] = {}
    for recipient in recipients:
        seen.setdefault(recipient.email.lower(), recipient)
    return list(seen.values())


# Sending


def deliver_warning(
    warning_id: int,
    *,
    sleep: Sleep = time.sleep,
    retry: list[int] | None = None,
    later: Callable[[datetime], None] | None = None,
) -> int:
    """Send the warning to everyone who should have it and has not; returns the number of e-mails sent. With
    `retry`, only to those of these deliveries that are still unsent (and whose address still wants it)."""
    warning = (
        Warning.objects.select_related("partnership__area").prefetch_related("advice").filter(pk=warning_id).first()
    )
    if warning is None or not is_sendable(warning):
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Varning: %(title)s") % {"title": one_line(warning.title)}
        context = {
            "warning": warning,
            "kommun": warning.partnership.area,
            "partnership": warning.partnership,
            "url": warning_url(warning),
            "advice": [(page, advice_url(page, warning)) for page in warning.advice.all() if page.is_published],
        }
    recipients = warning_recipients(warning)
    if retry is not None:
        retried = Delivery.objects.filter(warning=warning, pk__in=retry, sent_at__isnull=True, failed_at__isnull=True)
        again = {email.lower() for email in retried.values_list("email", flat=True)}
        recipients = [recipient for recipient in recipients if recipient.email.lower() in again]
    return _deliver(
        recipients,
        Delivery.Kind.WARNING,
        {"warning": warning},
        lambda recipient, message_id: _message(subject, "citizens/email/warning.txt", context, recipient, message_id),
        sleep,
        create=retry is None,
        later=later,
    )


def deliver_follow_up(
    round_id: int, *, sleep: Sleep = time.sleep, later: Callable[[datetime], None] | None = None
) -> int:
    """Send the published follow-up's report link to its subscribers; returns the number of e-mails sent."""
    round_ = (
        FollowUpRound.objects.select_related("lofte__agreement__partnership__area")
        .filter(pk=round_id, status=FollowUpRound.Status.PUBLISHED, lofte__status=Medborgarlofte.Status.PUBLICERAD)
        .first()
    )
    if round_ is None:
        return 0
    partnership = round_.lofte.agreement.partnership
    kommun = partnership.area
    path = reverse("public:follow_up_report", kwargs={"code": kommun.code, "pk": round_.pk})
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Uppföljning %(round)s av %(lofte)s") % {
            "round": one_line(round_.label),
            "lofte": one_line(round_.lofte.title),
        }
        context = {
            "round": round_,
            "lofte": round_.lofte,
            "kommun": kommun,
            "partnership": partnership,
            "url": absolute_url(path),
            "page_url": absolute_url(reverse("public:kommun", kwargs={"code": kommun.code})),
        }
    return _deliver(
        follow_up_recipients(round_),
        Delivery.Kind.FOLLOW_UP,
        {"follow_up": round_},
        lambda recipient, message_id: _message(subject, "citizens/email/follow_up.txt", context, recipient, message_id),
        sleep,
        later=later,
    )


def deliver_confirmation(subscription_id: int, *, later: Callable[[datetime], None] | None = None) -> bool:
    """The one e-mail an unconfirmed subscription gets: the link to confirm it."""
    subscription = (
        Subscription.objects.select_related("area")
        .filter(pk=subscription_id, confirmed_at__isnull=True, unsubscribed_at__isnull=True)
        .first()
    )
    if subscription is None:
        return False
    recipient = Recipient(subscription.email, subscription.token, subscription_id=subscription.pk)
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Bekräfta din prenumeration på %(area)s") % {"area": one_line(subscription.area.name)}
        confirm = absolute_url(reverse("subscriptions:subscription_confirm", kwargs={"token": subscription.token}))
        context = {"subscription": subscription, "area": subscription.area, "confirm_url": confirm}
    confirmations = Delivery.objects.filter(kind=Delivery.Kind.CONFIRM, subscription=subscription)
    row = confirmations.filter(sent_at__isnull=True, failed_at__isnull=True).order_by("pk").first()
    if row is None:
        if confirmations.exists():
            return False  # this task ran again after its message went out (or failed)
        row = Delivery.objects.create(  # queued before rows were made by queue_confirmation
            kind=Delivery.Kind.CONFIRM, subscription=subscription, email=subscription.email, message_id=new_message_id()
        )
    connection = get_connection()
    try:
        return bool(
            _send_once(
                row.pk,
                recipient,
                lambda r, message_id: _message(subject, "citizens/email/confirm.txt", context, r, message_id),
                connection,
            )
        )
    except ServerTrouble as trouble:
        _defer([trouble.delivery_id], trouble.failure)
        return False
    finally:
        connection.close()
        if later is not None:
            _come_back({"kind": Delivery.Kind.CONFIRM, "subscription": subscription}, later)


def _deliver(
    recipients: list[Recipient],
    kind: str,
    about: dict[str, Any],
    build: Callable[[Recipient, str], EmailMessage],
    sleep: Sleep,
    *,
    create: bool = True,
    later: Callable[[datetime], None] | None = None,
) -> int:
    pending = _pending(recipients, kind, about, create=create)
    per_minute = max(1, int(getattr(settings, "LOFTE_MAIL_PER_MINUTE", DEFAULT_PER_MINUTE)))
    sent = 0
    batch_began = time.monotonic()
    try:
        for start in range(0, len(pending), per_minute):
            if start:
                _wait_out_minute(batch_began, sleep)
            batch_began = time.monotonic()
            # A connection per batch, opened at its first message: a mail server may drop one left idle.
            connection = get_connection()
            try:
                for delivery_id, recipient in pending[start : start + per_minute]:
                    sent += _send_once(delivery_id, recipient, build, connection)
            finally:
                connection.close()
    except ServerTrouble as trouble:  # the server or the connection failed: the rest waits with this one
        _defer([trouble.delivery_id], trouble.failure)
        now = timezone.now()
        untried = Delivery.objects.filter(
            pk__in=[delivery_id for delivery_id, _recipient in pending],
            sent_at__isnull=True,
            failed_at__isnull=True,
            claimed_at__isnull=True,
        ).filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        ids = list(untried.values_list("pk", flat=True))
        untried.update(attempts=F("attempts") + 1)  # the server refused this run: it counts as their attempt too
        _defer(ids, trouble.failure)
    if later is not None:
        _come_back(about, later)
    return sent


class ServerTrouble(Exception):
    """The mail server or the connection failed, not one recipient: stop this run; the rest waits."""

    def __init__(self, delivery_id: int, failure: mail.SendFailure) -> None:
        super().__init__(failure.error)
        self.delivery_id = delivery_id
        self.failure = failure


def _pending(
    recipients: list[Recipient], kind: str, about: dict[str, Any], *, create: bool = True
) -> list[tuple[int, Recipient]]:
    """Create the missing delivery rows (unless retrying), each with its Message-ID; the unsent ones not marked
    failed, each with its recipient (whether one is due now, the claim decides)."""
    if create:
        Delivery.objects.bulk_create(
            [
                Delivery(
                    kind=kind,
                    email=r.email,
                    subscription_id=r.subscription_id,
                    contact_id=r.contact_id,
                    message_id=new_message_id(),
                    **about,
                )
                for r in recipients
            ],
            ignore_conflicts=True,
        )
    rows = Delivery.objects.filter(**about, sent_at__isnull=True, failed_at__isnull=True).values_list("pk", "email")
    unsent = {email.lower(): pk for pk, email in rows}
    return [(unsent[r.email.lower()], r) for r in recipients if r.email.lower() in unsent]


def new_message_id() -> str:
    """A Message-ID of our own domain (the From address's), made once per delivery and kept: a message sent again
    after a crash is the same message to the mail servers and clients, which fold it."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "lofte.invalid"
    return make_msgid(domain=domain)


def _send_once(
    delivery_id: int, recipient: Recipient, build: Callable[[Recipient, str], EmailMessage], connection: Any
) -> int:
    """Claim the row, send outside any transaction, mark it. Each step is one short statement in autocommit: no
    database lock is held while the mail server answers (or does not, until EMAIL_TIMEOUT)."""
    claim = _claim(delivery_id)
    if claim is None:
        return 0  # sent, failed, being sent by another run, or not due yet
    message_id, attempts = claim
    if attempts > _max_attempts():  # claimed again and again by senders that died: give up on it
        _fail(delivery_id, mail.SendFailure(mail.TRANSIENT, None, "Lease", per_recipient=False), recipient)
        return 0
    try:
        connection.open()
        connection.send_messages([build(recipient, message_id)])
    except Exception as error:  # any refusal of the message or the server
        failure = mail.classify(error)
        logger.warning("Delivery %s failed: %s %s", delivery_id, failure.error, failure.code or "")  # no text
        if not failure.per_recipient:
            raise ServerTrouble(delivery_id, failure) from None
        if failure.kind == mail.PERMANENT:
            _fail(delivery_id, failure, recipient)
        else:
            _defer([delivery_id], failure)
        return 0
    _test_stall()
    Delivery.objects.filter(pk=delivery_id, sent_at__isnull=True).update(sent_at=timezone.now(), failed_at=None)
    return 1


def _claim(delivery_id: int) -> tuple[str, int] | None:
    """Mark the row "sending" if it is due: unsent, not failed, not claimed by a live sender (a claim older than the
    lease is a dead one's), not waiting for a later attempt. One UPDATE, so two senders never both win it. Its
    Message-ID is kept, or made now for a row that has none."""
    now = timezone.now()
    lease = timedelta(seconds=int(getattr(settings, "LOFTE_MAIL_LEASE_SECONDS", 600)))
    won = (
        Delivery.objects.filter(pk=delivery_id, sent_at__isnull=True, failed_at__isnull=True)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lte=now - lease))
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(
            claimed_at=now,
            next_attempt_at=None,
            attempts=F("attempts") + 1,
            message_id=Coalesce(NullIf(F("message_id"), Value("")), Value(new_message_id())),
        )
    )
    if not won:
        return None
    return Delivery.objects.values_list("message_id", "attempts").get(pk=delivery_id)


def _max_attempts() -> int:
    return max(1, int(getattr(settings, "LOFTE_MAIL_MAX_ATTEMPTS", 5)))


def _defer(delivery_ids: list[int], failure: mail.SendFailure) -> None:
    """A passing error: try again later, the waits growing (LOFTE_MAIL_RETRY_SECONDS × 3^(attempt−1)); after the
    last attempt (LOFTE_MAIL_MAX_ATTEMPTS) the row is failed as transient. Never tried forever."""
    now = timezone.now()
    rows = Delivery.objects.filter(pk__in=delivery_ids, sent_at__isnull=True, failed_at__isnull=True)
    base = int(getattr(settings, "LOFTE_MAIL_RETRY_SECONDS", 300))
    fields = {"failure": failure.error, "failure_code": failure.code, "claimed_at": None}
    rows.filter(attempts__gte=_max_attempts()).update(failed_at=now, failure_kind=mail.TRANSIENT, **fields)
    for attempts in set(rows.values_list("attempts", flat=True)):
        wait = timedelta(seconds=base * 3 ** max(0, attempts - 1))
        rows.filter(attempts=attempts).update(next_attempt_at=now + wait, **fields)


def _fail(delivery_id: int, failure: mail.SendFailure, recipient: Recipient) -> None:
    """Refused for good: the row is failed with the kind and code, and the address marked; an address refused as
    unknown (550, 551, 553), or LOFTE_MAIL_SUSPEND_AFTER times, is suspended and gets no more mail."""
    now = timezone.now()
    Delivery.objects.filter(pk=delivery_id, sent_at__isnull=True).update(
        failed_at=now, claimed_at=None, failure=failure.error, failure_kind=failure.kind, failure_code=failure.code
    )
    if failure.kind != mail.PERMANENT or not failure.per_recipient:
        return
    limit = 1 if failure.unknown_address else max(1, int(getattr(settings, "LOFTE_MAIL_SUSPEND_AFTER", 3)))
    for model, pk in ((Subscription, recipient.subscription_id), (GroupContact, recipient.contact_id)):
        if pk is None:
            continue
        with transaction.atomic():  # two short statements
            model.objects.filter(pk=pk).update(bounce_count=F("bounce_count") + 1, bounced_at=now)
            suspend: dict[str, Any] = {"suspended_at": now}
            if model is Subscription:
                suspend["confirmed_at"] = None  # no more mail until the address confirms again
            suspended = model.objects.filter(pk=pk, suspended_at__isnull=True, bounce_count__gte=limit).update(
                **suspend
            )
            if suspended:
                action = "subscription.suspend" if model is Subscription else "group_contact.suspend"
                changes = {"smtp": failure.code, "studsar": limit}
                record(action, actor=ACTOR, obj=model.objects.get(pk=pk), changes=changes)


def _come_back(about: dict[str, Any], later: Callable[[datetime], None]) -> None:
    """If rows of this message wait for a later attempt or are held by a sender that may have died, queue the run
    again for when the first of them is due, so the mailing finishes by itself."""
    lease = timedelta(seconds=int(getattr(settings, "LOFTE_MAIL_LEASE_SECONDS", 600)))
    due = Delivery.objects.filter(**about, sent_at__isnull=True, failed_at__isnull=True).aggregate(
        retry=Min("next_attempt_at"), claimed=Min("claimed_at")
    )
    times = [t for t in (due["retry"], due["claimed"] and due["claimed"] + lease) if t is not None]
    if times:
        later(max(min(times), timezone.now()) + timedelta(seconds=1))


def _later(task: Any, *args: Any) -> Callable[[datetime], None] | None:
    """Enqueue `task(*args)` to run at a time, where the task backend can (django-tasks-db can; the immediate
    backend of the tests cannot, and `lofte send-citizen-mail` is the manual way)."""

    def enqueue(when: datetime) -> None:
        if task.get_backend().supports_defer:
            task.using(run_after=when).enqueue(*args)

    return enqueue


def _test_stall() -> None:
    """A test hook (tests/test_mail_delivery.py): with LOFTE_MAIL_TEST_STALL_AFTER=n, the n-th message this process
    sent was accepted by the server and is not yet marked sent when the process stops here, to be killed."""
    stall_after = os.environ.get("LOFTE_MAIL_TEST_STALL_AFTER")
    if not stall_after:
        return
    global _sent_in_process
    _sent_in_process += 1
    if _sent_in_process == int(stall_after):
        print("stalled", flush=True)
        time.sleep(3600)


_sent_in_process = 0


def _wait_out_minute(batch_began: float, sleep: Sleep) -> None:
    remaining = 60.0 - (time.monotonic() - batch_began)
    if remaining > 0:
        sleep(remaining)


def one_line(text: str) -> str:
    """A header's text on one line: line breaks and other whitespace runs become one space."""
    return " ".join(text.split())


def _message(
    subject: str, template: str, context: dict[str, Any], recipient: Recipient, message_id: str
) -> EmailMessage:
    unsubscribe = unsubscribe_url(recipient.token)
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(template, {**context, "unsubscribe_url": unsubscribe})
    headers = {
        "Message-ID": message_id,
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return EmailMessage(subject, body, to=[recipient.email], headers=headers)


# Links that work outside the site (lofte.lib.links)


def unsubscribe_url(token: str) -> str:
    return absolute_url(reverse("subscriptions:unsubscribe", kwargs={"token": token}))


def warning_url(warning: Warning) -> str:
    return absolute_url(
        reverse("public_warnings:warning", kwargs={"code": warning.partnership.area.code, "pk": warning.pk})
    )


def advice_url(page: AdvicePage, warning: Warning) -> str:
    return absolute_url(
        reverse("public_advice:advice", kwargs={"code": warning.partnership.area.code, "slug": page.slug})
    )


def unsent_messages() -> tuple[list[int], list[int]]:
    """The warnings and follow-up rounds with deliveries that were begun and not sent (for the cron command)."""
    unsent = Delivery.objects.filter(sent_at__isnull=True, failed_at__isnull=True)  # failed: a member retries them
    warnings = unsent.filter(~Q(warning=None)).values_list("warning_id", flat=True).distinct()
    rounds = unsent.filter(~Q(follow_up=None)).values_list("follow_up_id", flat=True).distinct()
    return sorted(w for w in warnings if w is not None), sorted(r for r in rounds if r is not None)
