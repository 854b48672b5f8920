"""The lägesbild document pages under /samverkan/<slug>/lagesbild/: reading, drafting, screening, adopting."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import time_machine
from django.urls import reverse

from lofte.accounts.models import User
from lofte.audit.models import AuditEvent
from lofte.lib.actors import SystemActor
from lofte.lib.pii import describe, find_personal_data
from lofte.partnerships.access import PartnershipAccess, get_partnership_for_user
from lofte.situation.lagesbild.actions import (
    LagesbildRefused,
    do_add_problem,
    do_add_source,
    do_adopt_lagesbild,
    do_create_lagesbild,
    do_link_dialogue,
    do_link_series,
)
from lofte.situation.models import Dialogue, Lagesbild, Problem, ProblemSeries, Source
from lofte.statistics.actions import do_import
from tests.axe import problems as structure_problems
from tests.base import BaseTestCase
from tests.factories import ADOPTION_DAY, EVENTS, late_event, make_dialogue

YEARLY = (
    Path(__file__).resolve().parent.parent
    / "lofte/statistics/sources/bra_csv/fixtures/bra_anmalda_brott_arsvis_motala_mjolby_mullsjo.csv"
)
BURGLARY = "anmalda.bostadsinbrott"
DECISION = "Kommunstyrelsen 2026-03-12 § 45"
REMINDER = "Skriv inte namn på enskilda personer."
NOT_ADOPTED = "Lag 2023:196 kräver en aktuell lägesbild"
PROBLEM = {
    "title": "Bostadsinbrott i villaområden",
    "description": "Inbrott i villor medan de boende är på arbetet.",
    "place": "Villaområdena i södra Mjölby",
    "time": "Vardagar dagtid, mest under hösten",
    "affected": "Boende i villaområden",
    "consequences": "Otrygghet i bostadsområdet och ekonomisk skada.",
    "cause_offender": "Resande grupper som söker lätta mål.",
    "cause_victim": "Olåsta altandörrar.",
    "cause_place": "Skymd insyn och få vuxna hemma dagtid.",
    "priority": "1",
    "priority_rationale": "Flest anmälningar och störst oro i trygghetsundersökningen.",
    "event_types": "Inbrott, Stöld",
    "dialogue_notes": "Boende efterfrågar grannsamverkan.",
}


def url(name: str, *args: Any) -> str:
    return reverse(f"lagesbild:{name}", args=["mjolby", *args])


class LagesbildPagesCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        do_import(YEARLY.read_bytes(), YEARLY.name, actor=SystemActor("test"))

    def access(self, user: User | None = None) -> PartnershipAccess:
        return get_partnership_for_user(user or self.samordnare, "mjolby")

    def draft(self, problems: int = 1) -> Lagesbild:
        access = self.access()
        lagesbild = do_create_lagesbild(
            access, title="Lägesbild Mjölby 2026", year_from=2021, year_to=2025, actor=self.samordnare
        )
        do_add_source(access, lagesbild, kind=Source.Kind.STATISTIK, title="Anmälda brott", actor=self.samordnare)
        for number in range(problems):
            self.add_problem(lagesbild, f"Problem {number}")
        return lagesbild

    def add_problem(self, lagesbild: Lagesbild, title: str) -> None:
        access = self.access()
        fields = {k: v for k, v in PROBLEM.items() if k not in {"title", "priority", "event_types"}}
        problem = do_add_problem(
            access, lagesbild, title=title, event_types=["Inbrott"], priority=1, actor=self.samordnare, **fields
        )
        do_link_series(access, problem, BURGLARY, "0586", actor=self.samordnare)

    def adopt(self, lagesbild: Lagesbild) -> Lagesbild:
        return do_adopt_lagesbild(
            self.access(), lagesbild, decision=DECISION, decided_on=date(2026, 3, 12), actor=self.samordnare
        )

    def dialogue(self, **fields: Any) -> Dialogue:
        return make_dialogue(self.access(), self.samordnare, **fields)

    def post_routes(self, lagesbild: Lagesbild) -> list[tuple[str, dict[str, Any]]]:
        problem = lagesbild.problems.get()
        link = ProblemSeries.objects.get(problem=problem)
        source = lagesbild.sources.get()
        version = lagesbild.version
        cited, uncited = self.dialogue(), self.dialogue()
        do_link_dialogue(self.access(), problem, cited, actor=self.samordnare)
        return [
            (url("link_dialogue", version, problem.pk), {"dialogue": uncited.pk}),
            (url("unlink_dialogue", version, problem.pk, cited.pk), {}),
            (url("create"), {"title": "Ny", "year_from": 2022, "year_to": 2025}),
            (url("update", version), {"title": "Ändrad", "year_from": 2021, "year_to": 2025}),
            (url("add_source", version), {"kind": "statistik", "title": "Ny källa"}),
            (url("remove_source", version, source.pk), {}),
            (url("add_problem", version), {"title": "Nytt problem"}),
            (url("update_problem", version, problem.pk), {"title": "Ändrat problem"}),
            (url("remove_problem", version, problem.pk), {}),
            (url("link_series", version, problem.pk), {"metric": BURGLARY, "area": "0642"}),
            (url("unlink_series", version, problem.pk, link.pk), {}),
            (url("adopt", version), {"decision": DECISION, "decided_on": "2026-03-12"}),
        ]


class LagesbildPagesTest(LagesbildPagesCase):
    def test_it_lets_the_samordnare_draft_and_adopt_a_lagesbild(self) -> None:
        client = self.client_for(self.samordnare)
        response = client.post(url("create"), {"title": "Lägesbild Mjölby 2026", "year_from": 2021, "year_to": 2025})
        self.assertRedirects(response, url("detail", 1))
        source = {"kind": "statistik", "title": "Anmälda brott 2021–2025", "description": "Brå", "reference": ""}
        self.assertRedirects(client.post(url("add_source", 1), source), url("detail", 1))
        self.assertRedirects(client.post(url("add_problem", 1), PROBLEM), url("detail", 1))
        problem = Problem.objects.get(lagesbild__version=1)
        self.assertEqual(problem.event_types, ["Inbrott", "Stöld"])
        self.assertEqual(problem.priority, 1)
        for name, value in PROBLEM.items():
            if name not in {"priority", "event_types"}:
                self.assertEqual(getattr(problem, name), value, name)
        series = {"metric": BURGLARY, "area": "0586"}
        self.assertRedirects(client.post(url("link_series", 1, problem.pk), series), url("detail", 1))
        response = client.post(url("adopt", 1), {"decision": DECISION, "decided_on": "2026-03-12"}, follow=True)
        self.assertContains(response, "Lägesbilden är fastställd.")

        lagesbild = Lagesbild.objects.get(partnership=self.partnership_a, version=1)
        self.assertTrue(lagesbild.is_adopted)
        self.assertContains(response, f"Fastställd 2026-03-12, {DECISION}")
        self.assertContains(response, '<td class="num">75</td>', html=True)
        self.assertContains(response, "Olåsta altandörrar.")
        self.assertContains(response, "Anmälda brott 2021–2025")
        self.assertNotContains(response, 'method="post" action="/samverkan/mjolby/lagesbild/1/')
        self.assertNotContains(response, REMINDER)

    def test_fastställd_is_the_day_of_the_decision_not_of_the_click(self) -> None:
        lagesbild = self.draft()
        client = self.client_for(self.samordnare)
        with time_machine.travel("2026-03-20 09:00 +01:00", tick=False):
            future = client.post(url("adopt", 1), {"decision": DECISION, "decided_on": "2026-03-21"})
            self.assertContains(future, "Beslutsdatumet kan inte ligga i framtiden.", status_code=400)
            with self.assertRaisesMessage(LagesbildRefused, "Beslutsdatumet 2026-03-21 ligger i framtiden"):
                do_adopt_lagesbild(
                    self.access(), lagesbild, decision=DECISION, decided_on=date(2026, 3, 21), actor=self.samordnare
                )
            client.post(url("adopt", 1), {"decision": DECISION, "decided_on": "2026-03-12"})
        lagesbild.refresh_from_db()
        self.assertEqual((lagesbild.decided_on, lagesbild.adopted_on), (date(2026, 3, 12), date(2026, 3, 12)))
        self.assertEqual(f"{lagesbild.adopted_at:%Y-%m-%d}", "2026-03-20")
        page = client.get(url("detail", 1))
        self.assertContains(page, f"Fastställd 2026-03-12, {DECISION}")
        self.assertContains(page, '<time datetime="2026-03-12">2026-03-12</time>', html=True)
        self.assertNotContains(page, "Fastställd 2026-03-20")
        listing = client.get(url("index"))
        self.assertContains(listing, '<time datetime="2026-03-12">2026-03-12</time>', html=True)
        self.assertEqual(AuditEvent.objects.get(action="lagesbild.adopt").changes["decided_on"], "2026-03-12")

    def test_it_shows_a_draft_with_its_forms_and_a_link_to_the_area_dashboard(self) -> None:
        lagesbild = self.draft()
        response = self.client_for(self.samordnare).get(url("detail", lagesbild.version))
        self.assertContains(response, 'href="/lagesbild/0586/"')
        self.assertContains(response, "Utkast")
        self.assertContains(response, REMINDER)
        self.assertContains(response, f'action="{url("adopt", 1)}"')
        self.assertContains(response, "Klart:", count=4)
        self.assertEqual(structure_problems(response.content.decode()), [])

    def test_it_names_the_missing_points_before_adoption(self) -> None:
        client = self.client_for(self.samordnare)
        client.post(url("create"), {"title": "Lägesbild", "year_from": 2021, "year_to": 2025})
        response = client.get(url("detail", 1))
        self.assertContains(response, "Saknas:", count=5)  # four points and the adoption warning
        response = client.post(url("adopt", 1), {"decision": DECISION, "decided_on": "2026-03-12"}, follow=True)
        self.assertContains(response, "kan inte fastställas förrän checklistan är klar")
        self.assertContains(response, "message-error")
        self.assertFalse(Lagesbild.objects.get().is_adopted)

    def test_it_lets_the_viewer_read_but_not_change(self) -> None:
        lagesbild = self.draft()
        client = self.client_for(self.viewer)
        self.assertContains(client.get(url("index")), "Lägesbild Mjölby 2026")
        response = client.get(url("detail", lagesbild.version))
        self.assertContains(response, "Problem 0")
        self.assertNotContains(response, 'method="post" action="/samverkan/')
        self.assertNotContains(client.get(url("index")), "Skapa version")
        for route, data in self.post_routes(lagesbild):
            with self.subTest(route=route):
                self.assertEqual(client.post(route, data).status_code, 403)
        self.assertEqual(Lagesbild.objects.count(), 1)
        self.assertEqual(Problem.objects.get().title, "Problem 0")
        self.assertFalse(Lagesbild.objects.get().is_adopted)
        self.assertEqual(Problem.objects.get().dialogues.count(), 1)

    def test_it_refuses_the_reporter_every_change(self) -> None:
        lagesbild = self.draft()
        client = self.client_for(self.reporter)
        for route, data in self.post_routes(lagesbild):
            with self.subTest(route=route):
                self.assertEqual(client.post(route, data).status_code, 403)
        self.assertEqual(Source.objects.count(), 1)

    def test_it_hides_the_lagesbild_from_another_kommun(self) -> None:
        lagesbild = self.draft()
        client = self.client_for(self.samordnare_b)
        self.assertEqual(client.get(url("index")).status_code, 404)
        self.assertEqual(client.get(url("detail", 1)).status_code, 404)
        for route, data in self.post_routes(lagesbild):
            with self.subTest(route=route):
                self.assertEqual(client.post(route, data).status_code, 404)
        self.assertEqual(Problem.objects.count(), 1)

    def test_it_refuses_personal_data_in_a_problem(self) -> None:
        lagesbild = self.draft(problems=0)
        client = self.client_for(self.samordnare)
        for field, text in [
            ("description", "Gärningspersonen har personnummer 19121212-1212."),
            ("place", "Ring grannen på 070-123 45 67"),
            ("cause_offender", "Mejla per@example.org"),
        ]:
            with self.subTest(field=field):
                response = client.post(url("add_problem", lagesbild.version), {**PROBLEM, field: text})
                self.assertEqual(response.status_code, 400)
                self.assertContains(response, describe(find_personal_data(text)), status_code=400)
        self.assertFalse(Problem.objects.exists())

    def test_it_refuses_personal_data_when_a_problem_or_source_is_changed(self) -> None:
        lagesbild = self.draft()
        problem = lagesbild.problems.get()
        client = self.client_for(self.samordnare)
        data = {**PROBLEM, "affected": "Familjen, 070-123 45 67"}
        response = client.post(url("update_problem", 1, problem.pk), data)
        self.assertContains(response, "Texten innehåller ett telefonnummer.", status_code=400)
        problem.refresh_from_db()
        self.assertEqual(problem.title, "Problem 0")
        source = {"kind": "medborgardialog", "title": "Dialog", "description": "Kontakt: 19121212-1212"}
        response = client.post(url("add_source", 1), source)
        self.assertContains(response, "Texten innehåller ett personnummer.", status_code=400)
        summary = {"title": "Lägesbild", "summary": "Ring 070-123 45 67", "year_from": 2021, "year_to": 2025}
        self.assertEqual(client.post(url("update", 1), summary).status_code, 400)
        self.assertEqual(Source.objects.count(), 1)
        self.assertEqual(Lagesbild.objects.get().summary, "")

    def test_it_offers_intelligence_only_to_the_police(self) -> None:
        lagesbild = self.draft()
        option = '<option value="underrattelse">'
        self.assertNotContains(self.client_for(self.samordnare).get(url("detail", 1)), option)
        police = self.client_for(self.polis)
        self.assertContains(police.get(url("detail", 1)), option)
        intelligence = {"kind": "underrattelse", "title": "Underrättelse om inbrottsvågen"}
        response = self.client_for(self.samordnare).post(url("add_source", 1), intelligence)
        self.assertEqual(response.status_code, 400)
        self.assertRedirects(police.post(url("add_source", 1), intelligence), url("detail", 1))
        source = lagesbild.sources.get(kind="underrattelse")
        self.assertTrue(source.restricted)
        self.assertContains(police.get(url("detail", 1)), "Underrättelse om inbrottsvågen")
        self.assertNotContains(self.client_for(self.samordnare).get(url("detail", 1)), "inbrottsvågen")
        self.assertNotContains(self.client_for(self.viewer).get(url("detail", 1)), "inbrottsvågen")
        # To those who may not see it, a restricted source does not exist.
        self.assertEqual(self.client_for(self.samordnare).post(url("remove_source", 1, source.pk)).status_code, 404)
        self.assertTrue(Source.objects.filter(pk=source.pk).exists())

    def test_it_edits_removes_and_unlinks(self) -> None:
        lagesbild = self.draft()
        problem = lagesbild.problems.get()
        link = ProblemSeries.objects.get(problem=problem)
        client = self.client_for(self.polis)
        self.assertRedirects(client.post(url("update_problem", 1, problem.pk), PROBLEM), url("detail", 1))
        problem.refresh_from_db()
        self.assertEqual((problem.title, problem.event_types), (PROBLEM["title"], ["Inbrott", "Stöld"]))
        self.assertRedirects(client.post(url("unlink_series", 1, problem.pk, link.pk)), url("detail", 1))
        self.assertFalse(ProblemSeries.objects.exists())
        data = {"title": "Lägesbild 2026", "summary": "Kort.", "year_from": 2022, "year_to": 2025}
        self.assertRedirects(client.post(url("update", 1), data), url("detail", 1))
        self.assertEqual(Lagesbild.objects.get().year_from, 2022)
        self.assertRedirects(client.post(url("remove_source", 1, lagesbild.sources.get().pk)), url("detail", 1))
        self.assertRedirects(client.post(url("remove_problem", 1, problem.pk)), url("detail", 1))
        self.assertFalse(Problem.objects.exists())
        self.assertFalse(Source.objects.exists())

    def test_it_shows_an_unknown_metric_or_area_as_an_error(self) -> None:
        lagesbild = self.draft()
        problem = lagesbild.problems.get()
        client = self.client_for(self.samordnare)
        response = client.post(url("link_series", 1, problem.pk), {"metric": BURGLARY, "area": "9999"}, follow=True)
        self.assertContains(response, "Det finns inget område med koden 9999.")
        response = client.post(url("link_series", 1, problem.pk), {"metric": "finns.inte", "area": "0586"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(ProblemSeries.objects.count(), 1)

    def test_it_looks_problems_up_only_within_the_lagesbild(self) -> None:
        first = self.draft()
        second = do_create_lagesbild(self.access(), title="Nästa", year_from=2022, year_to=2025, actor=self.polis)
        problem = first.problems.get()
        link = ProblemSeries.objects.get(problem=problem)
        client = self.client_for(self.samordnare)
        v = second.version
        self.assertEqual(client.post(url("update_problem", v, problem.pk), PROBLEM).status_code, 404)
        self.assertEqual(client.post(url("remove_problem", v, problem.pk)).status_code, 404)
        self.assertEqual(client.post(url("link_series", v, problem.pk), {"metric": BURGLARY}).status_code, 404)
        self.assertEqual(client.post(url("unlink_series", v, problem.pk, link.pk)).status_code, 404)
        self.assertEqual(client.post(url("remove_source", v, first.sources.get().pk)).status_code, 404)
        self.assertEqual(client.get(url("detail", 3)).status_code, 404)
        self.assertTrue(Problem.objects.filter(pk=problem.pk).exists())

    def test_it_refuses_changes_to_an_adopted_lagesbild(self) -> None:
        lagesbild = self.adopt(self.draft())
        client = self.client_for(self.samordnare)
        response = client.post(url("add_problem", 1), PROBLEM, follow=True)
        self.assertContains(response, "En fastställd lägesbild kan inte ändras; skapa en ny version.")
        self.assertEqual(lagesbild.problems.count(), 1)

    def test_it_rerenders_an_invalid_form_with_its_errors(self) -> None:
        client = self.client_for(self.samordnare)
        response = client.post(url("create"), {"title": "Lägesbild", "year_from": 2025, "year_to": 2021})
        self.assertContains(response, "Perioden måste sluta samma år eller senare än den börjar.", status_code=400)
        self.assertFalse(Lagesbild.objects.exists())
        self.draft()
        response = client.post(url("add_problem", 1), {"title": ""})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "<details open>", status_code=400)
        self.assertEqual(client.post(url("adopt", 1), {"decision": ""}).status_code, 400)

    def test_it_creates_a_version_from_an_earlier_one(self) -> None:
        self.adopt(self.draft())
        client = self.client_for(self.samordnare)
        self.assertContains(client.get(url("index")), '<option value="1">Version 1</option>', html=True)
        data = {"title": "Lägesbild 2028", "year_from": 2023, "year_to": 2027, "copy_from": 1}
        self.assertRedirects(client.post(url("create"), data), url("detail", 2))
        copy = Lagesbild.objects.get(version=2)
        self.assertEqual((copy.problems.count(), copy.sources.count(), copy.figures.count()), (1, 1, 0))
        self.assertEqual(client.post(url("create"), {**data, "copy_from": 7}).status_code, 400)

    def test_it_lists_versions_and_warns_when_none_is_adopted(self) -> None:
        self.draft()
        response = self.client_for(self.viewer).get(url("index"))
        self.assertContains(response, "Lägesbild Mjölby 2026")
        self.assertContains(response, "Utkast")
        self.assertContains(response, NOT_ADOPTED)
        self.assertContains(response, "message-warning")
        self.assertEqual(structure_problems(response.content.decode()), [])
        self.assertEqual(structure_problems(self.client_for(self.samordnare).get(url("index")).content.decode()), [])

    def test_it_warns_when_the_adopted_lagesbild_is_more_than_two_years_old(self) -> None:
        with time_machine.travel("2026-03-12 10:00 +01:00", tick=False):
            self.adopt(self.draft())
        with time_machine.travel("2027-06-01 10:00 +02:00", tick=False):
            response = self.client_for(self.viewer).get(url("index"))
            self.assertContains(response, DECISION)
            self.assertContains(response, "2026-03-12")
            self.assertNotContains(response, "message-warning")
        with time_machine.travel("2029-01-01"):
            response = self.client_for(self.viewer).get(url("index"))
            self.assertContains(response, "är mer än två år gammal")
            self.assertContains(response, NOT_ADOPTED)

    def test_it_lists_and_shows_in_a_fixed_number_of_queries(self) -> None:
        lagesbild = self.draft(problems=1)
        client = self.client_for(self.samordnare)
        client.get(url("index"))
        dialogues = [self.dialogue(), self.dialogue(kind="trygghetsvandring")]
        for problems in (1, 3):
            if problems == 3:
                self.add_problem(lagesbild, "Fler 1")
                self.add_problem(lagesbild, "Fler 2")
            for problem in lagesbild.problems.all():
                for dialogue in dialogues:
                    do_link_dialogue(self.access(), problem, dialogue, actor=self.samordnare)
            with self.subTest(problems=problems):
                self.assertEqual(lagesbild.problems.count(), problems)
                with self.assertNumQueries(6):
                    client.get(url("index"))
                # With the forms of a draft, the metrics and dialogues to link, the cited dialogues, the events.
                with self.assertNumQueries(15):
                    self.assertContains(client.get(url("detail", 1)), "Problem 0")
        self.adopt(lagesbild)
        with self.assertNumQueries(14):  # without the forms, with the frozen figures and event counts
            self.assertContains(client.get(url("detail", 1)), '<td class="num">75</td>', count=3, html=True)


class ProblemEvidencePagesTest(LagesbildPagesCase):
    """Citing dialogues and counting Polisen's events for a problem, on the version's page."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        do_import(EVENTS.read_bytes(), EVENTS.name, actor=SystemActor("test"))

    def test_it_links_and_unlinks_a_dialogue_on_the_page(self) -> None:
        older = self.dialogue(kind="trygghetsvandring", date=date(2025, 9, 1), place="Stationen", women=7, men=6)
        newer = self.dialogue()
        lagesbild = self.draft()
        problem = lagesbild.problems.get()
        client = self.client_for(self.samordnare)
        page = client.get(url("detail", 1))
        self.assertContains(page, "Ingen dialog är kopplad.")
        choices = (
            f'<select name="dialogue" id="id_dialogue{problem.pk}_dialogue">'
            f'<option value="{newer.pk}">Medborgardialog 2026-03-02, Biblioteket</option>'
            f'<option value="{older.pk}">Trygghetsvandring 2025-09-01, Stationen</option></select>'
        )
        self.assertContains(page, choices, html=True)
        self.assertEqual(structure_problems(page.content.decode()), [])

        response = client.post(url("link_dialogue", 1, problem.pk), {"dialogue": older.pk}, follow=True)
        self.assertRedirects(response, url("detail", 1))
        self.assertContains(response, "Dialogen är kopplad till problemet.")
        detail = reverse("dialogues:detail", args=["mjolby", older.pk])
        self.assertContains(response, f'<a href="{detail}">Trygghetsvandring 2025-09-01</a>', html=True)
        self.assertContains(response, "13 deltagare · teman: inbrott, belysning")
        self.assertNotContains(response, f'<option value="{older.pk}">')  # cited already: not offered again
        self.assertEqual(structure_problems(response.content.decode()), [])
        self.assertEqual(list(problem.dialogues.all()), [older])

        unlink = url("unlink_dialogue", 1, problem.pk, older.pk)
        self.assertRedirects(client.post(unlink), url("detail", 1))
        self.assertFalse(problem.dialogues.exists())
        self.assertEqual(client.post(unlink).status_code, 404)  # not cited

    def test_it_offers_only_the_partnerships_dialogues(self) -> None:
        theirs = make_dialogue(
            get_partnership_for_user(self.samordnare_b, "mullsjo"), self.samordnare_b, place="Mullsjö bibliotek"
        )
        lagesbild = self.draft()
        problem = lagesbild.problems.get()
        client = self.client_for(self.samordnare)
        page = client.get(url("detail", 1))
        self.assertNotContains(page, "Mullsjö bibliotek")
        self.assertContains(page, "Samverkan har inga registrerade dialoger ännu.")
        response = client.post(url("link_dialogue", 1, problem.pk), {"dialogue": theirs.pk})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(problem.dialogues.exists())
        self.assertEqual(client.post(url("unlink_dialogue", 1, problem.pk, theirs.pk)).status_code, 404)

    def test_it_shows_the_live_event_counts_of_a_draft(self) -> None:
        self.draft()
        Problem.objects.update(event_types=["Trafikolycka", "Inbrott"])
        client = self.client_for(self.viewer)
        with time_machine.travel(ADOPTION_DAY, tick=False):
            page = client.get(url("detail", 1))
            self.assertContains(page, "Polisens händelser i Mjölby 2025-03-12–2026-03-11")
            self.assertContains(page, "(antalen som de ser ut nu)")
            self.assertContains(page, '<tr><th scope="row">Trafikolycka</th><td class="num">8</td></tr>', html=True)
            self.assertContains(page, '<tr><th scope="row">Inbrott</th><td class="num">0</td></tr>', html=True)
            do_import(late_event(), "late.json", actor=SystemActor("test"))
            page = client.get(url("detail", 1))
            self.assertContains(page, '<tr><th scope="row">Trafikolycka</th><td class="num">9</td></tr>', html=True)
        self.assertEqual(structure_problems(page.content.decode()), [])

    def test_it_shows_the_frozen_event_counts_of_an_adopted_version(self) -> None:
        lagesbild = self.draft()
        Problem.objects.update(event_types=["Trafikolycka"])
        with time_machine.travel(ADOPTION_DAY, tick=False):
            self.adopt(lagesbild)
        do_import(late_event(), "late.json", actor=SystemActor("test"))
        page = self.client_for(self.viewer).get(url("detail", 1))
        self.assertContains(page, "Polisens händelser i Mjölby 2025-03-12–2026-03-11")
        self.assertContains(page, "(antalen när lägesbilden fastställdes)")
        self.assertContains(page, '<tr><th scope="row">Trafikolycka</th><td class="num">8</td></tr>', html=True)

    def test_it_says_when_an_adopted_version_has_no_frozen_counts(self) -> None:
        lagesbild = self.adopt(self.draft())
        lagesbild.event_counts.all().delete()  # as for a version adopted before the counts were frozen
        page = self.client_for(self.viewer).get(url("detail", 1))
        self.assertContains(page, "Antalen sparades inte när lägesbilden fastställdes.")
