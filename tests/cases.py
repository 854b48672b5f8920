"""The TestCase classes several test modules share, from the ground up: a partnership with Brå's statistics
(LagesbildCase), with an adopted lägesbild and helpers for the agreement and the medborgarlöfte (PromiseCase),
a decided medborgarlöfte with goals and promises to follow up (FollowUpCase), and EST's reference categories
with reports filed on a fixed day (EstCase); and the mixin that gives a test its own media directory."""

from __future__ import annotations

import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import time_machine
from django.apps import apps
from django.db import models
from django.db.models.functions import Cast
from django.test import override_settings
from django.urls import NoReverseMatch, get_resolver, reverse

from lofte.accounts.models import User
from lofte.analysis.est import STOCKHOLM, Week
from lofte.est.intake import IncidentInput, report_incidents
from lofte.est.models import Incident
from lofte.est.queries import categories_of, settings_of
from lofte.est.status import change_status
from lofte.lib.actors import SystemActor
from lofte.partnerships.access import PartnershipAccess, get_partnership_for_user
from lofte.partnerships.models import Partnership
from lofte.promises.agreement import actions as agreement_actions
from lofte.promises.followup.actions import do_evaluate_round, do_plan_rounds
from lofte.promises.lofte import actions
from lofte.promises.models import (
    Agreement,
    Decision,
    FocusArea,
    FollowUpRound,
    Goal,
    GoalEvaluation,
    Medborgarlofte,
    Promise,
)
from lofte.situation.lagesbild.actions import (
    do_add_problem,
    do_add_source,
    do_adopt_lagesbild,
    do_create_lagesbild,
    do_link_series,
)
from lofte.situation.models import Lagesbild, Problem, Source
from lofte.statistics.actions import do_import
from lofte.statistics.models import Metric
from tests.base import BaseTestCase
from tests.factories import QUARTERLY, YEARLY, actions_lagesbild

S = Incident.Status
BURGLARY = "anmalda.bostadsinbrott"
FRAUD = "Polisen och kommunen kommer att erbjuda riskgrupper fysiska träffar om bedrägerier."
WARN = "Polisen och kommunen kommer att varna medborgarna när vi får kännedom om aktuella bedrägerier."
INFORM = "Kommunen och Bostadsbolaget i Mjölby AB kommer att förmedla information om hur man minskar risken."
BURGLARY_GOAL = "Färre anmälda bostadsinbrott än 2023"
TOTAL_GOAL = "Färre anmälda brott totalt än 2023"
QUALITATIVE_GOAL = "Fler hushåll med i grannsamverkan"
WEEK = Week(2026, 10)  # 2 to 8 March 2026
STARTED = date(2025, 1, 1)
CENTRE = (58.3255, 15.1273)
SCATTERED = [(58.3400, 15.1000), (58.3100, 15.1600), (58.3000, 15.0900), (58.3500, 15.1700)]


def at(week: Week, day: int = 2, hour: int = 12) -> datetime:
    """A moment in the week: day 0 is Monday, in Swedish time."""
    return datetime.combine(week.monday + timedelta(days=day), datetime.min.time(), tzinfo=STOCKHOLM).replace(hour=hour)


# The namespaces of a feature whose pages span sub-packages (lofte/urls.py), for tests that name pages by name only.
EST = ("est", "est_reporting", "est_review", "est_weekly", "est_meetings")
LOFTEN = ("loften", "agreement")
FOLLOWUP = ("followup", "action_plan")
INVANARE = ("warnings", "advice", "grannsamverkan")


def route(name: str, namespaces: tuple[str, ...]) -> str:
    """The full URL name of `name` in whichever of `namespaces` defines it."""
    resolver = get_resolver()
    for namespace in namespaces:
        if name in resolver.namespace_dict[namespace][1].reverse_dict:
            return f"{namespace}:{name}"
    raise NoReverseMatch(f"{name} is in none of {namespaces}")


