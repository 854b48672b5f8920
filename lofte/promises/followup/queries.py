"""Reads for the follow-up: the round being worked on, the rounds overdue, and a löfte or a round found within the
member's partnership (404 for any other)."""

from __future__ import annotations

from datetime import date

from django.shortcuts import get_object_or_404

from lofte.partnerships.access import PartnershipAccess
from lofte.partnerships.models import Partnership
from lofte.promises.models import FollowUpRound, Medborgarlofte


def lofte_of(access: PartnershipAccess, pk: int) -> Medborgarlofte:
    """The partnership's own löfte, with its agreement; 404 for any other."""
    loften = Medborgarlofte.objects.select_related("agreement")
    lofte = get_object_or_404(loften, pk=pk, agreement__partnership=access.partnership)
    lofte.agreement.partnership = access.partnership
    return lofte


def round_of(access: PartnershipAccess, pk: int) -> FollowUpRound:
    """The partnership's own round, with its löfte and agreement; 404 for any other."""
    rounds = FollowUpRound.objects.select_related("lofte__agreement")
    round_ = get_object_or_404(rounds, pk=pk, lofte__agreement__partnership=access.partnership)
    round_.lofte.agreement.partnership = access.partnership
    return round_


def current_round(lofte: Medborgarlofte) -> FollowUpRound | None:
    """The round being worked on: the earliest one still open."""
    rounds = FollowUpRound.objects.filter(lofte=lofte, status=FollowUpRound.Status.OPEN)
    return rounds.order_by("period_start", "id").first()


def overdue_rounds(partnership: Partnership, today: date) -> list[FollowUpRound]:
    """The partnership's rounds still open after the day they were due, the longest overdue first; one query."""
    rounds = FollowUpRound.objects.filter(
        lofte__agreement__partnership=partnership, status=FollowUpRound.Status.OPEN, due_on__lt=today
    )
    return list(rounds.select_related("lofte").order_by("due_on", "id"))
