"""Every change to a partnership's warnings goes through here.

A warning is written as a draft (utkast) by a member who may edit (samordnare, polis: Can.EDIT), changed while it is
a draft, published (on the kommun's public page, in its Atom feed, and by e-mail to the area's subscribers through
`lofte.citizens.dispatch`, after commit), and withdrawn when it was wrong or is no longer needed. Each step writes one
audit row; free text holding personal data is refused here as well as in the form, so nothing else can slip it in.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lofte.areas.models import SUBDIVISION_KINDS, Area
from lofte.audit.log import record
from lofte.citizens import dispatch
from lofte.citizens.models import AdvicePage, Delivery, RiskGroup, Warning
from lofte.lib.actors import Actor, user_of
from lofte.lib.pii import refuse_personal_data
from lofte.lib.refusals import ActionRefused, refuse_control_characters
from lofte.partnerships.access import Can, PartnershipAccess

WARNING_FIELDS = ("title", "text", "category", "areas", "risk_groups", "advice", "valid_until")
PLAIN_FIELDS = ("title", "text", "category", "risk_groups", "valid_until")
SCREENED = ("title", "text")
ONE_LINE = ("title", "category")  # the title becomes the e-mail's Subject header

Values = dict[str, Any]


class WarningRefused(ActionRefused):
    """The member's role, the warning's status or the content does not allow the change; the message says why."""


MAY_NOT_WRITE = gettext_lazy("Du har inte behörighet att skriva varningar.")
FOREIGN = gettext_lazy("Varningen hör till en annan samverkan.")


def _check(access: PartnershipAccess, values: Values) -> None:
    unknown = set(values) - set(WARNING_FIELDS)
    if unknown:
        raise ValueError(f"Cannot change {sorted(unknown)}")
    refuse_control_characters(values, ONE_LINE, WarningRefused)
    refuse_personal_data(values, SCREENED, WarningRefused)
    if "risk_groups" in values and not set(values["risk_groups"]) <= set(RiskGroup.values):
        raise WarningRefused(_("Riskgrupper: välj bland de angivna grupperna."), field="risk_groups")
    if "valid_until" in values and values["valid_until"] < timezone.localdate():
        raise WarningRefused(_("Gäller till och med: datumet har redan passerat."), field="valid_until")
    kommun = access.partnership.area_id
    for area in values.get("areas", ()):
        if area.parent_id != kommun or area.kind not in SUBDIVISION_KINDS:
            message = _("Områden: %(area)s ligger inte i samverkans kommun.") % {"area": area.name}
            raise WarningRefused(message, field="areas")
    for page in values.get("advice", ()):
        if page.partnership_id not in (None, access.partnership.pk):
            raise WarningRefused(
                _("Råd: %(title)s hör till en annan samverkan.") % {"title": page.title}, field="advice"
            )


def _check_draft(warning: Warning) -> None:
    if warning.status != Warning.Status.UTKAST:
        raise WarningRefused(_("Varningen är publicerad och kan inte ändras längre. Återkalla den och skriv en ny."))


def _codes(areas: Iterable[Area]) -> list[str]:
    return sorted(area.code for area in areas)


def _slugs(pages: Iterable[AdvicePage]) -> list[str]:
    return sorted(page.slug for page in pages)


def _logged(values: Values) -> Values:
    """What the audit row keeps: the text only as changed, areas and advice by code and slug."""
    logged: Values = {}
    for name, value in values.items():
        if name == "text":
            logged[name] = True
        elif name == "areas":
            logged[name] = _codes(value)
        elif name == "advice":
            logged[name] = _slugs(value)
        else:
            logged[name] = value
    return logged


def do_create_warning(access: PartnershipAccess, *, actor: Actor, **fields: Any) -> Warning:
    """A draft warning; `fields` are WARNING_FIELDS (title, text, category and valid_until are required)."""
    access.require(Can.EDIT, WarningRefused, MAY_NOT_WRITE)
    _check(access, fields)
    areas, advice = list(fields.pop("areas", ())), list(fields.pop("advice", ()))
    with transaction.atomic():
        warning = Warning(partnership=access.partnership, created_by=user_of(actor), **fields)
        warning.full_clean()
        warning.save()
        warning.areas.set(areas)
        warning.advice.set(advice)
        changes = _logged({**fields, "areas": areas, "advice": advice})
        record("warning.create", actor=actor, obj=warning, partnership=access.partnership, changes=changes)
    return warning


def do_update_warning(access: PartnershipAccess, warning: Warning, *, actor: Actor, **values: Any) -> list[str]:
    """Change a draft; returns the fields that changed (none: no audit row)."""
    access.require(Can.EDIT, WarningRefused, MAY_NOT_WRITE, owner=warning.partnership_id, foreign=FOREIGN)
    _check_draft(warning)
    _check(access, values)
    changes: Values = {}
    for name in PLAIN_FIELDS:
        if name in values and getattr(warning, name) != values[name]:
            changes[name] = [getattr(warning, name), values[name]]
            setattr(warning, name, values[name])
    warning.full_clean()
    areas, advice = _codes(warning.areas.all()), _slugs(warning.advice.all())
    if "areas" in values and areas != _codes(values["areas"]):
        changes["areas"] = [areas, _codes(values["areas"])]
    if "advice" in values and advice != _slugs(values["advice"]):
        changes["advice"] = [advice, _slugs(values["advice"])]
    if not changes:
        return []
    with transaction.atomic():
        warning.save(update_fields=[name for name in changes if name in PLAIN_FIELDS] + ["updated_at"])
        if "areas" in changes:
            warning.areas.set(values["areas"])
        if "advice" in changes:
            warning.advice.set(values["advice"])
        logged = {name: True if name == "text" else change for name, change in changes.items()}
        record("warning.update", actor=actor, obj=warning, partnership=access.partnership, changes=logged)
    return list(changes)


def do_publish_warning(access: PartnershipAccess, warning: Warning, *, actor: Actor) -> None:
    """Publish a draft: it shows on the public page and in the feed, and goes out by e-mail after commit."""
    access.require(Can.EDIT, WarningRefused, MAY_NOT_WRITE, owner=warning.partnership_id, foreign=FOREIGN)
    with transaction.atomic():
        warning = Warning.objects.select_for_update().get(pk=warning.pk)
        _check_draft(warning)
        if warning.valid_until < timezone.localdate():
            raise WarningRefused(_("Gäller till och med: datumet har passerat. Ändra det innan du publicerar."))
        warning.status = Warning.Status.PUBLICERAD
        warning.published_at = timezone.now()
        warning.published_by = user_of(actor)
        warning.save(update_fields=["status", "published_at", "published_by", "updated_at"])
        changes = {"status": [Warning.Status.UTKAST, Warning.Status.PUBLICERAD]}
        record("warning.publish", actor=actor, obj=warning, partnership=access.partnership, changes=changes)
        transaction.on_commit(lambda: _dispatch(warning))


def do_withdraw_warning(access: PartnershipAccess, warning: Warning, *, actor: Actor) -> None:
    """Take a published warning down from the public page, the archive and the feed. E-mail already sent stays."""
    access.require(Can.EDIT, WarningRefused, MAY_NOT_WRITE, owner=warning.partnership_id, foreign=FOREIGN)
    with transaction.atomic():
        warning = Warning.objects.select_for_update().get(pk=warning.pk)
        if warning.status != Warning.Status.PUBLICERAD:
            raise WarningRefused(_("Bara en publicerad varning kan återkallas."))
        warning.status = Warning.Status.ATERKALLAD
        warning.withdrawn_at = timezone.now()
        warning.save(update_fields=["status", "withdrawn_at", "updated_at"])
        changes = {"status": [Warning.Status.PUBLICERAD, Warning.Status.ATERKALLAD]}
        record("warning.withdraw", actor=actor, obj=warning, partnership=access.partnership, changes=changes)


def do_retry_dispatch(access: PartnershipAccess, warning: Warning, *, actor: Actor) -> int:
    """Send again the e-mails of a published, current warning that the mail server refused; returns how many are
    queued. Only the failed deliveries go out again (to the addresses that still want the warning), after commit;
    a delivery sent meanwhile is never sent twice (`dispatch`)."""
    access.require(Can.EDIT, WarningRefused, MAY_NOT_WRITE, owner=warning.partnership_id, foreign=FOREIGN)
    with transaction.atomic():
        warning = Warning.objects.select_for_update().select_related("partnership__area").get(pk=warning.pk)
        if not dispatch.is_sendable(warning):
            raise WarningRefused(_("Bara en publicerad varning som fortfarande gäller kan skickas igen."))
        failed = Delivery.objects.filter(warning=warning, sent_at__isnull=True, failed_at__isnull=False)
        ids = list(failed.order_by("pk").values_list("pk", flat=True))
        if not ids:
            raise WarningRefused(_("Inga utskick av varningen har misslyckats."))
        Delivery.objects.filter(pk__in=ids).update(**dispatch.UNFAILED)
        changes = {"deliveries": len(ids)}
        record("warning.retry_dispatch", actor=actor, obj=warning, partnership=access.partnership, changes=changes)
        transaction.on_commit(lambda: dispatch.queue_retry(warning, ids))
    return len(ids)


def _dispatch(warning: Warning) -> None:
    # A seam of its own, so tests can publish without queueing the e-mail.
    dispatch.queue_warning(warning)
