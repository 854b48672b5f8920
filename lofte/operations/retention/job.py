"""The nightly gallring: `run_gallring(now=None, dry_run=False)`, behind `lofte gallring [--dry-run]`.

Each kind's rows past their time are found by `candidates(kind, at, periods)` (the pages count the same querysets
at a later `at` to say what goes next), and handled in batches of `BATCH` rows, each batch in its own short
transaction, so SQLite is never locked for long and a run stopped half-way leaves every batch whole. What is
handled no longer matches its queryset, so a second run finds nothing (idempotent), and a batch always shrinks
what is left.

What it does per kind (`kinds.py`):
- EST reports and citizens' tips: description replaced by `MARKER`; photo deleted from storage (after the
  batch commits) and the field cleared; address, place name, the police's report number, the reason for a
  rejection and the notes of the timeline blanked; the point moved to the centre of the partnership's grid cell
  (`EstSettings.grid_m`, as non-reviewers see it); in the incident's audit rows a status change's note and a
  correction's place are replaced by `MARKER`.
  The row keeps its category, time, area, status and cell, so the weekly lägesbild counts the same.
- Feedback addresses (`Incident.contact_email`): blanked.
- Dialogue statements: the text replaced by `MARKER` (theme and counts stay).
- Unsubscribed subscriptions and Grannsamverkan contacts, and unconfirmed subscriptions: deleted, their
  deliveries kept without address (`gallrad-<id>@gallrad.invalid`) so mail counts stay.
- Deliveries of a finished mailing (a warning no longer sendable, a follow-up or confirmation with nothing left
  to send): the address replaced in the same way.
- Audit rows: the IP address set to NULL.
- Sign-in records: django-axes' attempts and logs, allauth's ended user sessions, expired Django sessions.
- Finished tasks: `lofte prune-tasks` (django-tasks-db's pruning); rate-limit counters: `audit.limits.prune`.

One audit row per run that changed something or not (`gallring.run`, actor "lofte gallring", the counts per
kind, never a text); a dry run only counts and writes nothing.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from allauth.usersessions.models import UserSession
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from lofte.audit.limits import prune as prune_rate_limits
from lofte.audit.log import record
from lofte.audit.models import AuditEvent, RateBucket
from lofte.citizens.models import Delivery, GroupContact, Subscription, Warning
from lofte.est import places
from lofte.est.models import EstSettings, Incident, IncidentUpdate
from lofte.lib.actors import SystemActor
from lofte.operations.retention import kinds as K
from lofte.operations.retention.kinds import GALLRAD_DOMAIN, MARKER, Kind
from lofte.operations.retention.models import RetentionPolicy
from lofte.situation.models import DialogueStatement

ACTOR = SystemActor("lofte gallring")
BATCH = 500
DATABASE_TASKS = "django_tasks_db.DatabaseBackend"
# What the audit rows of an incident may copy of its free text and place (a status change's note, a correction's
# old and new place): replaced when the incident is gallrad.
AUDITED_TEXT = ("address", "place_name", "latitude", "longitude", "note", "description", "rejection_reason")


@dataclass
class GallringReport:
    """What one run did (or, dry, would do): the number of rows per kind's code."""

    at: datetime
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


# Periods


