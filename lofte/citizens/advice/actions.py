"""Every change to the advice pages for risk groups goes through here.

A page without a partnership is shared by every kommun (installed by migration 0002 from `shared.SHARED_PAGES`,
changed only by operators in the admin); a partnership's members who may edit (Can.EDIT) write its own pages,
which the public sees first. Free text is refused when it holds personal data.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lofte.audit.log import diff, record
from lofte.citizens.models import AdvicePage, RiskGroup
from lofte.lib.actors import Actor
from lofte.lib.pii import refuse_personal_data
from lofte.lib.refusals import ActionRefused
from lofte.partnerships.access import Can, PartnershipAccess

ADVICE_FIELDS = ("slug", "title", "summary", "body", "risk_groups", "source")
SCREENED = ("title", "summary", "body", "source")

Values = dict[str, Any]


class AdviceRefused(ActionRefused):
    """The member's role, the page or the content does not allow the change; the message says why."""


MAY_NOT_EDIT = gettext_lazy("Du har inte behörighet att ändra rådsidorna.")
NOT_OURS = gettext_lazy("Rådsidan är gemensam för alla kommuner och kan inte ändras här.")


def _owner(page: AdvicePage) -> int:
    """The partnership a page belongs to, for `access.require`; a shared page (none) is no partnership's to change
    here, so it gets an id no partnership has."""
    return page.partnership_id or 0


def _check(access: PartnershipAccess, values: Values, page: AdvicePage | None = None) -> None:
    unknown = set(values) - set(ADVICE_FIELDS)
    if unknown:
        raise ValueError(f"Cannot change {sorted(unknown)}")
    refuse_personal_data(values, SCREENED, AdviceRefused)
    groups = values.get("risk_groups")
    if groups is not None and not set(groups) <= set(RiskGroup.values):
        raise AdviceRefused(_("Riskgrupper: välj bland de angivna grupperna."), field="risk_groups")
    slug = values.get("slug")
    if slug is not None and _slug_taken(access, slug, page):
        message = _("Kortnamn: %(slug)s används redan av en annan rådsida.") % {"slug": slug}
        raise AdviceRefused(message, field="slug")


def _slug_taken(access: PartnershipAccess, slug: str, page: AdvicePage | None) -> bool:
    """Taken by another of the partnership's pages or by a shared one, which would hide one behind the other."""
    pages = AdvicePage.objects.filter(Q(partnership=access.partnership) | Q(partnership__isnull=True), slug=slug)
    if page is not None:
        pages = pages.exclude(pk=page.pk)
    return pages.exists()


def do_create_advice(access: PartnershipAccess, *, actor: Actor, **fields: Any) -> AdvicePage:
    """A draft advice page of the partnership; `fields` are ADVICE_FIELDS (slug, title and body required)."""
    access.require(Can.EDIT, AdviceRefused, MAY_NOT_EDIT)
    _check(access, fields)
    with transaction.atomic():
        page = AdvicePage(partnership=access.partnership, **fields)
        page.full_clean(validate_constraints=False)
        page.save()
        changes = {name: getattr(page, name) for name in ("slug", "title", "risk_groups", "source")}
        record("advice.create", actor=actor, obj=page, partnership=access.partnership, changes=changes)
    return page


def do_update_advice(access: PartnershipAccess, page: AdvicePage, *, actor: Actor, **values: Any) -> list[str]:
    """Change any of ADVICE_FIELDS, published or not; returns the fields that changed (none: no audit row)."""
    access.require(Can.EDIT, AdviceRefused, MAY_NOT_EDIT, owner=_owner(page), foreign=NOT_OURS)
    _check(access, values, page)
    before = {name: getattr(page, name) for name in ADVICE_FIELDS}
    for name, value in values.items():
        setattr(page, name, value)
    page.full_clean(validate_constraints=False)
    changes = diff(page, list(ADVICE_FIELDS), before)
    if not changes:
        return []
    with transaction.atomic():
        page.save(update_fields=[*changes, "updated_at"])
        logged = {name: True if name == "body" else value for name, value in changes.items()}
        record("advice.update", actor=actor, obj=page, partnership=access.partnership, changes=logged)
    return list(changes)


def do_publish_advice(access: PartnershipAccess, page: AdvicePage, *, actor: Actor, publish: bool = True) -> None:
    """Show the page to the public (or, with publish=False, take it down again)."""
    access.require(Can.EDIT, AdviceRefused, MAY_NOT_EDIT, owner=_owner(page), foreign=NOT_OURS)
    if page.is_published == publish:
        return
    with transaction.atomic():
        page.is_published = publish
        page.save(update_fields=["is_published", "updated_at"])
        action = "advice.publish" if publish else "advice.unpublish"
        record(action, actor=actor, obj=page, partnership=access.partnership, changes={"is_published": publish})
