"""What the subscription pages read: the kommun's published partnership, and the subscription a link's token is for."""

from __future__ import annotations

from lofte.areas.models import Area
from lofte.citizens.models import GroupContact, Subscription
from lofte.partnerships.access import published_partnerships
from lofte.partnerships.models import Partnership


def published_partnership(kommun: Area) -> Partnership | None:
    return published_partnerships().filter(area=kommun).order_by("pk").first()


def subscription_by_token(token: str) -> Subscription | None:
    """The subscription the link is for, while it is not ended."""
    subscriptions = Subscription.objects.select_related("area").defer("area__geometry")
    return subscriptions.filter(token=token, unsubscribed_at__isnull=True).first()


def is_known_token(token: str) -> bool:
    """Whether an unsubscribe link belongs to a subscription or a Grannsamverkan contact (ended or not)."""
    return Subscription.objects.filter(token=token).exists() or GroupContact.objects.filter(token=token).exists()
