"""Every change to an e-mail subscription: subscribing with double opt-in, confirming and unsubscribing.

Anyone may subscribe to warnings and follow-up reports for a kommun with a published partnership, or for one of
its districts (`subscribable_areas`). The first and only e-mail before confirmation asks the address to confirm
through a link; nothing else is sent until it does (`dispatch` reads only confirmed, active subscriptions).

An address is never shown and never told apart: subscribing again to the same area creates nothing new, changes
nothing that was confirmed, and gets the same answer as a new subscription; an unconfirmed one gets its
confirmation e-mail again. The audit log says "en prenumeration" with the area, never the address.

The token (`secrets.token_urlsafe(32)`) is the only key to a subscription afterwards. The same kind of token on a
Grannsamverkan contact unsubscribes that contact, so every message's one-click link works the same way.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lofte.areas.models import Area
from lofte.audit.log import record
from lofte.citizens import dispatch
from lofte.citizens.models import GroupContact, Subscription
from lofte.citizens.recipients import new_token, normalise_email, subscribable_areas
from lofte.citizens.subscriptions.queries import published_partnership
from lofte.lib.actors import Actor, SystemActor
from lofte.lib.refusals import ActionRefused
from lofte.partnerships.access import published_partnerships
from lofte.partnerships.models import Partnership

# What the audit log calls the one who acted: neither the e-mail address nor the client address is logged.
ACTOR = SystemActor("en prenumeration", anonymous=True)


class SubscriptionRefused(ActionRefused):
    """The kommun or the input does not allow the subscription; the message says why, `field` where."""


def do_subscribe(
    *, kommun: Area, area: Area, email: str, warnings: bool, follow_ups: bool, actor: Actor
) -> Subscription:
    """Subscribe `email` to `area`, or find its subscription there; the confirmation e-mail goes out after commit.

    The caller answers the same whichever happened, so the page never reveals that an address was there."""
    partnership = published_partnership(kommun)
    if partnership is None:
        raise SubscriptionRefused(_("Kommunen har ingen publicerad samverkan att prenumerera på."))
    if not subscribable_areas(kommun).filter(pk=area.pk).exists():
        raise SubscriptionRefused(_("Välj kommunen eller ett av dess områden."), field="area")
    if not (warnings or follow_ups):
        message = _("Välj minst en sak att prenumerera på: varningar eller uppföljningar.")
        raise SubscriptionRefused(message, field="warnings")
    email = normalise_email(email)
    try:
        with transaction.atomic():
            subscription = _existing(email, area)
            if subscription is None:
                subscription = _create(partnership, email, area, warnings, follow_ups, actor)
    except IntegrityError:  # the same address subscribed at the same moment in another request
        subscription = _existing(email, area)
        if subscription is None:
            raise
    if subscription.confirmed_at is None:
        transaction.on_commit(lambda: dispatch.queue_confirmation(subscription))
    return subscription


def _existing(email: str, area: Area) -> Subscription | None:
    return Subscription.objects.filter(email=email, area=area, unsubscribed_at__isnull=True).first()


def _create(
    partnership: Partnership, email: str, area: Area, warnings: bool, follow_ups: bool, actor: Actor
) -> Subscription:
    subscription = Subscription.objects.create(
        email=email, area=area, warnings=warnings, follow_ups=follow_ups, token=new_token()
    )
    changes = {"område": area.name, "varningar": warnings, "uppföljningar": follow_ups}
    record("subscription.create", actor=actor, obj=subscription, partnership=partnership, changes=changes)
    return subscription


def do_confirm_subscription(subscription: Subscription, *, actor: Actor) -> bool:
    """Confirm the subscription (the second step of the opt-in); False when it already was."""
    with transaction.atomic():
        rows = Subscription.objects.select_for_update().filter(
            pk=subscription.pk, confirmed_at__isnull=True, unsubscribed_at__isnull=True
        )
        if not rows.exists():
            return False
        subscription.confirmed_at = timezone.now()
        subscription.suspended_at, subscription.bounce_count = None, 0  # confirmed again after its mail bounced
        subscription.save(update_fields=["confirmed_at", "suspended_at", "bounce_count"])
        changes = {"område": subscription.area.name}
        record(
            "subscription.confirm",
            actor=actor,
            obj=subscription,
            partnership=_partnership(subscription.area),
            changes=changes,
        )
    return True


def do_unsubscribe(token: str, *, actor: Actor) -> bool:
    """End the subscription or the Grannsamverkan contact the token belongs to; False when nothing was active."""
    now = timezone.now()
    with transaction.atomic():
        subscription = (
            Subscription.objects.select_for_update()
            .select_related("area")
            .filter(token=token, unsubscribed_at__isnull=True)
            .first()
        )
        if subscription is not None:
            subscription.unsubscribed_at = now
            subscription.save(update_fields=["unsubscribed_at"])
            changes = {"område": subscription.area.name}
            partnership = _partnership(subscription.area)
            record("subscription.unsubscribe", actor=actor, obj=subscription, partnership=partnership, changes=changes)
            return True
        contact = (
            GroupContact.objects.select_for_update()
            .select_related("group__partnership")
            .filter(token=token, unsubscribed_at__isnull=True)
            .first()
        )
        if contact is None:
            return False
        contact.unsubscribed_at = now
        contact.save(update_fields=["unsubscribed_at"])
        group = contact.group
        changes = {"grupp": group.name}
        record(
            "grannsamverkan.unsubscribe",
            actor=SystemActor("en kontaktperson", anonymous=True),
            obj=contact,
            partnership=group.partnership,
            changes=changes,
        )
    return True


def _partnership(area: Area) -> Partnership | None:
    kommun_id = area.pk if area.kind == Area.Kind.KOMMUN else area.parent_id
    if kommun_id is None:
        return None
    return published_partnerships().filter(area_id=kommun_id).order_by("pk").first()