@dataclass(frozen=True)
class Periods:
    """The days each partnership keeps each of its kinds: its own choice, else the instance's default."""

    chosen: dict[str, dict[int, int]]  # kind code -> {partnership id: days}

    @classmethod
    def read(cls, partnership_id: int | None = None) -> Periods:
        policies = RetentionPolicy.objects.all()
        if partnership_id is not None:
            policies = policies.filter(partnership_id=partnership_id)
        chosen: dict[str, dict[int, int]] = {kind.code: {} for kind in K.PARTNERSHIP_KINDS}
        for policy in policies:
            for kind in K.PARTNERSHIP_KINDS:
                days = getattr(policy, kind.field)
                if days is not None:
                    chosen[kind.code][policy.partnership_id] = days
        return cls(chosen)

    def days(self, kind: Kind, partnership_id: int | None = None) -> int | None:
        if partnership_id is not None and partnership_id in self.chosen.get(kind.code, {}):
            return self.chosen[kind.code][partnership_id]
        return K.instance_days(kind)

    def past(self, kind: Kind, at: datetime, partnership: str, when: str, *, as_date: bool = False) -> Q:
        """Rows whose `when` lies more than their partnership's period before `at`."""
        chosen = self.chosen.get(kind.code, {})
        groups: dict[int, list[int]] = {}
        for partnership_id, days in chosen.items():
            groups.setdefault(days, []).append(partnership_id)
        default = K.instance_days(kind) or 0
        condition = Q(**{f"{when}__lt": _cutoff(at, default, as_date)}) & ~Q(**{f"{partnership}__in": list(chosen)})
        for days, ids in groups.items():
            condition |= Q(**{f"{partnership}__in": ids, f"{when}__lt": _cutoff(at, days, as_date)})
        return condition


def _cutoff(at: datetime, days: int, as_date: bool) -> Any:
    moment = at - timedelta(days=days)
    return timezone.localdate(moment) if as_date else moment


def _instance_cutoff(kind: Kind, at: datetime) -> datetime:
    return at - timedelta(days=K.instance_days(kind) or 0)


# What is past its time


def candidates(kind: Kind, at: datetime, periods: Periods) -> list[QuerySet[Any]]:
    """The querysets of the rows of `kind` that are past their time at `at` (a kind may span several models)."""
    return _CANDIDATES[kind.code](at, periods)


def _incidents(kind: Kind, at: datetime, periods: Periods) -> Q:
    return periods.past(kind, at, "partnership_id", "reported_at")


def _est_text(at: datetime, periods: Periods) -> list[QuerySet[Any]]:
    rows = Incident.objects.exclude(source=Incident.Source.CITIZEN).exclude(description=MARKER)
    return [rows.filter(_incidents(K.EST_TEXT, at, periods))]


def _tip_text(at: datetime, periods: Periods) -> list[QuerySet[Any]]:
    rows = Incident.objects.filter(source=Incident.Source.CITIZEN).exclude(description=MARKER)
    return [rows.filter(_incidents(K.TIP_TEXT, at, periods))]


def _tip_email(at: datetime, periods: Periods) -> list[QuerySet[Any]]:
    return [Incident.objects.exclude(contact_email="").filter(_incidents(K.TIP_EMAIL, at, periods))]


def _dialogue_text(at: datetime, periods: Periods) -> list[QuerySet[Any]]:
    past = periods.past(K.DIALOGUE_TEXT, at, "dialogue__partnership_id", "dialogue__date", as_date=True)
    return [DialogueStatement.objects.exclude(text=MARKER).filter(past)]


def _unsubscribed(at: datetime, periods: Periods) -> list[QuerySet[Any]]:
    cutoff = _instance_cutoff(K.UNSUBSCRIBED, at)
    return [
        Subscription.objects.filter(unsubscribed_at__lt=cutoff),
        GroupContact.objects.filter(unsubscribed_at__lt=cutoff),
    ]


def _unconfirmed(at: datetime, periods: Periods) -> list[QuerySet[Any]]:
    cutoff = _instance_cutoff(K.UNCONFIRMED, at)
    return [Subscription.objects.filter(confirmed_at__isnull=True, unsubscribed_at__isnull=True, created_at__lt=cutoff)]


def _delivery_email(at: datetime, periods: Periods) -> list[QuerySet[Any]]:
    cutoff = _instance_cutoff(K.DELIVERY_EMAIL, at)
    finished_row = Q(sent_at__lt=cutoff) | Q(failed_at__lt=cutoff)
    unsent = Delivery.objects.filter(follow_up=OuterRef("follow_up"), sent_at__isnull=True, failed_at__isnull=True)
    # A warning's rows may be sent again (a retry, `lofte send-citizen-mail`) while it is sendable; never after.
    warning_over = (
        Q(warning__withdrawn_at__isnull=False)
        | Q(warning__valid_until__lt=timezone.localdate(at))
        | ~Q(warning__status=Warning.Status.PUBLICERAD)
    )
    mailing_over = (
        (Q(warning__isnull=False) & warning_over)
        | (Q(follow_up__isnull=False) & ~Exists(unsent))
        | Q(kind=Delivery.Kind.CONFIRM)
    )
    return [Delivery.objects.exclude(email__endswith=f"@{GALLRAD_DOMAIN}").filter(finished_row, mailing_over)]


