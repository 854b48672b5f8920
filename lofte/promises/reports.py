"""A follow-up round as a report, for the kommunstyrelse (members) and for the public; PDF and Word.

`load` reads a round's goals, their evaluations, the promises, their reports and the activities of the round's
period in six queries whatever their number; the round's page and both reports use it. `gather` turns it into
plain content, `render_pdf` lays that out with WeasyPrint (with a bar chart of the baseline against the period
for every statistical goal, as inline SVG) and `render_docx` writes the same content to Word.

The public version (`public=True`; `public_report_pdf` for the public page) is what citizens read: every verdict
with its numbers and what it means in plain words (`published.verdict_in_words`, as on the public page), the
summary, and each promise with its status, progress and what was done. It leaves out what is internal to the
partnership: the comments on goals and promises, the reason for an overridden verdict (it says only that the
partnership made the assessment), the evidence a qualitative goal needs, p-values, a source recorded only as
"Annan", attachments, and who entered anything. Löfte names no person in either version; activity texts are
screened for personal data when they are written.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from django.db.models import Prefetch
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from lofte.analysis.goals import COLOURS, MISSING
from lofte.lib import documents as toolkit
from lofte.lib.charts import bar_chart
from lofte.lib.documents import WordDocument, bold
from lofte.lib.formatting import number
from lofte.lib.uncertainty import interval_words
from lofte.partnerships.models import Organisation
from lofte.promises.models import Activity, FollowUpRound, Goal, GoalEvaluation, Promise, PromiseReport
from lofte.promises.progress import Part, overall, rolled_up
from lofte.promises.published import public_attribution, verdict_in_words

Verdict = GoalEvaluation.Verdict


# Reading


@dataclass
class Loaded:
    """A round with everything its page and its reports show."""

    round: FollowUpRound
    goals: list[Goal]
    evaluations: dict[int, GoalEvaluation]  # by goal id
    promises: list[tuple[Promise, int]]  # in reading order: parents before their parts, with the depth
    reports: dict[int, PromiseReport]  # by promise id
    activities: dict[int, list[Activity]]  # by promise id, in the round's period, oldest first
    progress: dict[int, int]  # rolled-up progress now, by promise id
    overall: int | None


def load(round_: FollowUpRound) -> Loaded:
    goals = list(
        Goal.objects.filter(lofte_id=round_.lofte_id).select_related("metric", "focus_area").order_by("position", "id")
    )
    evaluations = {e.goal_id: e for e in GoalEvaluation.objects.filter(round=round_).order_by()}
    parties = Prefetch("responsible", queryset=Organisation.objects.order_by("name"))
    promises = list(
        Promise.objects.filter(lofte_id=round_.lofte_id)
        .select_related("focus_area")
        .prefetch_related(parties)
        .order_by("position", "id")
    )
    reports = {r.promise_id: r for r in PromiseReport.objects.filter(round=round_).order_by()}
    activities: dict[int, list[Activity]] = defaultdict(list)
    done = Activity.objects.filter(
        promise__lofte_id=round_.lofte_id, date__gte=round_.period_start, date__lte=round_.period_end
    )
    for activity in done.select_related("organisation").order_by("date", "id"):
        activities[activity.promise_id].append(activity)
    parts = [Part(p.pk, p.parent_id, p.own_progress, p.weight) for p in promises]
    return Loaded(
        round=round_,
        goals=goals,
        evaluations=evaluations,
        promises=_reading_order(promises),
        reports=reports,
        activities=activities,
        progress=rolled_up(parts),
        overall=overall(parts),
    )


def _reading_order(promises: list[Promise]) -> list[tuple[Promise, int]]:
    """By focus area, then each promise followed by its parts, depth first."""
    known = {p.pk for p in promises}
    children: dict[int | None, list[Promise]] = defaultdict(list)
    for promise in promises:
        children[promise.parent_id if promise.parent_id in known else None].append(promise)
    ordered: list[tuple[Promise, int]] = []
    seen: set[int] = set()

    def walk(promise: Promise, depth: int) -> None:
        if promise.pk in seen:  # a cycle cannot be stored, but must not loop here if one were
            return
        seen.add(promise.pk)
        ordered.append((promise, depth))
        for child in children.get(promise.pk, []):
            walk(child, depth + 1)

    for root in sorted(children[None], key=_reading_key):
        walk(root, 0)
    return ordered


def _reading_key(promise: Promise) -> tuple[int, int, int, int, int]:
    """Promises without a focus area last."""
    area = promise.focus_area
    where = (1, 0, 0) if area is None else (0, area.position, area.pk)
    return (*where, promise.position, promise.pk)


# Formatting, shared with the round's page


def change_text(change_pct: float | None) -> str:
    if change_pct is None:
        return "–"
    sign = "+" if change_pct > 0 else "−" if change_pct < 0 else "±"
    return f"{sign}{number(abs(change_pct))} %"


def p_text(p_value: float | None) -> str:
    if p_value is None:
        return "–"
    return "< 0,001" if p_value < 0.001 else f"{p_value:.3f}".replace(".", ",")


def verdict_label(verdict: str) -> str:
    return str(Verdict(verdict).label)


# Content


@dataclass(frozen=True)
class GoalContent:
    number: int
    text: str
    focus_area: str
    measured: bool
    unit: str
    attribution: str
    period: str
    baseline_period: str
    value: float | None
    baseline_value: float | None
    change_pct: float | None
    p_value: float | None
    verdict: str  # "" until the round is evaluated
    computed: str
    overridden: bool
    override_reason: str
    explanation: str
    preliminary: bool
    comment: str
    public: bool = False
    data_pending: bool = False  # the goal was bound to its metric knowing its values would come later
    ci_low: float | None = None  # the 90 % interval of the change (of the value against the level, for a level)
    ci_high: float | None = None

    @property
    def heading(self) -> str:
        return f"{self.number}. {self.text}"

    @property
    def missing(self) -> bool:
        """A value is missing: a state, not a verdict."""
        return self.verdict in MISSING

    @property
    def data_pending_line(self) -> str:
        if not self.data_pending:
            return ""
        return _("Data kommer: när målet sattes fanns inte alla värden för måttet och området ännu.")

    @property
    def colour(self) -> str:
        """Green, light green, amber, red or grey; always shown with the label, never alone."""
        return COLOURS.get(self.verdict, "amber")

    @property
    def label(self) -> str:
        return verdict_label(self.verdict) if self.verdict else ""

    @property
    def computed_label(self) -> str:
        return verdict_label(self.computed) if self.computed else ""

    @property
    def baseline_text(self) -> str:
        return _("saknas") if self.baseline_value is None else number(self.baseline_value)

    @property
    def value_text(self) -> str:
        return _("saknas ännu") if self.value is None else number(self.value)

    @property
    def change_text(self) -> str:
        return change_text(self.change_pct)

    @property
    def p_text(self) -> str:
        return p_text(self.p_value)

    @property
    def interval_text(self) -> str:
        """The interval in words, "mellan −35 % och +12 %"; empty where nothing was tested."""
        return interval_words(self.ci_low, self.ci_high)

    @property
    def verdict_line(self) -> str:
        if not self.verdict:
            return _("Bedömning: inte beräknad ännu")
        if self.missing and not self.overridden:
            return _("Ingen bedömning: %(state)s") % {"state": self.label.lower()}
        line = _("Bedömning: %(verdict)s") % {"verdict": self.label.lower()}
        if self.overridden:
            line += " " + _("(bedömd av samverkan; beräknat: %(computed)s)") % {"computed": self.computed_label.lower()}
        return line

    @property
    def rows(self) -> list[tuple[str, str]]:
        """The numbers as label and text, for the table beside the chart."""
        if not self.measured or not self.verdict:
            return []
        rows = [
            (_("Basperiod %(period)s") % {"period": self.baseline_period}, self.baseline_text),
            (_("Perioden %(period)s") % {"period": self.period}, self.value_text),
            (_("Förändring"), self.change_text),
        ]
        if self.interval_text:
            rows.append((_("90 %-intervall"), self.interval_text))
        # Citizens read what the verdict means in words instead (GoalContent.explanation).
        return rows if self.public else [*rows, (_("p-värde"), self.p_text)]

    @cached_property
    def chart(self) -> str:
        if not self.rows or (self.value is None and self.baseline_value is None):
            return ""
        bars = [(self.baseline_period, self.baseline_value), (self.period, self.value)]
        description = _("%(base)s: %(base_value)s. %(period)s: %(value)s.") % {
            "base": self.baseline_period,
            "base_value": number(self.baseline_value),
            "period": self.period,
            "value": number(self.value),
        }
        svg = bar_chart(bars, title=self.text, unit=self.unit, description=description)
        return mark_safe(svg)  # noqa: S308 -- bar_chart escapes every text it writes


@dataclass(frozen=True)
class ActivityContent:
    date: date
    text: str
    reach: int | None
    organisation: str
    has_attachment: bool

    @property
    def line(self) -> str:
        details = [part for part in (self.organisation, self._reach()) if part]
        suffix = f" ({', '.join(details)})" if details else ""
        return f"{self.date.isoformat()} {self.text}{suffix}"

    def _reach(self) -> str:
        return "" if self.reach is None else _("%(count)s nådda") % {"count": number(self.reach)}


@dataclass(frozen=True)
class PromiseContent:
    text: str
    depth: int
    focus_area: str
    responsible: tuple[str, ...]
    status: str
    progress: int
    comment: str
    activities: tuple[ActivityContent, ...]

    @property
    def status_line(self) -> str:
        return _("%(status)s, %(progress)s %% klart") % {"status": self.status, "progress": self.progress}

    @property
    def responsible_line(self) -> str:
        return _("Ansvariga: %(names)s") % {"names": ", ".join(self.responsible)} if self.responsible else ""


@dataclass(frozen=True)
class RoundContent:
    public: bool
    partnership_name: str
    kommun_name: str
    lofte_title: str
    lofte_period: str
    label: str
    period_start: date
    period_end: date
    due_on: date
    status_label: str
    summary: str
    bodies: tuple[str, ...]
    evaluated: bool
    overall: int | None
    goals: tuple[GoalContent, ...]
    promises: tuple[PromiseContent, ...]

    @property
    def heading(self) -> str:
        return _("Uppföljning %(label)s: %(title)s") % {"label": self.label, "title": self.lofte_title}

    @property
    def period_line(self) -> str:
        return _("Perioden %(start)s–%(end)s. %(status)s.") % {
            "start": self.period_start.isoformat(),
            "end": self.period_end.isoformat(),
            "status": self.status_label,
        }

    @property
    def version_line(self) -> str:
        if self.public:
            return _("Version för allmänheten.")
        return _("Version för samverkans parter och kommunstyrelsen; innehåller interna kommentarer.")

    @property
    def bodies_line(self) -> str:
        return _("Redovisas för: %(bodies)s.") % {"bodies": ", ".join(self.bodies)} if self.bodies else ""

    @property
    def overall_line(self) -> str:
        if self.overall is None:
            return ""
        return _("Löftena är sammantaget %(progress)s %% genomförda.") % {"progress": self.overall}


def gather(loaded: Loaded, *, public: bool = False) -> RoundContent:
    round_ = loaded.round
    lofte = round_.lofte
    partnership = lofte.agreement.partnership
    goals = tuple(
        _goal(number, goal, loaded.evaluations.get(goal.pk), public) for number, goal in enumerate(loaded.goals, 1)
    )
    promises = tuple(_promise(promise, depth, loaded, public) for promise, depth in loaded.promises)
    return RoundContent(
        public=public,
        partnership_name=partnership.name,
        kommun_name=partnership.area.name,
        lofte_title=lofte.title,
        lofte_period=lofte.period,
        label=round_.label,
        period_start=round_.period_start,
        period_end=round_.period_end,
        due_on=round_.due_on,
        status_label=str(round_.get_status_display()),
        summary=round_.summary.strip(),
        bodies=tuple(str(body) for body in lofte.agreement.followup_bodies or []),
        evaluated=round_.evaluated_at is not None,
        overall=loaded.overall,
        goals=goals,
        promises=promises,
    )


def _goal(number: int, goal: Goal, evaluation: GoalEvaluation | None, public: bool) -> GoalContent:
    metric = goal.metric
    if public:
        attribution = public_attribution(metric)
        explanation = verdict_in_words(goal, evaluation) if evaluation else ""
    else:
        attribution = metric.attribution if metric else ""
        explanation = evaluation.explanation if evaluation else ""
    return GoalContent(
        number=number,
        text=goal.text,
        focus_area=goal.focus_area.name if goal.focus_area else "",
        measured=goal.kind != Goal.Kind.KVALITATIV and metric is not None,
        unit=str(metric.get_unit_display()) if metric else "",
        attribution=attribution,
        period=evaluation.period if evaluation else "",
        baseline_period=evaluation.baseline_period if evaluation else "",
        value=evaluation.value if evaluation else None,
        baseline_value=evaluation.baseline_value if evaluation else None,
        change_pct=evaluation.change_pct if evaluation else None,
        p_value=evaluation.p_value if evaluation else None,
        ci_low=evaluation.ci_low if evaluation else None,
        ci_high=evaluation.ci_high if evaluation else None,
        verdict=evaluation.verdict if evaluation else "",
        computed=evaluation.computed if evaluation else "",
        overridden=bool(evaluation and evaluation.override),
        override_reason="" if public or evaluation is None else evaluation.override_reason,
        explanation=explanation,
        preliminary=bool(evaluation and evaluation.preliminary),
        comment="" if public or evaluation is None else evaluation.comment,
        public=public,
        data_pending=goal.data_pending,
    )


def _promise(promise: Promise, depth: int, loaded: Loaded, public: bool) -> PromiseContent:
    report = loaded.reports.get(promise.pk)
    status = report.status if report else promise.status
    return PromiseContent(
        text=promise.text,
        depth=depth,
        focus_area=promise.focus_area.name if promise.focus_area else "",
        responsible=tuple(o.name for o in promise.responsible.all()),
        status=str(Promise.Status(status).label),
        progress=report.progress if report else loaded.progress[promise.pk],
        comment="" if public or report is None else report.comment,
        activities=tuple(_activity(a, public) for a in loaded.activities.get(promise.pk, [])),
    )


def _activity(activity: Activity, public: bool) -> ActivityContent:
    return ActivityContent(
        date=activity.date,
        text=activity.text,
        reach=activity.reach,
        organisation=activity.organisation.name if activity.organisation else "",
        has_attachment=bool(activity.attachment) and not public,
    )


# PDF

PDF_TEMPLATE = "promises/followup_report_pdf.html"


def render_pdf(content: RoundContent) -> bytes:
    """An A4 tagged PDF (PDF/UA); nothing is fetched, the charts are inline SVG."""
    return toolkit.render_pdf(PDF_TEMPLATE, {"content": content})


def render_pdf_html(content: RoundContent) -> str:
    """The HTML WeasyPrint lays out, for the PDF only: never served to a browser."""
    return toolkit.print_html(PDF_TEMPLATE, {"content": content})


def public_report_pdf(round_: FollowUpRound) -> bytes:
    """The public version as PDF, for the public page; the caller checks that the round is published."""
    return render_pdf(gather(load(round_), public=True))


# DOCX


def render_docx(content: RoundContent) -> bytes:
    """A Word document with the same content, for the kommun to put in its own template."""
    document = WordDocument(content.heading)
    document.heading(content.heading, level=0)
    for line in (content.partnership_name, content.period_line, content.bodies_line, content.version_line):
        if line:
            document.paragraph(line)
    document.heading(_("Sammanfattning"), level=1)
    document.paragraph(content.summary or _("Ingen sammanfattning är skriven."))
    _docx_goals(document, content)
    _docx_promises(document, content)
    return document.to_bytes()


def _docx_goals(document: WordDocument, content: RoundContent) -> None:
    document.heading(_("Mål"), level=1)
    if not content.evaluated:
        document.paragraph(_("Målen är inte beräknade ännu."))
    if not content.goals:
        document.paragraph(_("Medborgarlöftet har inga mål."))
    for goal in content.goals:
        document.heading(goal.heading, level=2)
        document.paragraph(bold(goal.verdict_line))
        if goal.data_pending_line:
            document.paragraph(goal.data_pending_line)
        document.chart(goal.chart)
        document.table(goal.rows)
        if goal.explanation:
            document.paragraph(goal.explanation)
        if goal.attribution and goal.rows:
            document.paragraph(goal.attribution)
        if goal.override_reason:
            document.paragraph(_("Skäl för ändrad bedömning: %(reason)s") % {"reason": goal.override_reason})
        if goal.comment:
            document.paragraph(_("Kommentar: %(comment)s") % {"comment": goal.comment})


def _docx_promises(document: WordDocument, content: RoundContent) -> None:
    document.heading(_("Löften"), level=1)
    if content.overall_line:
        document.paragraph(content.overall_line)
    if not content.promises:
        document.paragraph(_("Medborgarlöftet har inga löften."))
    area = None
    for promise in content.promises:
        if promise.depth == 0 and promise.focus_area != area:
            area = promise.focus_area
            document.heading(area or _("Övriga löften"), level=2)
        document.heading(promise.text, level=3 if promise.depth == 0 else 4)
        document.paragraph(bold(promise.status_line))
        if promise.responsible_line:
            document.paragraph(promise.responsible_line)
        if promise.comment:
            document.paragraph(_("Kommentar: %(comment)s") % {"comment": promise.comment})
        if not promise.activities:
            document.paragraph(_("Inga aktiviteter under perioden."))
        for activity in promise.activities:
            document.bullet(activity.line + (f" [{_('bilaga i Löfte')}]" if activity.has_attachment else ""))
