"""The lägesbild as a document for the kommunstyrelse: gathered once, written as DOCX or PDF.

An adopted lägesbild is a decision on record, so its export reads the `Figure` rows frozen at adoption and
never the live observations: Brå revises its numbers after publication, and a later import must not change
what the kommunstyrelse decided on. A draft has no decision yet and shows the live yearly values.

Restricted sources (police intelligence) are gathered through `visible_sources`, so they never reach a
document made for someone who may not see them.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import reduce
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from lofte.areas.models import Area
from lofte.lib import documents as toolkit
from lofte.lib.charts import ChartSeries, line_chart
from lofte.lib.documents import WordDocument, bold
from lofte.lib.formatting import number
from lofte.partnerships.access import PartnershipAccess
from lofte.situation.lagesbild.evidence import ProblemEvents, TypeCount, problem_events
from lofte.situation.models import (
    ChecklistItem,
    Dialogue,
    Figure,
    Lagesbild,
    Problem,
    ProblemSeries,
    Source,
    visible_sources,
)
from lofte.statistics.models import Metric, Observation

POINT_FIELDS = ("period", "value", "per_100k", "preliminary")
LAW_HEADING = "Lag (2023:196) om kommuners ansvar för brottsförebyggande arbete"
LAW_TEXT = gettext_noop(
    "Lagen kräver att kommunen tar fram en lägesbild som beskriver brottsligheten i kommunen: dess omfattning, "
    "konsekvenser och orsaker. Checklistan visar vad den här lägesbilden täcker."
)
TABLE_HEADER = (gettext_noop("År"), gettext_noop("Värde"), gettext_noop("Per 100 000"))
PRELIMINARY_NOTE = gettext_noop("* Preliminär uppgift.")
EVENTS_HEADER = (gettext_noop("Händelsetyp"), gettext_noop("Antal"))
DIALOGUES_HEADING = gettext_noop("Underlag: dialoger")
PointKey = tuple[int | None, int, int]  # problem (None for live values), metric, area


@dataclass(frozen=True)
class PointContent:
    year: int
    value: float | None
    per_100k: float | None
    preliminary: bool

    @property
    def year_text(self) -> str:
        return f"{self.year}*" if self.preliminary else str(self.year)

    @property
    def value_text(self) -> str:
        return number(self.value)

    @property
    def per_100k_text(self) -> str:
        return number(self.per_100k)


@dataclass(frozen=True)
class SeriesContent:
    metric_name: str
    unit: str
    area_name: str
    attribution: str
    points: tuple[PointContent, ...]

    @property
    def heading(self) -> str:
        return f"{self.metric_name}, {self.area_name} ({self.unit})"

    @property
    def has_preliminary(self) -> bool:
        return any(point.preliminary for point in self.points)


@dataclass(frozen=True)
class SourceContent:
    kind_label: str
    title: str
    description: str
    reference: str
    restricted: bool


@dataclass(frozen=True)
class DialogueContent:
    """What a document says about a cited dialogue: never its place, summary or statements, which are free text."""

    kind_label: str
    date: date
    participants: int
    themes: tuple[str, ...]

    @property
    def line(self) -> str:
        participants = ngettext("%(count)s deltagare", "%(count)s deltagare", self.participants) % {
            "count": self.participants
        }
        parts = [f"{self.kind_label} {self.date.isoformat()}", participants]
        if self.themes:
            parts.append(_("teman: %(themes)s") % {"themes": ", ".join(self.themes)})
        return ", ".join(parts)


@dataclass(frozen=True)
class EventsContent:
    """The problem's event types counted among Polisen's events in the kommun; frozen at adoption."""

    area_name: str
    period_start: date
    period_end: date
    frozen: bool
    counts: tuple[TypeCount, ...]

    @property
    def heading(self) -> str:
        return _("Polisens händelser i %(kommun)s %(start)s–%(end)s") % {
            "kommun": self.area_name,
            "start": self.period_start.isoformat(),
            "end": self.period_end.isoformat(),
        }

    @property
    def rows(self) -> list[tuple[str, str]]:
        return [(counted.type, number(counted.count)) for counted in self.counts]

    @property
    def note(self) -> str:
        when = _("Antalen när lägesbilden fastställdes.") if self.frozen else _("Antalen som de ser ut nu.")
        source = _("Källa: Polisen")
        return f"{when} {source}"


@dataclass(frozen=True)
class ProblemContent:
    number: int
    title: str
    description: str
    place: str
    time: str
    affected: str
    consequences: str
    cause_offender: str
    cause_victim: str
    cause_place: str
    priority: int | None
    priority_rationale: str
    event_types: tuple[str, ...]
    dialogue_notes: str
    series: tuple[SeriesContent, ...]
    dialogues: tuple[DialogueContent, ...]
    events: EventsContent | None

    @property
    def heading(self) -> str:
        if self.priority is None:
            return f"{self.number}. {self.title}"
        return _("%(number)s. %(title)s (prioritet %(priority)s)") % {
            "number": self.number,
            "title": self.title,
            "priority": self.priority,
        }

    @property
    def fields(self) -> list[tuple[str, str]]:
        """The SARA fields in reading order, under their labels; empty ones are left out."""
        priority = " ".join(part for part in (_priority(self.priority), self.priority_rationale) if part)
        fields = [
            (_("Beskrivning"), self.description),
            (_("Plats"), self.place),
            (_("Tid"), self.time),
            (_("Drabbade"), self.affected),
            (_("Konsekvenser"), self.consequences),
            (_("Orsaker: gärningsperson"), self.cause_offender),
            (_("Orsaker: offer eller mål"), self.cause_victim),
            (_("Orsaker: plats"), self.cause_place),
            (_("Prioritet och motivering"), priority),
            (_("Händelsetyper hos Polisen"), ", ".join(self.event_types)),
            (_("Från dialoger"), self.dialogue_notes),
        ]
        return [(label, text.strip()) for label, text in fields if text.strip()]


@dataclass(frozen=True)
class LagesbildContent:
    partnership_name: str
    kommun_name: str
    title: str
    version: int
    status_label: str
    is_adopted: bool
    year_from: int
    year_to: int
    adopted_on: date | None
    decision: str
    summary: str
    checklist: tuple[ChecklistItem, ...]
    sources: tuple[SourceContent, ...]
    problems: tuple[ProblemContent, ...]

    @property
    def heading(self) -> str:
        return _("Lägesbild för %(kommun)s %(start)s–%(end)s") % {
            "kommun": self.kommun_name,
            "start": self.year_from,
            "end": self.year_to,
        }

    @property
    def version_line(self) -> str:
        return _("%(title)s. Version %(version)s, %(status)s.") % {
            "title": self.title,
            "version": self.version,
            "status": self.status_label.lower(),
        }

    @property
    def decision_line(self) -> str:
        if not self.is_adopted or self.adopted_on is None:
            return _("Utkast")
        adopted = _("Fastställd %(date)s") % {"date": self.adopted_on.isoformat()}
        return f"{adopted}, {self.decision}" if self.decision else adopted


def _priority(priority: int | None) -> str:
    return "" if priority is None else _("Prioritet %(priority)s.") % {"priority": priority}


# Gathering


def gather(lagesbild: Lagesbild, access: PartnershipAccess) -> LagesbildContent:
    """Everything the document shows, in a fixed number of queries whatever the number of problems and series."""
    if lagesbild.partnership_id != access.partnership.pk:
        raise ValueError("The lägesbild belongs to another partnership")
    problems = list(_problems(lagesbild))
    points = _frozen_points(lagesbild) if lagesbild.is_adopted else _live_points(lagesbild, problems)
    kommun = access.partnership.area
    events = {
        pk: _events(kommun.name, counted) for pk, counted in problem_events(lagesbild, problems, kommun.pk).items()
    }
    adopted_on = lagesbild.adopted_on  # the decision's date
    return LagesbildContent(
        partnership_name=access.partnership.name,
        kommun_name=access.partnership.area.name,
        title=lagesbild.title,
        version=lagesbild.version,
        status_label=str(lagesbild.get_status_display()),
        is_adopted=lagesbild.is_adopted,
        year_from=lagesbild.year_from,
        year_to=lagesbild.year_to,
        adopted_on=adopted_on,
        decision=lagesbild.decision,
        summary=lagesbild.summary,
        checklist=tuple(lagesbild.checklist()),
        sources=tuple(_source(source) for source in visible_sources(lagesbild, access).order_by("id")),
        problems=tuple(
            _problem(i, problem, points, lagesbild.is_adopted, events.get(problem.pk))
            for i, problem in enumerate(problems, 1)
        ),
    )


def _problems(lagesbild: Lagesbild) -> QuerySet[Problem]:
    links = ProblemSeries.objects.select_related("metric", "area").defer("area__geometry").order_by("id")
    problems = Problem.objects.filter(lagesbild=lagesbild).order_by("position", "id")
    dialogues = Dialogue.objects.order_by("-date", "-id").only("kind", "date", "themes", "women", "men", "other_gender")
    return problems.prefetch_related(Prefetch("series", queryset=links), Prefetch("dialogues", queryset=dialogues))


def _frozen_points(lagesbild: Lagesbild) -> dict[PointKey, list[PointContent]]:
    figures = Figure.objects.filter(lagesbild=lagesbild, period_kind="year").order_by("period_start")
    points: dict[PointKey, list[PointContent]] = defaultdict(list)
    for problem, metric, area, *row in figures.values_list("problem_id", "metric_id", "area_id", *POINT_FIELDS):
        points[(problem, metric, area)].append(_point(*row))
    return points


def _live_points(lagesbild: Lagesbild, problems: list[Problem]) -> dict[PointKey, list[PointContent]]:
    """The yearly values of the linked series as they stand now, shared by every problem that links one."""
    pairs = {(link.metric_id, link.area_id) for problem in problems for link in problem.series.all()}
    if not pairs:
        return {}
    wanted = reduce(operator.or_, (Q(series__metric_id=metric, series__area_id=area) for metric, area in pairs))
    observations = Observation.objects.filter(
        wanted,
        period_kind="year",
        period_start__gte=date(lagesbild.year_from, 1, 1),
        period_start__lte=date(lagesbild.year_to, 12, 31),
    ).order_by("period_start")
    points: dict[PointKey, list[PointContent]] = defaultdict(list)
    for metric, area, *row in observations.values_list("series__metric_id", "series__area_id", *POINT_FIELDS):
        points[(None, metric, area)].append(_point(*row))
    return points


def _point(period: str, value: float | None, per_100k: float | None, preliminary: bool) -> PointContent:
    return PointContent(year=int(period), value=value, per_100k=per_100k, preliminary=preliminary)


def _source(source: Source) -> SourceContent:
    return SourceContent(
        kind_label=str(source.get_kind_display()),
        title=source.title,
        description=source.description,
        reference=source.reference,
        restricted=source.restricted,
    )


def _problem(
    number: int,
    problem: Problem,
    points: dict[PointKey, list[PointContent]],
    frozen: bool,
    events: EventsContent | None,
) -> ProblemContent:
    series = tuple(
        _series(link.metric, link.area, points.get((problem.pk if frozen else None, link.metric_id, link.area_id), []))
        for link in problem.series.all()
    )
    return ProblemContent(
        number=number,
        title=problem.title,
        description=problem.description,
        place=problem.place,
        time=problem.time,
        affected=problem.affected,
        consequences=problem.consequences,
        cause_offender=problem.cause_offender,
        cause_victim=problem.cause_victim,
        cause_place=problem.cause_place,
        priority=problem.priority,
        priority_rationale=problem.priority_rationale,
        event_types=tuple(str(kind) for kind in problem.event_types),
        dialogue_notes=problem.dialogue_notes,
        series=series,
        dialogues=tuple(_dialogue(dialogue) for dialogue in problem.dialogues.all()),
        events=events,
    )


def _dialogue(dialogue: Dialogue) -> DialogueContent:
    return DialogueContent(
        kind_label=str(dialogue.get_kind_display()),
        date=dialogue.date,
        participants=dialogue.participants,
        themes=tuple(str(theme) for theme in dialogue.themes),
    )


def _events(area_name: str, counted: ProblemEvents) -> EventsContent:
    return EventsContent(
        area_name=area_name,
        period_start=counted.period_start,
        period_end=counted.period_end,
        frozen=counted.frozen,
        counts=counted.counts,
    )


def _series(metric: Metric, area: Area, points: list[PointContent]) -> SeriesContent:
    return SeriesContent(
        metric_name=metric.name,
        unit=str(metric.get_unit_display()),
        area_name=area.name,
        attribution=metric.attribution,
        points=tuple(points),
    )


# DOCX


def render_docx(content: LagesbildContent) -> bytes:
    """A Word document the kommun can edit into its own template before the kommunstyrelse meets, with the same
    charts as the PDF (as pictures with alternative text)."""
    document = WordDocument(content.heading)
    _docx_title(document, content)
    _docx_law(document, content.checklist)
    _docx_sources(document, content.sources)
    _docx_problems(document, content.problems)
    return document.to_bytes()


def _docx_title(document: WordDocument, content: LagesbildContent) -> None:
    document.heading(content.heading, level=0)
    document.paragraph(content.partnership_name)
    document.paragraph(content.version_line)
    document.paragraph(content.decision_line)
    if content.summary.strip():
        document.heading(_("Sammanfattning"), level=1)
        document.paragraph(content.summary.strip())


def _docx_law(document: WordDocument, checklist: tuple[ChecklistItem, ...]) -> None:
    document.heading(LAW_HEADING, level=1)
    document.paragraph(_(LAW_TEXT))
    for item in checklist:
        document.bullet(checklist_line(item))


def _docx_sources(document: WordDocument, sources: tuple[SourceContent, ...]) -> None:
    document.heading(_("Källor"), level=1)
    if not sources:
        document.paragraph(_("Inga källor."))
    for source in sources:
        document.paragraph(bold(f"{source.kind_label}: "), source_title(source))
        for text in (source.description, source.reference):
            if text.strip():
                document.paragraph(text.strip())


def _docx_problems(document: WordDocument, problems: tuple[ProblemContent, ...]) -> None:
    document.heading(_("Problem"), level=1)
    if not problems:
        document.paragraph(_("Inga problem."))
    for problem in problems:
        document.heading(problem.heading, level=2)
        for label, text in problem.fields:
            document.paragraph(bold(label))
            document.paragraph(text)
        for series in problem.series:
            _docx_series(document, series)
        if problem.events is not None:
            _docx_events(document, problem.events)
        if problem.dialogues:
            _docx_dialogues(document, problem.dialogues)


def _docx_series(document: WordDocument, series: SeriesContent) -> None:
    document.heading(series.heading, level=3)
    if not series.points:
        document.paragraph(_("Inga värden för perioden."))
    else:
        document.chart(_chart(series))
        document.table([_row(point) for point in series.points], header=[_(text) for text in TABLE_HEADER])
    if series.has_preliminary:
        document.paragraph(_(PRELIMINARY_NOTE))
    document.paragraph(series.attribution)


def _docx_events(document: WordDocument, events: EventsContent) -> None:
    document.heading(events.heading, level=3)
    document.table(events.rows, header=[_(text) for text in EVENTS_HEADER])
    document.paragraph(events.note)


def _docx_dialogues(document: WordDocument, dialogues: tuple[DialogueContent, ...]) -> None:
    document.heading(_(DIALOGUES_HEADING), level=3)
    for dialogue in dialogues:
        document.bullet(dialogue.line)


def _row(point: PointContent) -> tuple[str, str, str]:
    return point.year_text, point.value_text, point.per_100k_text


def checklist_line(item: ChecklistItem) -> str:
    return f"{item.label}: {_('klar') if item.done else _('saknas')}"


def source_title(source: SourceContent) -> str:
    return f"{source.title} ({_('begränsad uppgift')})" if source.restricted else source.title


# PDF

PDF_TEMPLATE = "situation/document_pdf.html"


def render_pdf(content: LagesbildContent) -> bytes:
    """An A4 tagged PDF (PDF/UA) with a chart beside each table; nothing is fetched, the charts are inline SVG."""
    return toolkit.render_pdf(PDF_TEMPLATE, _pdf_context(content))


def render_pdf_html(content: LagesbildContent) -> str:
    """The HTML that WeasyPrint lays out, for the PDF only: never served to a browser."""
    return toolkit.print_html(PDF_TEMPLATE, _pdf_context(content))


def _pdf_context(content: LagesbildContent) -> dict[str, Any]:
    problems = [(problem, [(series, _chart(series)) for series in problem.series]) for problem in content.problems]
    return {
        "content": content,
        "problems": problems,
        "law_heading": LAW_HEADING,
        "law_text": _(LAW_TEXT),
        "checklist": [(item, checklist_line(item)) for item in content.checklist],
        "sources": [(source, source_title(source)) for source in content.sources],
        "table_header": [_(text) for text in TABLE_HEADER],
        "events_header": [_(text) for text in EVENTS_HEADER],
        "dialogues_heading": _(DIALOGUES_HEADING),
        "preliminary_note": _(PRELIMINARY_NOTE),
    }


def _chart(series: SeriesContent) -> str:
    """The series' chart, the same in the PDF and in Word; none for a series without values."""
    if not series.points:
        return ""
    points = [(str(point.year), point.value, point.preliminary) for point in series.points]
    svg = line_chart([ChartSeries(series.area_name, points)], title=series.heading, unit=series.unit)
    return mark_safe(svg)  # noqa: S308 -- line_chart escapes every text it writes