def _audit_ip(at: datetime, periods: Periods) -> list[QuerySet[Any]]:
    return [AuditEvent.objects.filter(ip_address__isnull=False, at__lt=_instance_cutoff(K.AUDIT_IP, at))]


def _signins(at: datetime, periods: Periods) -> list[QuerySet[Any]]:
    cutoff = _instance_cutoff(K.SIGNINS, at)
    live = Session.objects.filter(expire_date__gt=at).values("session_key")
    return [
        AccessAttempt.objects.filter(attempt_time__lt=cutoff),
        AccessFailureLog.objects.filter(attempt_time__lt=cutoff),
        AccessLog.objects.filter(attempt_time__lt=cutoff),
        UserSession.objects.filter(last_seen_at__lt=cutoff).exclude(session_key__in=live),
        Session.objects.filter(expire_date__lt=at),
    ]


def _tasks(at: datetime, periods: Periods) -> list[QuerySet[Any]]:
    if settings.TASKS["default"]["BACKEND"] != DATABASE_TASKS:
        return []
    from django_tasks_db.models import DBTaskResult

    return [DBTaskResult.objects.finished().filter(finished_at__lte=_instance_cutoff(K.TASKS, at))]


def _rate_limits(at: datetime, periods: Periods) -> list[QuerySet[Any]]:
    return [RateBucket.objects.filter(expires_at__lte=at)]


_CANDIDATES: dict[str, Callable[[datetime, Periods], list[QuerySet[Any]]]] = {
    K.EST_TEXT.code: _est_text,
    K.TIP_TEXT.code: _tip_text,
    K.TIP_EMAIL.code: _tip_email,
    K.DIALOGUE_TEXT.code: _dialogue_text,
    K.UNSUBSCRIBED.code: _unsubscribed,
    K.UNCONFIRMED.code: _unconfirmed,
    K.DELIVERY_EMAIL.code: _delivery_email,
    K.AUDIT_IP.code: _audit_ip,
    K.SIGNINS.code: _signins,
    K.TASKS.code: _tasks,
    K.RATE_LIMITS.code: _rate_limits,
}


# Doing it


def run_gallring(now: datetime | None = None, dry_run: bool = False) -> GallringReport:
    """Delete or anonymise everything past its time; one audit row with the counts unless `dry_run`."""
    at = now or timezone.now()
    periods = Periods.read()
    report = GallringReport(at=at, dry_run=dry_run)
    for kind in K.KINDS:
        querysets = candidates(kind, at, periods)
        if dry_run:
            report.counts[kind.code] = sum(rows.count() for rows in querysets)
        else:
            report.counts[kind.code] = sum(_HANDLE[kind.code](rows, at) for rows in querysets)
    if not dry_run:
        record("gallring.run", actor=ACTOR, changes={"counts": report.counts, "total": report.total})
    return report


def _in_batches(rows: QuerySet[Any], work: Callable[[list[int]], None]) -> int:
    """Run `work` over the rows' ids, `BATCH` at a time, each batch in a transaction of its own."""
    done = 0
    seen: set[int] = set()
    while ids := list(rows.order_by("pk").values_list("pk", flat=True)[:BATCH]):
        if seen.intersection(ids):  # the work left a row matching: stop rather than loop for ever
            raise RuntimeError(f"Gallring left {rows.model._meta.label} rows unchanged")
        seen.update(ids)
        with transaction.atomic():
            work(ids)
        done += len(ids)
    return done


def _anonymised_email() -> Concat:
    return Concat(Value("gallrad-"), Cast("pk", models.CharField()), Value(f"@{GALLRAD_DOMAIN}"))


