"""Creating a goal shows the smallest change its follow-up could call statistically clear, and warns when the target
is smaller: Mullsjö's bostadsinbrott (22 in 2024) against its total (569), from Brå's real yearly figures."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse

from lofte.analysis.power import detectable_change
from lofte.analysis.variation import estimate
from lofte.partnerships.access import get_partnership_for_user
from lofte.promises.agreement import actions as agreement_actions
from lofte.promises.lofte import actions, queries
from lofte.promises.models import Goal, Medborgarlofte
from lofte.statistics.models import Metric, Observation
from tests.axe import problems as structure_problems
from tests.cases import PromiseCase

BURGLARY = "anmalda.bostadsinbrott"
TOTAL = "anmalda.totalt"
WARNING = "Målet kan inte visas vara nått med statistisk säkerhet"


class GoalLimitTest(PromiseCase):
    def mullsjo(self) -> Medborgarlofte:
        access = get_partnership_for_user(self.samordnare_b, "mullsjo")
        agreement = agreement_actions.do_create_agreement(
            access,
            title="Samverkansöverenskommelse Mullsjö 2025–2027",
            starts_on=date(2025, 1, 1),
            ends_on=date(2027, 12, 31),
            overall_goal="Att minska brottsligheten i kommunen.",
            actor=self.samordnare_b,
        )
        return actions.do_create_lofte(
            access, agreement, title="Medborgarlöfte 2025–2026", year_from=2025, year_to=2026, actor=self.samordnare_b
        )

    def goal(self, metric: str = BURGLARY, percent: str = "10", **fields: Any) -> dict[str, str]:
        return {
            "text": "Färre inbrott i bostäder.",
            "kind": "statistik",
            "metric": metric,
            "area": "0642",
            "direction": "lower",
            "baseline_period": "2024",
            "target": "percent",
            "target_value": percent,
            "due_period": "2026",
            **fields,
        }

    def url(self, name: str, *args: Any) -> str:
        return reverse(f"loften:{name}", args=["mullsjo", *args])

    def test_it_warns_that_a_10_percent_fall_in_mullsjos_burglaries_cannot_be_shown(self) -> None:
        lofte = self.mullsjo()
        client = self.client_for(self.samordnare_b)
        page = client.post(self.url("add_goal", lofte.pk), {**self.goal(), "preview": "1"})
        self.assertEqual(page.status_code, 200)
        self.assertFalse(Goal.objects.exists())  # a preview saves nothing
        # With burglaries' own variation (φ ≈ 6 over 2015–2024) not even a fall to none is clear.
        self.assertContains(page, "Med basvärdet 22 (2024) kan ingen minskning kallas statistiskt säkerställd")
        self.assertContains(page, "först vid ungefär +250\u00a0%")
        self.assertContains(page, "varierar 6 gånger mer än slumpen ensam ger, som det har gjort de 10 åren")
        self.assertContains(page, WARNING)
        self.assertContains(page, "det begär −10\u00a0%")
        self.assertEqual(structure_problems(page.content.decode()), [])
        # 70 % is no better for so small a count.
        page = client.post(self.url("add_goal", lofte.pk), {**self.goal(percent="70"), "preview": "1"})
        self.assertContains(page, WARNING)

    def test_it_does_not_warn_for_a_70_percent_fall_in_mullsjos_total(self) -> None:
        lofte = self.mullsjo()
        client = self.client_for(self.samordnare_b)
        page = client.post(self.url("add_goal", lofte.pk), {**self.goal(TOTAL, "70"), "preview": "1"})
        self.assertContains(page, "Med basvärdet 569 (2024) kan en förändring kallas statistiskt säkerställd först")
        self.assertContains(page, "ungefär −20\u00a0% eller +23\u00a0%")
        self.assertNotContains(page, WARNING)
        page = client.post(self.url("add_goal", lofte.pk), {**self.goal(TOTAL, "10"), "preview": "1"})
        self.assertContains(page, WARNING)
        # "Lower than 2024" is reached as written by any fall; the sentence says how large a clear one must be.
        page = client.post(self.url("add_goal", lofte.pk), {**self.goal(TOTAL, "", target="baseline"), "preview": "1"})
        self.assertContains(page, "ungefär −20\u00a0% eller +23\u00a0%")
        self.assertNotContains(page, WARNING)
        # For 22 burglaries no fall at all can be called clear, so a "lower than 2024" goal is warned.
        page = client.post(self.url("add_goal", lofte.pk), {**self.goal(percent="", target="baseline"), "preview": "1"})
        self.assertContains(page, "ingen minskning från basvärdet kan kallas statistiskt säkerställd")

    def test_saving_a_goal_below_the_limit_warns_and_saves(self) -> None:
        lofte = self.mullsjo()
        client = self.client_for(self.samordnare_b)
        saved = client.post(self.url("add_goal", lofte.pk), self.goal(), follow=True)
        goal = Goal.objects.get()
        self.assertRedirects(saved, self.url("detail", lofte.pk) + f"#goal-{goal.pk}")
        self.assertContains(saved, "Målet är sparat.")
        self.assertContains(saved, WARNING)
        edit = client.get(self.url("update_goal", lofte.pk, goal.pk))
        self.assertContains(edit, "Med basvärdet 22 (2024)")
        self.assertContains(edit, WARNING)
        client.post(self.url("update_goal", lofte.pk, goal.pk), self.goal(TOTAL, "70"))
        self.assertNotContains(client.get(self.url("update_goal", lofte.pk, goal.pk)), WARNING)

    def test_the_page_shows_no_limit_for_a_goal_that_is_not_on_a_count(self) -> None:
        lofte = self.mullsjo()
        client = self.client_for(self.samordnare_b)
        qualitative = {"text": "Fler trygghetsvandringar.", "kind": "kvalitativ", "evidence": "Protokoll."}
        page = client.post(self.url("add_goal", lofte.pk), {**self.goal(), **qualitative, "preview": "1"})
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, "Med basvärdet")
        self.assertNotContains(client.get(self.url("add_goal", lofte.pk)), "Med basvärdet")

    def test_the_limit_is_read_in_one_query_and_agrees_with_the_analysis(self) -> None:
        lofte = self.mullsjo()
        goal = Goal(lofte=lofte, kind="statistik", baseline_period="2024", target="percent", target_value=10)
        goal.metric = Metric.objects.get(code=BURGLARY)
        goal.area = self.kommun_b
        with self.assertNumQueries(1):
            limit = queries.goal_limit(goal)
        assert limit is not None
        rows = Observation.objects.filter(
            series__metric__code=BURGLARY, series__area=self.kommun_b, period_start__year__range=(2015, 2024)
        ).order_by("period_start")
        dispersion = estimate(
            [row.value for row in rows], [(row.value or 0) * 100_000 / (row.per_100k or 1) for row in rows]
        )
        self.assertEqual(limit.detectable, detectable_change(22, dispersion=dispersion))
        self.assertEqual(limit.detectable.dispersion.periods, 10)
