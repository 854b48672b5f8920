"""What an operator does with a person's data on request: hand it out (`do_export_subject`, GDPR art. 15) and erase
it (`do_erase_subject`, art. 17), each audited without the address in the audit row.

Erasure deletes what exists for the person alone (subscriptions, Grannsamverkan contacts, sessions, factors,
tokens, sign-in logs, their address on tips), blanks the free text and photo of the EST reports and status notes
they wrote (the rows stay, so every week's counts stay the same), and anonymises their account: the name becomes
"Borttagen användare N" and the address `borttagen-N@invalid`. Adopted lägesbilder, decided medborgarlöften,
decisions and protocols are allmänna handlingar kept under arkivlagen (GDPR art. 17.3 b and e): they stay, and
point at the anonymised account. Audit rows stay too, with the person's name and address replaced.
"""

from __future__ import annotations

import json
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin.models import LogEntry
from django.db import models, transaction
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from lofte.accounts.models import Invitation, PersonalAccessToken, User
from lofte.audit.log import record
from lofte.audit.models import AuditEvent
from lofte.citizens.models import Delivery, GroupContact, Subscription
from lofte.est.models import ApiKey, Incident, IncidentUpdate
from lofte.lib.actors import Actor, user_of
from lofte.lib.refusals import ActionRefused
from lofte.operations.subjects.collect import SubjectData, collect, normalise
from lofte.partnerships.models import Membership
from lofte.statistics.models import ImportRun


class SubjectRefused(ActionRefused):
    pass


def subject_key(email: str) -> str:
    """A keyed hash of the address: the audit row can be matched to a later request without holding the address."""
    return salted_hmac("lofte.operations.subjects", normalise(email)).hexdigest()[:16]


def require_operator(actor: Actor) -> User:
    user = user_of(actor)
    if user is None or not user.is_superuser:
        raise SubjectRefused(_("Bara förvaltaren kan lämna ut eller radera en persons uppgifter."))
    return user


def do_export_subject(email: str, *, actor: Actor, format: str) -> SubjectData:
    """The register extract of `email`, with one audit row saying that it was handed out (and in which format)."""
    require_operator(actor)
    data = collect(email)
    changes = {"subject": subject_key(email), "user_id": data.user.pk if data.user else None, "format": format}
    record("subject.export", actor=actor, changes={**changes, "items": data.total})
    return data


def anonymous_name(user_id: int) -> str:
    return _("Borttagen användare %(id)s") % {"id": user_id}


def do_erase_subject(email: str, *, actor: Actor) -> dict[str, int]:
    """Erase the person with `email` (see the module's docstring); how many rows of each kind were changed."""
    operator = require_operator(actor)
    email = normalise(email)
    if not email:
        raise SubjectRefused(_("Ange en e-postadress."), field="email")
    with transaction.atomic():
        data = collect(email)
        if data.user is not None and data.user.pk == operator.pk:
            raise SubjectRefused(_("Du kan inte radera dina egna uppgifter här. Be en annan förvaltare."))
        if not data.found:
            raise SubjectRefused(_("Löfte har inga uppgifter om den adressen."), field="email")
        user = data.user
        label = anonymous_name(user.pk) if user is not None else _("Borttagen person")
        names = _names(email, user, label)
        counts = {**_erase_citizen_data(email), **_replace_labels(email, user, label, names, _their_texts(user))}
        if user is not None:
            counts.update(_erase_account(user, label))
        counts = {key: value for key, value in counts.items() if value}
        changes = {"subject": subject_key(email), "user_id": user.pk if user else None, "counts": counts}
        record("subject.erase", actor=actor, obj=user, changes=changes)
    return counts


def _names(email: str, user: User | None, label: str) -> dict[str, str]:
    """The texts that name the person (the address, the account's name), each to be replaced by the label."""
    found = {email: label}
    if user is not None and user.full_name.strip():
        found[user.full_name.strip()] = label
    return found


def _their_texts(user: User | None) -> dict[str, str]:
    """The free text of the person's EST reports and notes, which the audit rows of their own changes repeat."""
    if user is None:
        return {}
    removed = str(_("[borttagen text]"))
    texts = Incident.objects.filter(reporter=user).exclude(description="").values_list("description", flat=True)
    notes = IncidentUpdate.objects.filter(author=user).exclude(note="").values_list("note", flat=True)
    return {text: removed for text in [*texts, *notes]}


def _erase_citizen_data(email: str) -> dict[str, int]:
    """What belongs to the address alone: subscriptions, contacts, the address on tips; deliveries stay counted."""
    deliveries = Delivery.objects.filter(email__iexact=email).update(
        subscription=None,
        contact=None,
        email=Concat(Value("borttagen-"), Cast("pk", CharField()), Value("@invalid")),
    )
    return {
        "deliveries_anonymised": deliveries,
        "subscriptions_deleted": Subscription.objects.filter(email__iexact=email).delete()[0],
        "contacts_deleted": GroupContact.objects.filter(email__iexact=email).delete()[0],
        "tips_address_removed": Incident.objects.filter(contact_email__iexact=email).update(contact_email=""),
        "invitations_anonymised": _anonymise_invitations(email),
        "sign_in_records_deleted": sum(
            model.objects.filter(username__iexact=email).delete()[0]
            for model in (AccessAttempt, AccessLog, AccessFailureLog)
        ),
    }