def _gallra_incidents(rows: QuerySet[Any], at: datetime) -> int:
    grids = dict(EstSettings.objects.values_list("partnership_id", "grid_m"))
    default_grid = EstSettings._meta.get_field("grid_m").get_default()
    storage = Incident._meta.get_field("photo").storage

    def work(ids: list[int]) -> None:
        found = Incident.objects.filter(pk__in=ids).values_list(
            "pk", "partnership_id", "latitude", "longitude", "photo"
        )
        moved, photos = [], []
        for pk, partnership_id, latitude, longitude, photo in found:
            if photo:
                photos.append(photo)
            if latitude is not None and longitude is not None:
                grid = grids.get(partnership_id, default_grid)
                centre = places.cell_centre(places.grid_cell(places.LatLng(latitude, longitude), grid), grid)
                moved.append(Incident(pk=pk, latitude=centre.lat, longitude=centre.lng))
        Incident.objects.bulk_update(moved, ["latitude", "longitude"])
        Incident.objects.filter(pk__in=ids).update(
            description=MARKER, photo="", address="", place_name="", police_report_number="", rejection_reason=""
        )
        IncidentUpdate.objects.filter(incident__in=ids).exclude(note="").update(note="")
        _gallra_audit(ids)
        transaction.on_commit(lambda: _delete_files(storage, photos))

    return _in_batches(rows, work)


def _gallra_audit(ids: list[int]) -> None:
    """The incidents' audit rows keep a status change's note and a correction's old and new place: replace them,
    keep what else changed."""
    events = AuditEvent.objects.filter(object_type="est.incident", object_id__in=[str(pk) for pk in ids])
    for event in events:
        changes = {
            name: _marked(value) if name in AUDITED_TEXT else value for name, value in (event.changes or {}).items()
        }
        if changes != event.changes:
            event.changes = changes
            event.save(update_fields=["changes"])


def _marked(value: Any) -> Any:
    if isinstance(value, list):
        return [_marked(item) for item in value]
    return MARKER if value not in (None, "") else value


def _delete_files(storage: Any, names: Iterable[str]) -> None:
    for name in names:
        storage.delete(name)


def _blank(field_name: str, value: Any) -> Callable[[QuerySet[Any], datetime], int]:
    def handle(rows: QuerySet[Any], at: datetime) -> int:
        return _in_batches(rows, lambda ids: rows.model.objects.filter(pk__in=ids).update(**{field_name: value}))

    return handle


def _delete_with_deliveries(rows: QuerySet[Any], at: datetime) -> int:
    link = "subscription" if rows.model is Subscription else "contact"

    def work(ids: list[int]) -> None:
        Delivery.objects.filter(**{f"{link}__in": ids}).update(**{link: None}, email=_anonymised_email())
        rows.model.objects.filter(pk__in=ids).delete()

    return _in_batches(rows, work)


def _prune_tasks(rows: QuerySet[Any], at: datetime) -> int:
    count = rows.count()
    if count:
        call_command("prune_tasks", stdout=io.StringIO(), stderr=io.StringIO())
    return count


def _prune_rate_limits(rows: QuerySet[Any], at: datetime) -> int:
    return prune_rate_limits(at)


def _delete_signins(rows: QuerySet[Any], at: datetime) -> int:
    return _in_batches(rows, lambda ids: rows.model.objects.filter(pk__in=ids).delete())


_HANDLE: dict[str, Callable[[QuerySet[Any], datetime], int]] = {
    K.EST_TEXT.code: _gallra_incidents,
    K.TIP_TEXT.code: _gallra_incidents,
    K.TIP_EMAIL.code: _blank("contact_email", ""),
    K.DIALOGUE_TEXT.code: _blank("text", MARKER),
    K.UNSUBSCRIBED.code: _delete_with_deliveries,
    K.UNCONFIRMED.code: _delete_with_deliveries,
    K.DELIVERY_EMAIL.code: _blank("email", _anonymised_email()),
    K.AUDIT_IP.code: _blank("ip_address", None),
    K.SIGNINS.code: _delete_signins,
    K.TASKS.code: _prune_tasks,
    K.RATE_LIMITS.code: _prune_rate_limits,
}
