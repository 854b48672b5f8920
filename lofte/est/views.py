"""The EST start page of a partnership: where to report, what waits for review, this week and the meetings."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from lofte.est.access import acting_organisation_ids, can_review
from lofte.est.models import Incident, Measure
from lofte.partnerships.access import Can, get_partnership_for_user


@login_required
def index(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_partnership_for_user(request.user, slug, Can.VIEW)
    partnership = access.partnership
    reviewer = can_review(access)
    organisations = acting_organisation_ids(request.user, access) if access.can(Can.REPORT) else []
    open_statuses = [s for s in Incident.Status.values if s not in (Incident.Status.AVSLUTAD, Incident.Status.AVVISAD)]
    counts = Incident.objects.filter(partnership=partnership).aggregate(
        waiting=Count("pk", filter=Q(status=Incident.Status.MOTTAGEN)),
        mine=Count("pk", filter=Q(reporter=request.user)),
        assigned=Count("pk", filter=Q(routed_to__in=organisations, status__in=open_statuses)),
    )
    open_actions = Measure.objects.filter(partnership=partnership, status__in=Measure.OPEN).count()
    year, week, _weekday = timezone.localdate().isocalendar()
    return render(
        request,
        "est/index.html",
        {
            "partnership": partnership,
            "access": access,
            "reviewer": reviewer,
            "may_report": access.can(Can.REPORT),
            "counts": counts,
            "open_actions": open_actions,
            "year": year,
            "week": week,
        },
    )