def url(name: str, **kwargs: Any) -> str:
    return reverse(route(name, FOLLOWUP), kwargs={"slug": "mjolby", **kwargs})


def stored_text_columns(needle: str) -> list[str]:
    """Every text, char and JSON column of every model that holds `needle` somewhere."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            rows = model._base_manager.all()
            if isinstance(field, models.JSONField):
                rows = rows.annotate(as_text=Cast(field.name, models.TextField())).filter(as_text__contains=needle)
            elif isinstance(field, (models.CharField, models.TextField, models.FileField)):
                rows = rows.filter(**{f"{field.name}__contains": needle})
            else:
                continue
            if rows.exists():
                found.append(f"{model._meta.label}.{field.name}")
    return found


class TemporaryMedia:
    """Uploaded files go to a directory of the test's own, removed after it."""

    media: Path

    def setUp(self) -> None:
        super().setUp()  # type: ignore[misc]
        media = tempfile.TemporaryDirectory()
        self.addCleanup(media.cleanup)  # type: ignore[attr-defined]
        self.media = Path(media.name)
        settings = override_settings(MEDIA_ROOT=self.media)
        settings.enable()
        self.addCleanup(settings.disable)  # type: ignore[attr-defined]


class LagesbildCase(BaseTestCase):
    """A partnership with Brå's yearly statistics, and helpers for drafting and adopting a lägesbild."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        do_import(YEARLY.read_bytes(), YEARLY.name, actor=SystemActor("test"))

    def access(self, user: User, partnership: Partnership | None = None) -> PartnershipAccess:
        return get_partnership_for_user(user, (partnership or self.partnership_a).slug)

    def draft(self, copy_from: Lagesbild | None = None) -> Lagesbild:
        return do_create_lagesbild(
            self.access(self.samordnare),
            title="Lägesbild Mjölby 2026",
            year_from=2021,
            year_to=2025,
            actor=self.samordnare,
            copy_from=copy_from,
        )

    def complete(self, lagesbild: Lagesbild) -> Problem:
        access = self.access(self.samordnare)
        do_add_source(
            access, lagesbild, kind=Source.Kind.STATISTIK, title="Anmälda brott 2021–2025", actor=self.samordnare
        )
        problem = do_add_problem(
            access,
            lagesbild,
            title="Bostadsinbrott i villaområden",
            place="Villaområdena i södra Mjölby",
            time="Vardagar dagtid, mest under hösten",
            affected="Boende i villaområden",
            consequences="Otrygghet i bostadsområdet och ekonomisk skada.",
            cause_place="Skymd insyn och få vuxna hemma dagtid.",
            event_types=["Inbrott"],
            actor=self.samordnare,
        )
        do_link_series(access, problem, BURGLARY, "0586", actor=self.samordnare)
        return problem

    def adopted(self) -> Lagesbild:
        lagesbild = self.draft()
        self.complete(lagesbild)
        return do_adopt_lagesbild(
            self.access(self.samordnare),
            lagesbild,
            decision="Kommunstyrelsen 2026-03-12 § 45",
            decided_on=date(2026, 3, 12),
            actor=self.samordnare,
        )


class PromiseCase(LagesbildCase):
    """A partnership with Brå's statistics and an adopted lägesbild; helpers build the rest with the actions."""

    lagesbild: Lagesbild

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        access = get_partnership_for_user(cls.samordnare, "mjolby")
        lagesbild = actions_lagesbild(cls, access)
        cls.lagesbild = lagesbild

    def access(self, user: User | None = None, partnership: Any = None) -> PartnershipAccess:  # type: ignore[override]
        return get_partnership_for_user(user or self.samordnare, (partnership or self.partnership_a).slug)

    def agreement(self, **fields: Any) -> Agreement:
        values: dict[str, Any] = {
            "title": "Samverkansöverenskommelse Mjölby 2023–2026",
            "starts_on": date(2023, 5, 30),
            "ends_on": date(2026, 12, 31),
            "overall_goal": "Att öka tryggheten och minska brottsligheten i kommunen.",
            "follow_up": "Polisen och kommunen träffar Beredning stärkt livskraft två gånger per år.",
            "followup_bodies": ["Beredning stärkt livskraft", "Kommunstyrelsen"],
            **fields,
        }
        return agreement_actions.do_create_agreement(self.access(), actor=self.samordnare, **values)

    def lofte(self, agreement: Agreement | None = None, **fields: Any) -> Medborgarlofte:
        values: dict[str, Any] = {
            "title": "Medborgarlöfte 2024–2025",
            "year_from": 2024,
            "year_to": 2025,
            "lagesbild": self.lagesbild,
            "summary": "Narkotika, bedrägerier och trafiken skapar otrygghet.",
            **fields,
        }
        return actions.do_create_lofte(self.access(), agreement or self.agreement(), actor=self.samordnare, **values)

    def filled(self, lofte: Medborgarlofte | None = None) -> tuple[Medborgarlofte, FocusArea, Promise]:
        """A löfte with a focus area, a goal, a promise and a case number: ready to be proposed."""
        lofte = lofte or self.lofte()
        access = self.access()
        area = actions.do_add_focus_area(access, lofte, name="Bedrägeri", actor=self.samordnare)
        actions.do_add_goal(
            access,
            lofte,
            text="Antalet bedrägerier ska vara färre än 2023.",
            focus_area=area,
            kind=Goal.Kind.STATISTIK,
            metric_code="anmalda.totalt",
            area_code="0586",
            baseline_period="2023",
            due_period="2025",
            actor=self.samordnare,
        )
        promise = actions.do_add_promise(
            access,
            lofte,
            text=FRAUD,
            focus_area=area,
            responsible=[self.kommun_org_a, self.lpo_a],
            actor=self.samordnare,
        )
        actions.do_save_decision(access, lofte, case_number="KS/2024:126", actor=self.samordnare)
        return lofte, area, promise

    def decided(self) -> tuple[Medborgarlofte, FocusArea, Promise]:
        lofte, area, promise = self.filled()
        access = self.access()
        actions.do_propose(access, lofte, actor=self.samordnare)
        actions.do_save_decision(
            access,
            lofte,
            body=Decision.Body.KOMMUNSTYRELSE,
            meeting_date=date(2024, 4, 15),
            paragraph="§ 59",
            actor=self.samordnare,
        )
        actions.do_decide(access, lofte, actor=self.samordnare)
        return lofte, area, promise


