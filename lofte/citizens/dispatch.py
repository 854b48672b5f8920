"""What is sent to whom, and the django-tasks tasks that send it.

A published warning goes to the confirmed, active subscriptions that want warnings for the warning's kommun or one
of its areas (a warning without areas is for the whole kommun, so every district's subscribers get it), and to the
contact persons of the partnership's Grannsamverkan groups for those areas; each address once. A published
follow-up round goes to the subscriptions that want follow-ups anywhere in the round's kommun, with the link to the
public report.

Never twice: a `Delivery` row (unique per message and address) is created before a message goes out and marked
sent after, each message in its own transaction with the row locked. A second run, a retry or a second worker
finds the row sent and skips it, and sends what an earlier run left unsent (`lofte send_citizen_mail`). If the
mail server refuses a message, its row is marked failed with the kind of error (never the server's text, which
may hold the address) and the run goes on with the others; a failed row is not tried again by itself (a message
the server refused would be refused again, every minute), but shown on the warning's page, where a member who
may edit retries exactly the failed ones (`warnings.actions.do_retry_dispatch`, which queues `retry_warning`).
A subject is always one line: a title written before line breaks were refused must not stop its message.

Rate limit: at most `settings.LOFTE_MAIL_PER_MINUTE` (default 120) messages a minute; after each full batch the
sender sleeps out the rest of the minute. The sleep function is a parameter so tests do not wait.

Every message carries its recipient's one-click unsubscribe link in the text and in the `List-Unsubscribe` and
`List-Unsubscribe-Post` headers (RFC 8058). Messages are written in Swedish, the kommun's working language. No
address is logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from lofte.areas.models import Area
from lofte.citizens.models import AdvicePage, Delivery, GroupContact, Subscription, Warning
from lofte.citizens.recipients import kommun_tree
from lofte.lib.links import absolute_url
from lofte.promises.models import FollowUpRound, Medborgarlofte

Sleep = Callable[[float], None]
DEFAULT_PER_MINUTE = 120
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
    send_confirmation.enqueue(subscription.pk)


@task()
def send_warning(warning_id: int) -> int:
    return deliver_warning(warning_id)


@task()
def retry_warning(warning_id: int, delivery_ids: list[int]) -> int:
    return deliver_warning(warning_id, retry=delivery_ids)


@task()
def send_follow_up(round_id: int) -> int:
    return deliver_follow_up(round_id)


@task()
def send_confirmation(subscription_id: int) -> bool:
    return deliver_confirmation(subscription_id)


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
        group__partnership_id=warning.partnership_id, group__area__in=targets, unsubscribed_at__isnull=True
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
    return Subscription.objects.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True).order_by("pk")


def _unique(recipients: Iterable[Recipient]) -> list[Recipient]:
    seen: dict[str, Recipient] = {}
    for recipient in recipients:
        seen.setdefault(recipient.email.lower(), recipient)
    return list(seen.values())


# Sending


def deliver_warning(warning_id: int, *, sleep: Sleep = time.sleep, retry: list[int] | None = None) -> int:
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
        lambda recipient: _message(subject, "citizens/email/warning.txt", context, recipient),
        sleep,
        create=retry is None,
    )


def deliver_follow_up(round_id: int, *, sleep: Sleep = time.sleep) -> int:
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
        lambda recipient: _message(subject, "citizens/email/follow_up.txt", context, recipient),
        sleep,
    )


def deliver_confirmation(subscription_id: int) -> bool:
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
        message = _message(subject, "citizens/email/confirm.txt", context, recipient)
    with transaction.atomic():
        Delivery.objects.create(
            kind=Delivery.Kind.CONFIRM, subscription=subscription, email=subscription.email, sent_at=timezone.now()
        )
        message.send()
    return True


def _deliver(
    recipients: list[Recipient],
    kind: str,
    about: dict[str, Any],
    build: Callable[[Recipient], EmailMessage],
    sleep: Sleep,
    *,
    create: bool = True,
) -> int:
    pending = _pending(recipients, kind, about, create=create)
    per_minute = max(1, int(getattr(settings, "LOFTE_MAIL_PER_MINUTE", DEFAULT_PER_MINUTE)))
    sent = 0
    batch_began = time.monotonic()
    for start in range(0, len(pending), per_minute):
        if start:
            _wait_out_minute(batch_began, sleep)
        batch_began = time.monotonic()
        # A connection per batch: a mail server may drop one left idle through the pause.
        with get_connection() as connection:
            for delivery_id, recipient in pending[start : start + per_minute]:
                sent += _send_once(delivery_id, partial(build, recipient), connection)
    return sent


def _pending(
    recipients: list[Recipient], kind: str, about: dict[str, Any], *, create: bool = True
) -> list[tuple[int, Recipient]]:
    """Create the missing delivery rows (unless retrying); the unsent ones not marked failed, each with its
    recipient."""
    if create:
        Delivery.objects.bulk_create(
            [
                Delivery(kind=kind, email=r.email, subscription_id=r.subscription_id, contact_id=r.contact_id, **about)
                for r in recipients
            ],
            ignore_conflicts=True,
        )
    rows = Delivery.objects.filter(**about, sent_at__isnull=True, failed_at__isnull=True).values_list("pk", "email")
    unsent = {email.lower(): pk for pk, email in rows}
    return [(unsent[r.email.lower()], r) for r in recipients if r.email.lower() in unsent]


def _send_once(delivery_id: int, build: Callable[[], EmailMessage], connection: Any) -> int:
    try:
        with transaction.atomic():
            still_unsent = Delivery.objects.select_for_update().filter(
                pk=delivery_id, sent_at__isnull=True, failed_at__isnull=True
            )
            if not still_unsent.exists():
                return 0  # another run sent it meanwhile
            connection.send_messages([build()])
            still_unsent.update(sent_at=timezone.now())
    except Exception as error:  # any refusal of the message or the server: mark it, go on with the others
        failure = type(error).__name__[:100]
        Delivery.objects.filter(pk=delivery_id, sent_at__isnull=True).update(failed_at=timezone.now(), failure=failure)
        logger.warning("Delivery %s failed: %s", delivery_id, failure)  # the kind only: its text may hold the address
        return 0
    return 1


def _wait_out_minute(batch_began: float, sleep: Sleep) -> None:
    remaining = 60.0 - (time.monotonic() - batch_began)
    if remaining > 0:
        sleep(remaining)


def one_line(text: str) -> str:
    """A header's text on one line: line breaks and other whitespace runs become one space."""
    return " ".join(text.split())


def _message(subject: str, template: str, context: dict[str, Any], recipient: Recipient) -> EmailMessage:
    unsubscribe = unsubscribe_url(recipient.token)
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(template, {**context, "unsubscribe_url": unsubscribe})
    headers = {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
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