def _anonymise_invitations(email: str) -> int:
    """An invitation to the person keeps who granted what, without their name or address; an open one is closed."""
    rows = Invitation.objects.filter(email__iexact=email)
    rows.filter(accepted_at__isnull=True, withdrawn_at__isnull=True).update(withdrawn_at=timezone.now())
    return rows.update(
        email=Concat(Value("borttagen-inbjudan-"), Cast("pk", CharField()), Value("@invalid")), full_name=""
    )


def _erase_account(user: User, label: str) -> dict[str, int]:
    sessions = list(UserSession.objects.filter(user=user))
    for session in sessions:
        session.end()
    counts = {
        "sessions_ended": len(sessions),
        "factors_deleted": Authenticator.objects.filter(user=user).delete()[0],
        "tokens_deleted": PersonalAccessToken.objects.filter(user=user).delete()[0],
        "sso_links_deleted": SocialAccount.objects.filter(user=user).delete()[0],
        "addresses_deleted": EmailAddress.objects.filter(user=user).delete()[0],
        "est_reports_blanked": _blank_reports(user),
        "est_notes_blanked": IncidentUpdate.objects.filter(author=user).exclude(note="").update(note=""),
        "memberships_ended": Membership.objects.filter(user=user, deactivated_at__isnull=True).update(
            deactivated_at=timezone.now()
        ),
    }
    Membership.objects.filter(user=user).update(title="")
    user.full_name = label
    user.email = f"borttagen-{user.pk}@invalid"
    user.is_active = user.is_staff = user.is_superuser = False
    user.set_unusable_password()
    user.save(update_fields=["full_name", "email", "is_active", "is_staff", "is_superuser", "password"])
    return counts


def _blank_reports(user: User) -> int:
    """The free text and photo of the reports the person wrote; category, place and time stay for the counts."""
    reports = Incident.objects.filter(reporter=user)
    photos = [name for name in reports.exclude(photo="").values_list("photo", flat=True)]
    storage = Incident._meta.get_field("photo").storage

    def delete_photos() -> None:
        # The files go once the rows no longer point at them, and only if the erasure is committed.
        for name in photos:
            storage.delete(name)

    transaction.on_commit(delete_photos)
    return reports.update(description="", police_report_number="", photo="")


def _replace_labels(
    email: str, user: User | None, label: str, names: dict[str, str], texts: dict[str, str]
) -> dict[str, int]:
    """Audit rows (and the two other places that keep a maker's label as text) name the anonymised account; the
    person's own rows lose the free text they wrote. Any row that names them has the name replaced."""
    own = Q(actor=user) if user is not None else Q(pk__in=[])
    labelled = AuditEvent.objects.filter(Q(actor_label__iexact=email) | own).update(actor_label=label)
    mentions = own
    for needle in names:
        escaped = json.dumps(needle)[1:-1]  # how SQLite's JSON text holds a name with å, ä or ö
        mentions |= Q(object_repr__icontains=needle) | Q(as_text__icontains=needle) | Q(as_text__icontains=escaped)
    rows = AuditEvent.objects.annotate(as_text=Cast("changes", models.TextField())).filter(mentions)
    rewritten = 0
    for event in rows:
        needles = {**texts, **names} if user is not None and event.actor_id == user.pk else names
        object_repr, changes = _replace(event.object_repr, needles)[:200], _replace(event.changes, needles)
        if (object_repr, changes) != (event.object_repr, event.changes):
            event.object_repr, event.changes = object_repr, changes
            event.save(update_fields=["object_repr", "changes"])
            rewritten += 1
    admin_rows = LogEntry.objects.filter(Q(*[Q(object_repr__icontains=n) for n in names], _connector=Q.OR))
    for entry in admin_rows:
        entry.object_repr = _replace(entry.object_repr, names)[:200]
        entry.save(update_fields=["object_repr"])
    return {
        "audit_rows_relabelled": labelled,
        "audit_rows_rewritten": rewritten,
        "api_keys_relabelled": ApiKey.objects.filter(created_by__iexact=email).update(created_by=label),
        "imports_relabelled": ImportRun.objects.filter(actor_label__iexact=email).update(actor_label=label),
    }


def _replace(value: Any, needles: dict[str, str]) -> Any:
    """`value` with every needle (any case) replaced by its replacement, longest first, through dicts and lists."""
    if isinstance(value, str):
        for needle in sorted(needles, key=len, reverse=True):
            value = _replace_text(value, needle, needles[needle])
        return value
    if isinstance(value, dict):
        return {_replace(key, needles): _replace(item, needles) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace(item, needles) for item in value]
    return value


def _replace_text(text: str, needle: str, label: str) -> str:
    lowered, wanted, start, out = text.lower(), needle.lower(), 0, []
    while (found := lowered.find(wanted, start)) >= 0:
        out += [text[start:found], label]
        start = found + len(needle)
    return "".join(out) + text[start:]