class FollowUpCase(BaseTestCase):
    """Mjölby's medborgarlöfte 2024–2025 with two statistical goals, a qualitative one and three promises."""

    lofte: Medborgarlofte

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        for fixture in (YEARLY, QUARTERLY):
            do_import(fixture.read_bytes(), fixture.name, actor=SystemActor("test"))
        cls.agreement = Agreement.objects.create(
            partnership=cls.partnership_a,
            title="Samverkansöverenskommelse Mjölby 2023–2026",
            starts_on=date(2023, 1, 1),
            ends_on=date(2026, 12, 31),
            followups_per_year=2,
            followup_bodies=["Beredning stärkt livskraft", "Kommunstyrelsen"],
        )
        cls.lofte = Medborgarlofte.objects.create(
            agreement=cls.agreement,
            title="Medborgarlöfte Mjölby 2024–2025",
            year_from=2024,
            year_to=2025,
            status=Medborgarlofte.Status.BESLUTAD,
        )
        cls.focus = FocusArea.objects.create(lofte=cls.lofte, position=0, name="Inbrott i bostäder")
        cls.burglary_goal = cls.goal(BURGLARY_GOAL, "anmalda.bostadsinbrott", position=0)
        cls.total_goal = cls.goal(TOTAL_GOAL, "anmalda.totalt", position=1)
        cls.qualitative_goal = Goal.objects.create(
            lofte=cls.lofte,
            position=2,
            text=QUALITATIVE_GOAL,
            kind=Goal.Kind.KVALITATIV,
            evidence="Antal hushåll i grannsamverkan enligt Samverkan mot brott.",
        )
        cls.watch = cls.promise("Grannsamverkan i villaområdena", [cls.kommun_org_a, cls.lpo_a], position=0)
        cls.patrol = cls.promise("Polisen patrullerar i centrum på helgkvällar", [cls.lpo_a], position=1)
        cls.lighting = cls.promise("Bättre belysning i trapphus och källare", [cls.housing_a], position=2)

    @classmethod
    def goal(cls, text: str, metric: str, *, position: int) -> Goal:
        return Goal.objects.create(
            lofte=cls.lofte,
            focus_area=cls.focus,
            position=position,
            text=text,
            kind=Goal.Kind.STATISTIK,
            metric=Metric.objects.get(code=metric),
            area=cls.kommun_a,
            baseline_period="2023",
            due_period="2025",
        )

    @classmethod
    def promise(cls, text: str, responsible: list[Any], *, position: int) -> Promise:
        promise = Promise.objects.create(lofte=cls.lofte, focus_area=cls.focus, position=position, text=text)
        promise.responsible.set(responsible)
        return promise

    def access(self, user: User | None = None) -> PartnershipAccess:
        return get_partnership_for_user(user or self.samordnare, "mjolby")

    def planned(self) -> dict[str, FollowUpRound]:
        do_plan_rounds(self.access(), self.lofte, actor=self.samordnare)
        rounds = FollowUpRound.objects.filter(lofte=self.lofte).select_related("lofte__agreement")
        return {r.label: r for r in rounds}

    def evaluated(self, label: str = "2025 H2") -> FollowUpRound:
        round_ = self.planned()[label]
        do_evaluate_round(self.access(), round_, actor=self.samordnare)
        return round_

    def evaluation(self, round_: FollowUpRound, goal: Goal) -> GoalEvaluation:
        return GoalEvaluation.objects.select_related("round__lofte__agreement").get(round=round_, goal=goal)


