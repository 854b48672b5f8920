"""The decision documents for a medborgarlöfte, as DOCX the kommun can adapt to its own template: the
tjänsteskrivelse (the officials' report with the proposal) and the protokollsutdrag (the extract of the minutes
with the body, the meeting date and the § paragraph).

The protokollsutdrag is the extract of the meeting that decided when that is recorded, and otherwise of the meeting
that proposed (Mjölby's arbetsutskott, § 59): then it is headed "Förslag till beslut" and says "Föreslaget av …
till kommunstyrelsen", never "Beslutat av" (`Decision.lines`).

Both follow the layout of the kommuner's own documents (Mjölby's § 59, KS/2024:126): a header with kommun, date,
case number and handläggare; Bakgrund from the agreement; Sammanfattning of the lägesbild; Förslag; the
medborgarlöfte itself with its focus areas, goals and promises; Beslutsunderlag; the proposal or decision; and
"Beslutet skickas till". They are gathered once, in a fixed number of queries, and written from plain data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lofte.lib.documents import WordDocument, bold, italic
from lofte.partnerships.models import Organisation, Partnership
from lofte.promises.lofte.queries import decision_of, tree
from lofte.promises.models import Agreement, Decision, Medborgarlofte, Promise, paragraph_text

TJANSTESKRIVELSE = "tjansteskrivelse"
PROTOKOLLSUTDRAG = "protokollsutdrag"
KINDS = (TJANSTESKRIVELSE, PROTOKOLLSUTDRAG)


@dataclass(frozen=True)
class PromiseLine:
    text: str
    responsible: tuple[str, ...]
    depth: int

    @property
    def responsible_line(self) -> str:
        return _("Ansvariga: %(names)s") % {"names": ", ".join(self.responsible)} if self.responsible else ""


@dataclass(frozen=True)
class AreaContent:
    name: str
    description: str
    goals: tuple[str, ...]
    promises: tuple[PromiseLine, ...]


@dataclass(frozen=True)
class Meeting:
    """The meeting a protokollsutdrag is an extract of."""

    body: str  # as a heading reads, e.g. "Kommunstyrelsens arbetsutskott"
    date: date
    paragraph: str  # "§ 59"
    decided: bool  # the deciding body's meeting, or the proposing body's


@dataclass(frozen=True)
class DecisionContent:
    kommun: str
    title: str
    period: str
    report_date: date | None
    report_author: str
    report_author_title: str
    case_number: str
    to_body: str  # the body that decides, which the tjänsteskrivelse is addressed to
    prepared_by: str  # the body that proposes, which prepares the matter for it
    meeting: Meeting | None
    who: tuple[str, ...]  # "Föreslaget av …", "Beslutat av …": only what is recorded
    background: tuple[str, ...]
    summary: tuple[str, ...]
    proposal: tuple[str, ...]
    crime_categories: tuple[str, ...]
    areas: tuple[AreaContent, ...]
    basis: tuple[str, ...]
    decision_lines: tuple[str, ...]
    distribution: tuple[str, ...]

    @property
    def heading(self) -> str:
        return _("Medborgarlöfte %(period)s") % {"period": self.period}

    @property
    def meeting_line(self) -> str:
        if self.meeting is None:
            return f"{self.kommun}, {_('sammanträde')} –"
        return f"{self.kommun}, {self.meeting.body} {self.meeting.date.isoformat()}"

    @property
    def paragraph_line(self) -> str:
        return _("%(paragraph)s Diarienummer: %(case)s") % {
            "paragraph": self.meeting.paragraph if self.meeting else "§ –",
            "case": self.case_number or "–",
        }

    @property
    def is_decided(self) -> bool:
        return bool(self.meeting and self.meeting.decided)


def body_label(body: str, name: str) -> str:
    """A body as a heading or a form reads: its own name, or the kind ("Kommunstyrelsen")."""
    return name.strip() or (str(Decision.Body(body).label) if body else "")


def extract_meeting(decision: Decision | None) -> Meeting | None:
    """The meeting a protokollsutdrag can be made of: the decision's, or else the proposal's; None if neither has
    its date and §."""
    if decision is None:
        return None
    if decision.is_decided and decision.meeting_date:
        label = body_label(decision.body, decision.body_name)
        return Meeting(label, decision.meeting_date, paragraph_text(decision.paragraph), decided=True)
    if decision.is_proposed and decision.proposed_on and decision.proposed_paragraph.strip():
        label = body_label(decision.proposed_by, decision.proposed_by_name)
        return Meeting(label, decision.proposed_on, paragraph_text(decision.proposed_paragraph), decided=False)
    return None


def _and(names: list[str]) -> str:
    if len(names) < 2:
        return "".join(names)
    return _("%(first)s och %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


def _paragraphs(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]


# Gathering


def gather(lofte: Medborgarlofte, partnership: Partnership) -> DecisionContent:
    """Everything both documents show; five queries whatever the number of focus areas and promises."""
    if lofte.agreement.partnership_id != partnership.pk:
        raise ValueError("The löfte belongs to another partnership")
    agreement = lofte.agreement
    decision = decision_of(lofte)
    organisations = list(partnership.organisations.order_by("kind", "name").only("name", "kind"))
    kommun = next((o.name for o in organisations if o.kind == Organisation.Kind.KOMMUN), "")
    kommun = kommun or _("%(name)s kommun") % {"name": partnership.area.name}
    body = body_label(decision.body, decision.body_name) if decision else ""
    return DecisionContent(
        kommun=kommun,
        title=lofte.title,
        period=lofte.period,
        report_date=decision.report_date if decision else None,
        report_author=decision.report_author if decision else "",
        report_author_title=decision.report_author_title if decision else "",
        case_number=decision.case_number if decision else "",
        to_body=body,
        prepared_by=body_label(decision.proposed_by, decision.proposed_by_name) if decision else "",
        meeting=extract_meeting(decision),
        who=tuple(decision.lines()) if decision else (),
        background=tuple(_background(agreement, _signing_parties(organisations))),
        summary=tuple(_summary(lofte, agreement)),
        proposal=tuple(_proposal(lofte, agreement)),
        crime_categories=tuple(str(c) for c in lofte.crime_categories),
        areas=tuple(_areas(lofte)),
        basis=tuple(decision.basis if decision and decision.basis else _default_basis(lofte, agreement, decision)),
        decision_lines=tuple(_decision_lines(lofte, decision, body)),
        distribution=tuple(decision.distribution if decision and decision.distribution else []),
    )


def _signing_parties(organisations: list[Organisation]) -> list[str]:
    """The lokalpolisområde and the kommun, who sign the agreement; every party if neither is registered."""
    order = (Organisation.Kind.LPO, Organisation.Kind.KOMMUN)
    signing = sorted((o for o in organisations if o.kind in order), key=lambda o: (order.index(o.kind), o.name))
    return [o.name for o in signing or organisations]


def _background(agreement: Agreement, parties: list[str]) -> list[str]:
    opening = _(
        "%(parties)s har under %(start)s–%(end)s en skriftlig samverkansöverenskommelse om det brottsförebyggande "
        "och trygghetsskapande arbetet: %(title)s."
    ) % {
        "parties": _and(parties) or _("Parterna"),
        "start": agreement.starts_on.year,
        "end": agreement.ends_on.year,
        "title": agreement.title,
    }
    texts = [opening, *_paragraphs(agreement.focus_problems), *_paragraphs(agreement.follow_up)]
    if agreement.followup_bodies and not agreement.follow_up.strip():
        texts.append(
            _("Arbetet följs upp tillsammans med %(bodies)s.") % {"bodies": _and(list(agreement.followup_bodies))}
        )
    return texts


def _summary(lofte: Medborgarlofte, agreement: Agreement) -> list[str]:
    count = agreement.followups_per_year
    schedule = ngettext(
        "Medborgarlöftet ska följas upp vid ett tillfälle per år.",
        "Medborgarlöftet ska följas upp vid %(count)s tillfällen per år.",
        count,
    ) % {"count": count}
    return [*_paragraphs(lofte.summary), *([schedule] if count else [])]


def _proposal(lofte: Medborgarlofte, agreement: Agreement) -> list[str]:
    texts = [_("Det föreligger nu medborgarlöfte avseende perioden %(period)s.") % {"period": lofte.period}]
    if agreement.overall_goal.strip():
        texts.append(_("Det övergripande målet för arbetet: %(goal)s") % {"goal": agreement.overall_goal.strip()})
    return texts


def _areas(lofte: Medborgarlofte) -> list[AreaContent]:
    focus_areas = list(lofte.focus_areas.all())
    goals = list(lofte.goals.order_by("position", "id").values_list("focus_area_id", "text"))
    promises = list(
        Promise.objects.filter(lofte=lofte).prefetch_related(
            Prefetch("responsible", queryset=Organisation.objects.order_by("name").only("name"))
        )
    )
    lines: dict[int | None, list[PromiseLine]] = {}
    section: int | None = None
    for row in tree(promises, {}):
        if row.depth == 0:
            section = row.promise.focus_area_id
        responsible = tuple(o.name for o in row.promise.responsible.all())
        lines.setdefault(section, []).append(PromiseLine(row.promise.text, responsible, row.depth))
    contents = [
        AreaContent(
            area.name,
            area.description,
            tuple(text for focus, text in goals if focus == area.pk),
            tuple(lines.get(area.pk, [])),
        )
        for area in focus_areas
    ]
    outside_goals = tuple(text for focus, text in goals if focus is None)
    if outside_goals or lines.get(None):
        contents.append(AreaContent(_("Övergripande"), "", outside_goals, tuple(lines.get(None, []))))
    return contents


def _default_basis(lofte: Medborgarlofte, agreement: Agreement, decision: Decision | None) -> list[str]:
    report = _("Tjänsteskrivelse")
    if decision and decision.report_date:
        report = f"{report} {decision.report_date.isoformat()}"
    return [f"{report}, {lofte.title}", agreement.title]


def _decision_lines(lofte: Medborgarlofte, decision: Decision | None, body: str) -> list[str]:
    if decision and decision.decision_text.strip():
        return [line.strip() for line in decision.decision_text.splitlines() if line.strip()]
    return [_("1. %(body)s antar %(title)s.") % {"body": body or _("Kommunstyrelsen"), "title": lofte.title}]


# DOCX


def render(kind: str, content: DecisionContent) -> bytes:
    if kind == TJANSTESKRIVELSE:
        document = WordDocument(_("Tjänsteskrivelse: %(title)s") % {"title": content.title})
        _tjansteskrivelse(document, content)
    elif kind == PROTOKOLLSUTDRAG:
        document = WordDocument(_("Protokollsutdrag: %(title)s") % {"title": content.title})
        _protokollsutdrag(document, content)
    else:
        raise ValueError(f"No such document: {kind}")
    return document.to_bytes()


def _tjansteskrivelse(document: WordDocument, content: DecisionContent) -> None:
    document.heading(_("Tjänsteskrivelse"), level=0)
    document.paragraph(content.kommun)
    author = ", ".join(part for part in (content.report_author, content.report_author_title) if part)
    for label, value in (
        (_("Datum"), content.report_date.isoformat() if content.report_date else "–"),
        (_("Diarienummer"), content.case_number or "–"),
        (_("Handläggare"), author or "–"),
        (_("Till"), content.to_body or "–"),
        *([(_("Bereds av"), content.prepared_by)] if content.prepared_by else []),
    ):
        document.paragraph(bold(f"{label} "), value)
    document.heading(content.title, level=1)
    _body(document, content)
    _lines(document, _("Förslag till beslut"), content.decision_lines)
    _lines(document, _("Beslutet skickas till"), content.distribution)
    if author:
        document.paragraph()
        document.paragraph(content.report_author)
        document.paragraph(content.report_author_title)


def _protokollsutdrag(document: WordDocument, content: DecisionContent) -> None:
    document.heading(_("Protokollsutdrag"), level=0)
    document.paragraph(content.meeting_line)
    document.paragraph(bold(content.paragraph_line))
    document.heading(content.title, level=1)
    _body(document, content)
    heading = _("Beslut") if content.is_decided else _("Förslag till beslut")
    _lines(document, heading, (*content.who, *content.decision_lines))
    document.paragraph("___")
    _lines(document, _("Beslutet skickas till"), content.distribution)


def _body(document: WordDocument, content: DecisionContent) -> None:
    """Bakgrund, Sammanfattning, Förslag, the medborgarlöfte and Beslutsunderlag: the same in both documents."""
    for heading, texts in (
        (_("Bakgrund"), content.background),
        (_("Sammanfattning"), content.summary),
        (_("Förslag"), content.proposal),
    ):
        document.heading(heading, level=2)
        for text in texts:
            document.paragraph(text)
    document.heading(content.heading, level=2)
    for area in content.areas:
        _area(document, area)
    if content.crime_categories:
        document.heading(_("Prioriterade brottskategorier"), level=3)
        for category in content.crime_categories:
            document.bullet(category)
    _lines(document, _("Beslutsunderlag"), content.basis)


def _area(document: WordDocument, area: AreaContent) -> None:
    document.heading(area.name, level=3)
    for text in _paragraphs(area.description):
        document.paragraph(text)
    for goal in area.goals:
        document.paragraph(bold(_("Mål: ")), goal)
    if area.promises:
        document.paragraph(_("För att uppnå detta lovar vi följande:"))
    for line in area.promises:
        aside = italic(f" ({line.responsible_line})") if line.responsible_line else ""
        document.bullet(line.text, aside, level=2 if line.depth else 1)


def _lines(document: WordDocument, heading: str, lines: tuple[str, ...]) -> None:
    document.heading(heading, level=2)
    if not lines:
        document.paragraph("–")
    for line in lines:
        document.paragraph(line)
