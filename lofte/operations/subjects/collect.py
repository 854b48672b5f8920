"""Everything Löfte holds about one person, found by their e-mail address: the register extract (registerutdrag,
GDPR art. 15) and the list that erasure (`actions.do_erase_subject`) works through.

`collect(email)` reads every kind of personal data in one place, with one query per source whatever the amount
(the operator's page asserts its count). Each `Group` says what is held, why (purpose and legal basis), how long it
is kept, where it came from and what erasure does with it. Written out here rather than registered by each app: the
apps must not import `operations`, and one list an operator can read is the point. `COVERED` names every foreign key
to the user and every e-mail field this module reads, and `NOT_COLLECTED` the few it deliberately leaves out with
the reason; `tests/test_subjects.py` fails when a model gains one that is in neither.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin.models import LogEntry
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lofte.accounts.models import Invitation, PersonalAccessToken, User
from lofte.audit.models import AuditEvent
from lofte.citizens.models import Delivery, GroupContact, Subscription, Warning
from lofte.est.models import ApiKey, Incident, IncidentUpdate, Meeting, WeekNote
from lofte.partnerships.models import Membership
from lofte.promises.models import Activity, AgreementDocument, Decision, Signatory
from lofte.situation.models import Dialogue, Lagesbild
from lofte.statistics.models import ImportJob, ImportRun

# Every foreign key to the user model and every e-mail field that `collect` reads ("app.Model.field").
COVERED = frozenset(
    {
        "accounts.User.email",
        "partnerships.Membership.user",
        "accounts.Invitation.email",
        "accounts.Invitation.invited_by",
        "accounts.Invitation.accepted_by",
        "accounts.PersonalAccessToken.user",
        "usersessions.UserSession.user",
        "mfa.Authenticator.user",
        "socialaccount.SocialAccount.user",
        "account.EmailAddress.user",
        "account.EmailAddress.email",
        "audit.AuditEvent.actor",
        "admin.LogEntry.user",
        "est.Incident.reporter",
        "est.Incident.reviewed_by",
        "est.Incident.contact_email",
        "est.IncidentUpdate.author",
        "est.Meeting.created_by",
        "est.WeekNote.updated_by",
        "citizens.Subscription.email",
        "citizens.GroupContact.email",
        "citizens.Delivery.email",
        "citizens.Warning.created_by",
        "citizens.Warning.published_by",
        "situation.Lagesbild.created_by",
        "situation.Lagesbild.adopted_by",
        "situation.Dialogue.created_by",
        "promises.AgreementDocument.uploaded_by",
        "promises.Activity.created_by",
        "statistics.ImportRun.actor",
        "statistics.ImportJob.actor",
    }
)

# Foreign keys to the user and e-mail fields that `collect` leaves out on purpose, with the reason.
NOT_COLLECTED = {
    "accounts.User_groups.user": "Djangos behörighetsgrupper används inte av Löfte; kontot visas redan.",
    "accounts.User_user_permissions.user": "Djangos enskilda behörigheter används inte av Löfte; kontot visas redan.",
}


@dataclass
class Item:
    """One stored row: its model, id, a one-line title and its fields as (name, label, value)."""

    model: str
    pk: Any
    title: str
    fields: list[tuple[str, str, str]]

    def as_json(self) -> dict[str, Any]:
        return {"model": self.model, "id": self.pk, "title": self.title, "fields": {n: v for n, _l, v in self.fields}}


@dataclass
class Group:
    """One kind of personal data: what, why, how long, from where, and what erasure does with it."""

    kind: str
    title: str | Promise
    purpose: str | Promise
    legal_basis: str | Promise
    retention: str | Promise
    source: str | Promise
    on_erasure: str | Promise
    items: list[Item] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title": str(self.title),
            "purpose": str(self.purpose),
            "legal_basis": str(self.legal_basis),
            "retention": str(self.retention),
            "source": str(self.source),
            "on_erasure": str(self.on_erasure),
            "count": len(self.items),
            "items": [item.as_json() for item in self.items],
        }


@dataclass
class SubjectData:
    """What Löfte holds about the person with `email` (and their account, if they have one)."""

    email: str
    user: User | None
    groups: list[Group]
    collected_at: datetime

    @property
    def found(self) -> bool:
        return any(group.items for group in self.groups)

    @property
    def total(self) -> int:
        return sum(len(group.items) for group in self.groups)

    def group(self, kind: str) -> Group:
        return next(group for group in self.groups if group.kind == kind)

    def as_json(self) -> dict[str, Any]:
        return {
            "email": self.email,
            "user_id": self.user.pk if self.user else None,
            "collected_at": self.collected_at.isoformat(),
            "groups": [group.as_json() for group in self.groups],
        }


def normalise(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return User.objects.filter(email__iexact=normalise(email)).first()


def collect(email: str) -> SubjectData:
    """Every piece of personal data about the person with `email`, grouped by kind (a fixed number of queries)."""
    email = normalise(email)
    user = find_user(email) if email else None
    groups = [
        _account(user),
        _invitations(email, user),
        _sign_in(email, user),
        _tokens(user),
        _audit(email, user),
        _est_reports(user),
        _tips(email),
        _subscriptions(email),
        _authored(user),
        _named(user),
    ]
    return SubjectData(email=email, user=user, groups=groups, collected_at=timezone.now())


# Groups


def _account(user: User | None) -> Group:
    group = Group(
        "account",
        _("Användarkonto och medlemskap"),
        _("Att du ska kunna logga in och arbeta i samverkan med den roll du har fått."),
        _("Allmänt intresse / myndighetsutövning (GDPR art. 6.1 e), avtal med din arbetsgivare."),
        _("Så länge du är medlem; kontot inaktiveras när sista medlemskapet avslutas."),
        _("Din samordnare eller förvaltaren skapade kontot via en inbjudan."),
        _("Namn och e-postadress ersätts, lösenordet görs oanvändbart och kontot stängs; medlemskapen avslutas."),
    )
    if user is None:
        return group
    group.items.append(_item(user, ["email", "full_name", "is_active", "is_staff", "date_joined", "last_login"]))
    memberships = Membership.objects.filter(user=user).order_by("pk")
    group.items += _rows(memberships, ["organisation", "role", "title", "created_at", "deactivated_at"])
    return group


def _invitations(email: str, user: User | None) -> Group:
    group = Group(
        "invitations",
        _("Inbjudningar"),
        _("Att bjuda in personer till samverkan och visa vem som gav behörigheten."),
        _("Allmänt intresse (GDPR art. 6.1 e)."),
        _("Tills inbjudan har använts eller återkallats, därefter som underlag för behörigheten."),
        _("Den som bjöd in skrev in namn och e-postadress."),
        _("Inbjudningar till dig får adress och namn borttagna; de du skickade behålls med det anonyma kontot."),
    )
    who = Q(email__iexact=email)
    if user is not None:
        who |= Q(invited_by=user) | Q(accepted_by=user)
    rows = Invitation.objects.filter(who).order_by("created_at", "pk")
    group.items = _rows(
        rows, ["email", "full_name", "organisation", "role", "title", "invited_by", "created_at", "accepted_at"]
    )
    return group


def _sign_in(email: str, user: User | None) -> Group:
    group = Group(
        "sign_in",
        _("Inloggningar, sessioner och andra faktorer"),
        _("Säker inloggning: stoppa lösenordsgissning, visa och avsluta dina sessioner, tvåfaktorsinloggning."),
        _("Rättslig förpliktelse om säkerhet i behandlingen (GDPR art. 32) och allmänt intresse (art. 6.1 e)."),
        _("Misslyckade försök och sessioner gallras efter instansens gallringsregler; faktorer så länge kontot finns."),
        _("Din webbläsare när du loggade in; faktorerna lade du själv till."),
        _("Raderas: sessioner avslutas, faktorer, kopplingar till inloggningstjänster och loggar tas bort."),
    )
    attempts = ["username", "ip_address", "user_agent", "attempt_time"]
    group.items += _rows(AccessAttempt.objects.filter(username__iexact=email), [*attempts, "failures_since_start"])
    group.items += _rows(AccessLog.objects.filter(username__iexact=email), [*attempts, "logout_time"])
    group.items += _rows(AccessFailureLog.objects.filter(username__iexact=email), [*attempts, "locked_out"])
    if user is None:
        return group
    # A session's key and a factor's secret are never shown: only that they exist, and when.
    group.items += _rows(UserSession.objects.filter(user=user), ["ip", "user_agent", "created_at", "last_seen_at"])
    factors = Authenticator.objects.filter(user=user)
    group.items += _rows(factors, ["type", "created_at", "last_used_at"], title=str(_("finns")))
    group.items += _rows(SocialAccount.objects.filter(user=user), ["provider", "uid", "last_login"])
    group.items += _rows(EmailAddress.objects.filter(user=user), ["email", "verified", "primary"])
    return group


def _tokens(user: User | None) -> Group:
    group = Group(
        "tokens",
        _("Personliga åtkomstnycklar"),
        _("Att ett system (till exempel kommunens BI-verktyg) ska kunna läsa API:t i ditt namn."),
        _("Allmänt intresse (GDPR art. 6.1 e)."),
        _("Tills nyckeln går ut eller återkallas."),
        _("Du skapade nyckeln själv. Bara nyckelns namn visas här, aldrig nyckeln."),
        _("Raderas."),
    )
    if user is not None:
        rows = PersonalAccessToken.objects.filter(user=user)
        fields = ["name", "partnership", "access", "created_at", "expires_at", "last_used_at", "revoked_at"]
        group.items = _rows(rows, fields)
    return group


def _audit(email: str, user: User | None) -> Group:
    group = Group(
        "audit",
        _("Händelselogg där du är den som utförde ändringen"),
        _("Spårbarhet: vem som ändrade vad och när, och att upptäcka missbruk."),
        _("Rättslig förpliktelse och allmänt intresse (GDPR art. 6.1 c och e, art. 32)."),
        _("Raden behålls som en del av ärendenas historik; IP-adresser gallras enligt instansens gallringsregler."),
        _("Löfte skrev raden när du gjorde ändringen eller försökte logga in."),
        _("Raden behålls, men ditt namn och din adress ersätts med ”Borttagen användare”."),
    )
    who = Q(actor_label__iexact=email) if email else Q(pk__in=[])
    if user is not None:
        who |= Q(actor=user)
    group.items = _rows(AuditEvent.objects.filter(who), ["at", "action", "object_repr", "ip_address"])
    if user is not None:
        group.items += _rows(LogEntry.objects.filter(user=user), ["action_time", "object_repr", "change_message"])
    return group


def _est_reports(user: User | None) -> Group:
    group = Group(
        "est",
        _("EST-rapporter och statusändringar du skrivit"),
        _("Det lokala lägesbildsarbetet (EST): händelser på allmän plats och hur de hanteras."),
        _("Allmänt intresse (GDPR art. 6.1 e), brottsförebyggande arbete."),
        _("Beskrivningar och foton gallras efter samverkans gallringsregler; rapporten räknas i veckans lägesbild."),
        _("Du skrev rapporten eller statusändringen."),
        _("Din fritext och ditt foto tas bort; rapporten finns kvar utan text så att veckans antal stämmer."),
    )
    if user is None:
        return group
    reports = Incident.objects.filter(Q(reporter=user) | Q(reviewed_by=user)).order_by("reported_at", "pk")
    fields = ["partnership", "category", "occurred_at", "place_name", "address", "description", "photo", "status"]
    group.items = _rows(reports, [*fields, "reporter", "reviewed_by"])
    updates = IncidentUpdate.objects.filter(author=user).select_related("incident__category")
    group.items += _rows(updates.order_by("created_at", "pk"), ["incident", "status", "note", "created_at"])
    return group


def _tips(email: str) -> Group:
    group = Group(
        "tips",
        _("Tips från allmänheten med din e-postadress"),
        _("Att kunna ge dig återkoppling på ditt tips om en otrygg plats."),
        _("Ditt samtycke när du lämnade adressen (GDPR art. 6.1 a) och allmänt intresse (art. 6.1 e)."),
        _("Adressen gallras efter samverkans gallringsregler, och när du ber om det."),
        _("Du lämnade tipset på kommunens sida."),
        _("E-postadressen tas bort; tipset räknas kvar i lägesbilden."),
    )
    if email:
        rows = Incident.objects.filter(contact_email__iexact=email).order_by("reported_at", "pk")
        fields = ["partnership", "category", "occurred_at", "place_name", "description", "contact_email", "status"]
        group.items = _rows(rows, fields)
    return group


def _subscriptions(email: str) -> Group:
    group = Group(
        "subscriptions",
        _("Prenumerationer, grannsamverkan och utskick"),
        _("Att skicka varningar och uppföljningar till dig, och att inget skickas två gånger."),
        _("Ditt samtycke (GDPR art. 6.1 a); grannsamverkans kontakter: allmänt intresse (art. 6.1 e)."),
        _("Tills du avslutar; avslutade och obekräftade adresser gallras efter instansens gallringsregler."),
        _("Du anmälde dig själv, eller samordnaren lade in dig som kontaktperson."),
        _("Prenumerationer och kontakter raderas; utskicken räknas kvar men adressen ersätts."),
    )
    if email:
        subscriptions = Subscription.objects.filter(email__iexact=email).order_by("pk")
        fields = ["email", "area", "warnings", "follow_ups", "created_at", "confirmed_at", "unsubscribed_at"]
        group.items += _rows(subscriptions, fields)
        contacts = GroupContact.objects.filter(email__iexact=email).order_by("pk")
        group.items += _rows(contacts, ["group", "name", "email", "created_at", "unsubscribed_at"])
        deliveries = Delivery.objects.filter(email__iexact=email).order_by("created_at", "pk")
        group.items += _rows(deliveries, ["kind", "email", "created_at", "sent_at", "failed_at"])
    return group


# (model, the foreign keys to the user, the fields shown): work in Löfte the person is recorded as having done.
AUTHORED: Sequence[tuple[type[models.Model], tuple[str, ...], list[str]]] = [
    (Lagesbild, ("created_by", "adopted_by"), ["partnership", "version", "title", "status", "adopted_at"]),
    (Dialogue, ("created_by",), ["partnership", "kind", "date"]),
    (Meeting, ("created_by",), ["partnership", "iso_year", "iso_week", "held_on"]),
    (WeekNote, ("updated_by",), ["partnership", "iso_year", "iso_week"]),
    (Warning, ("created_by", "published_by"), ["partnership", "title", "status", "published_at"]),
    (AgreementDocument, ("uploaded_by",), ["agreement", "title"]),
    (Activity, ("created_by",), ["promise", "date", "text"]),
    (ImportRun, ("actor",), ["file_name", "started_at", "status"]),
    (ImportJob, ("actor",), ["file_name", "created_at", "status"]),
]


def _authored(user: User | None) -> Group:
    group = Group(
        "authored",
        _("Arbete i Löfte där du står som upphov"),
        _("Att visa vem som skapade, fastställde eller publicerade ett dokument, ett möte eller en import."),
        _("Allmänt intresse (GDPR art. 6.1 e); dokumenten är allmänna handlingar."),
        _("Fastställda lägesbilder, beslutade medborgarlöften, beslut och protokoll bevaras enligt arkivlagen."),
        _("Löfte noterade dig när du gjorde arbetet."),
        _("Dokumenten behålls (allmänna handlingar); de pekar på det anonymiserade kontot, inte på ditt namn."),
    )
    if user is None:
        return group
    for model, keys, fields in AUTHORED:
        who = Q()
        for key in keys:
            who |= Q(**{key: user})
        group.items += _rows(model._default_manager.filter(who).order_by("pk"), [*fields, *keys])
    # An Open311 key keeps its maker's address as text (est.open311.actions).
    api_keys = ApiKey.objects.filter(created_by__iexact=user.email).order_by("pk")
    group.items += _rows(api_keys, ["organisation", "label", "created_by", "created_at"])
    return group


def _named(user: User | None) -> Group:
    group = Group(
        "named",
        _("Beslut och protokoll där ditt namn står"),
        _("Handlingar som nämner dig vid namn: handläggare av ett beslut, undertecknare, deltagare i ett EST-möte."),
        _("Allmänt intresse och rättslig förpliktelse (GDPR art. 6.1 c och e); allmänna handlingar."),
        _("Bevaras enligt arkivlagen och kommunens dokumenthanteringsplan."),
        _("Den som skrev beslutet, överenskommelsen eller mötesanteckningen."),
        _("Behålls: allmänna handlingar får inte ändras eller raderas (GDPR art. 17.3 b och e, arkivlagen)."),
    )
    name = user.full_name.strip() if user is not None else ""
    if not name:
        return group
    group.items += _rows(Decision.objects.filter(report_author__iexact=name).order_by("pk"), ["lofte", "report_author"])
    group.items += _rows(Signatory.objects.filter(name__iexact=name).order_by("pk"), ["agreement", "name"])
    meetings = Meeting.objects.filter(participants__icontains=name).order_by("held_on", "pk")
    group.items += _rows(meetings, ["partnership", "held_on", "participants"])
    return group


# Values


def _item(obj: models.Model, names: Iterable[str], *, title: str = "") -> Item:
    """The row's fields; its title is its kind (and `title`), never its `__str__`, which may read more rows."""
    meta = obj._meta
    values = [(name, str(meta.get_field(name).verbose_name), _value(obj, name)) for name in names]  # type: ignore[union-attr]
    kind = str(meta.verbose_name)
    return Item(meta.label, obj.pk, f"{kind[:1].upper()}{kind[1:]}" + (f": {title}" if title else ""), values)


def _rows(rows: models.QuerySet[Any], names: Sequence[str], **kwargs: Any) -> list[Item]:
    """`_item` for each row, the related rows its fields name read in the same query."""
    meta = rows.model._meta
    related = [name for name in names if meta.get_field(name).is_relation]
    return [_item(row, names, **kwargs) for row in rows.select_related(*related)]


def _value(obj: models.Model, name: str) -> str:
    display = getattr(obj, f"get_{name}_display", None)
    value = display() if display is not None else getattr(obj, name)
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(_("ja") if value else _("nej"))
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