# The reports lie in March 2026; the clock stands in May, when week 10 is over and its actions overdue.
TODAY = datetime(2026, 5, 20, 12, 0, tzinfo=STOCKHOLM)


@time_machine.travel(TODAY, tick=False)
class EstCase(BaseTestCase):
    """Mjölby's reference categories, and a way to file reviewed reports at a given time, on a fixed day."""

    categories: dict[str, Any]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.categories = {c.code: c for c in categories_of(cls.partnership_a)}
        # Mjölby's EST has run since 2025, so every week and period these tests compare has data.
        settings = settings_of(cls.partnership_a)
        settings.started_on = STARTED
        settings.save(update_fields=["started_on"])

    def report(
        self,
        when: datetime,
        code: str = "skadegorelse.klotter",
        *,
        n: int = 1,
        point: tuple[float, float] | None = CENTRE,
        status: str = S.GRANSKAD,
        **extra: Any,
    ) -> list[Incident]:
        lat, lng = point if point else (None, None)
        place = "" if point else "Stationsparken"
        items = [IncidentInput(self.categories[code], when, lat, lng, place_name=place, **extra) for _ in range(n)]
        incidents = report_incidents(
            self.partnership_a,
            items,
            reporter=self.reporter,
            organisation=self.housing_a,
            actor=self.reporter,
            source=Incident.Source.WEB,
            now=when + timedelta(hours=1),
        )
        later = when + timedelta(hours=2)
        for incident in incidents:
            if status == S.AVVISAD:
                change_status(incident, S.AVVISAD, actor=self.samordnare, access=None, note="Inte EST", when=later)
            elif status != S.MOTTAGEN:
                change_status(incident, S.GRANSKAD, actor=self.samordnare, access=None, when=later)
        return incidents

    def week_url(self, week: Week = WEEK, name: str = "week", *args: Any) -> str:
        return reverse(route(name, EST), args=["mjolby", week.year, week.week, *args])
