"""The Swedish EST categories as stable codes, so kommuner can compare their incident reports.

The set follows what EST partnerships use in practice (Brå, Örebro universitet and Örebro kommun). A code
is `group` or `group.sub`; codes never change meaning and are never reused. A partnership gets this set
when it is created (`setup.do_set_up_est`) and may then rename, hide or add its own subcategories;
its own codes start with `egen.` so they can never collide with a later reference code.

`CITIZEN` marks the categories a member of the public may report (issue 7: "Tipsa om en otrygg plats").
`UPCOMING` marks the categories that may be reported before they happen: an arrangemang (a match, a festival,
an end-of-school party) is worth knowing about in the week it will take place, so the partnership can prepare.
A partnership's own subcategories of one inherit it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise as LazyText
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True, slots=True)
class ReferenceCategory:
    code: str
    name: LazyText
    citizen: bool = False

    @property
    def parent_code(self) -> str | None:
        return self.code.rpartition(".")[0] or None


REFERENCE: tuple[ReferenceCategory, ...] = (
    ReferenceCategory("skadegorelse", _("Skadegörelse")),
    ReferenceCategory("skadegorelse.klotter", _("Klotter"), citizen=True),
    ReferenceCategory("skadegorelse.glaskross", _("Glaskross"), citizen=True),
    ReferenceCategory("skadegorelse.brand", _("Brand i föremål")),
    ReferenceCategory("skadegorelse.ovrig", _("Annan skadegörelse"), citizen=True),
    ReferenceCategory("samling", _("Otrygghetsskapande samling av personer")),
    ReferenceCategory("samling.trapphus", _("I trapphus")),
    ReferenceCategory("samling.kallare", _("I källare eller förråd")),
    ReferenceCategory("samling.garage", _("I garage")),
    ReferenceCategory("samling.kopcentrum", _("I köpcentrum eller butik")),
    ReferenceCategory("samling.utomhus", _("Utomhus"), citizen=True),
    ReferenceCategory("ordning", _("Ordningsstörning")),
    ReferenceCategory("ordning.brak", _("Bråk")),
    ReferenceCategory("ordning.vald", _("Våld")),
    ReferenceCategory("ordning.inbrott", _("Inbrott")),
    ReferenceCategory("ordning.ran", _("Rån")),
    ReferenceCategory("ordning.droger", _("Misstänkt droghantering")),
    ReferenceCategory("ordning.olovligt_boende", _("Olovligt boende eller sovplats")),
    ReferenceCategory("ordning.buskorning", _("Olovlig trafik eller buskörning"), citizen=True),
    ReferenceCategory("ordning.tillhyggen", _("Tillhyggen eller stenupplag"), citizen=True),
    ReferenceCategory("otrygg_plats", _("Otrygg plats")),
    ReferenceCategory("otrygg_plats.belysning", _("Bristfällig belysning"), citizen=True),
    ReferenceCategory("otrygg_plats.skymd_insyn", _("Skymd insyn"), citizen=True),
    ReferenceCategory("otrygg_plats.nedskrapning", _("Nedskräpning"), citizen=True),
    ReferenceCategory("otrygg_plats.odslig", _("Ödslig plats"), citizen=True),
    ReferenceCategory("incident_anstalld", _("Incident mot anställd")),
    ReferenceCategory("incident_anstalld.hindrad", _("Hindrad i arbetet")),
    ReferenceCategory("incident_anstalld.hotad", _("Hotad")),
    ReferenceCategory("incident_anstalld.provocerad", _("Provocerad")),
    ReferenceCategory("anlagd_brand", _("Anlagd brand")),
    ReferenceCategory("arrangemang", _("Arrangemang som kan påverka tryggheten")),
    ReferenceCategory("ryktesspridning", _("Ryktesspridning i sociala medier")),
)

BY_CODE: dict[str, ReferenceCategory] = {category.code: category for category in REFERENCE}
CITIZEN: frozenset[str] = frozenset(category.code for category in REFERENCE if category.citizen)
OWN_PREFIX = "egen."
UPCOMING: frozenset[str] = frozenset({"arrangemang"})
