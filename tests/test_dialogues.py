"""Dialogues and safety walks under /samverkan/<slug>/dialoger/: recording, screening, totals, access, audit."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse

from lofte.accounts.models import User
from lofte.areas.models import Area
from lofte.audit.models import AuditEvent
from lofte.lib.actors import SystemActor
from lofte.lib.pii import describe, find_personal_data
from lofte.lib.refusals import ActionRefused
from lofte.partnerships.access import PartnershipAccess, get_partnership_for_user
from lofte.situation.dialogues.actions import (
    DialogueRefused,
    do_add_statement,
    do_create_dialogue,
    do_delete_dialogue,
    do_update_dialogue,
)
from lofte.situation.lagesbild.actions import (
    do_add_problem,
    do_add_source,
    do_adopt_lagesbild,
    do_create_lagesbild,
    do_link_dialogue,
    do_link_series,
)
from lofte.situation.models import Dialogue, DialogueStatement, Lagesbild, Problem
from lofte.statistics.actions import do_import
from tests.axe import problems as structure_problems
from tests.base import BaseTestCase
from tests.factories import YEARLY

REMINDER = "Skriv inte namn på enskilda personer."
WALK: dict[str, Any] = {
    "kind": "trygghetsvandring",
    "date": "2026-04-14",
    "place": "Stationsområdet",
    "women": "7",
    "men": "5",
    "other_gender": "1",
    "age_under_18": "2",
    "age_18_29": "3",
    "age_30_49": "4",
    "age_50_64": "2",
    "age_65_plus": "1",
    "age_unknown": "1",
    "themes": "Belysning, trafik, belysning",
    "summary": "Mörkt vid cykelparkeringen och buskörning på kvällarna.",
}


def url(name: str, *args: Any) -> str:
    return reverse(f"dialogues:{name}", args=["mjolby", *args])


class DialogueCase(BaseTestCase):
    def access(self, user: User | None = None) -> PartnershipAccess:
        return get_partnership_for_user(user or self.samordnare, "mjolby")

    def dialogue(self, kind: str = "medborgardialog", day: date = date(2026, 3, 2), **fields: Any) -> Dialogue:
        values: dict[str, Any] = {"women": 3, "men": 2, "themes": ["trafik"], **fields}
        return do_create_dialogue(
            self.access(), kind=kind, date=day, place="Biblioteket", actor=self.samordnare, **values
        )

    def post_routes(self, dialogue: Dialogue) -> list[tuple[str, dict[str, Any]]]:
        statement = do_add_statement(self.access(), dialogue, text="För mörkt.", actor=self.samordnare)
        return [
            (url("create"), {**WALK, "area": self.kommun_a.pk}),
            (url("update", dialogue.pk), {**WALK, "place": "Ändrad"}),
            (url("add_statement", dialogue.pk), {"text": "Ny synpunkt"}),
            (url("remove_statement", dialogue.pk, statement.pk), {}),
            (url("delete", dialogue.pk), {}),
        ]


class DialoguesTest(DialogueCase):
    def test_it_lets_the_samordnare_record_a_safety_walk_with_statements(self) -> None:
        client = self.client_for(self.samordnare)
        form = client.get(url("create"))
        self.assertContains(form, REMINDER)
        self.assertEqual(structure_problems(form.content.decode()), [])
        response = client.post(url("create"), {**WALK, "area": self.kommun_a.pk})
        dialogue = Dialogue.objects.get()
        self.assertRedirects(response, url("detail", dialogue.pk))
        self.assertEqual(
            (dialogue.partnership, dialogue.kind, dialogue.area),
            (self.partnership_a, "trygghetsvandring", self.kommun_a),
        )
        self.assertEqual((dialogue.women, dialogue.men, dialogue.other_gender, dialogue.participants), (7, 5, 1, 13))
        self.assertEqual(dialogue.themes, ["belysning", "trafik"])
        self.assertEqual(dialogue.created_by, self.samordnare)
        for text, theme in [("Cykelparkeringen behöver belysning.", "Belysning"), ("Buskörning vid skolan.", "")]:
            added = client.post(url("add_statement", dialogue.pk), {"text": text, "theme": theme})
            self.assertRedirects(added, url("detail", dialogue.pk))
        self.assertEqual(
            list(dialogue.statements.values_list("text", "theme")),
            [("Cykelparkeringen behöver belysning.", "belysning"), ("Buskörning vid skolan.", "")],
        )
        page = client.get(url("detail", dialogue.pk))
        self.assertContains(page, "Buskörning vid skolan.")
        self.assertContains(page, "Stationsområdet, 2026-04-14")
        self.assertContains(page, '<tr><th scope="row">Kvinnor</th><td class="num">7</td></tr>', html=True)
        self.assertContains(page, f'action="{url("delete", dialogue.pk)}"')
        self.assertEqual(structure_problems(page.content.decode()), [])

    def test_it_refuses_personal_data_and_saves_nothing(self) -> None:
        client = self.client_for(self.samordnare)
        for field, text in [
            ("summary", "Anmälaren har personnummer 19121212-1212."),
            ("place", "Ring vaktmästaren på 070-123 45 67"),
            ("themes", "trafik, per@example.org"),
        ]:
            with self.subTest(field=field):
                response = client.post(url("create"), {**WALK, field: text})
                self.assertContains(response, describe(find_personal_data(text)), status_code=400)
        self.assertFalse(Dialogue.objects.exists())
        dialogue = self.dialogue()
        response = client.post(url("add_statement", dialogue.pk), {"text": "Ring mig på 070-123 45 67"})
        self.assertContains(response, "Texten innehåller ett telefonnummer.", status_code=400)
        self.assertContains(response, "<details open>", status_code=400)
        response = client.post(url("update", dialogue.pk), {**WALK, "summary": "Kontakt 19121212-1212"})
        self.assertContains(response, "Texten innehåller ett personnummer.", status_code=400)
        self.assertFalse(DialogueStatement.objects.exists())
        dialogue.refresh_from_db()
        self.assertEqual((dialogue.summary, dialogue.kind), ("", "medborgardialog"))

    def test_it_refuses_personal_data_from_other_callers_of_the_actions(self) -> None:
        with self.assertRaisesMessage(DialogueRefused, "Texten innehåller ett personnummer."):
            self.dialogue(summary="19121212-1212")
        dialogue = self.dialogue()
        with self.assertRaisesMessage(DialogueRefused, "telefonnummer"):
            do_add_statement(self.access(), dialogue, text="070-123 45 67", actor=self.samordnare)
        with self.assertRaises(DialogueRefused):
            do_update_dialogue(self.access(), dialogue, place="per@example.org", actor=self.samordnare)
        self.assertEqual(Dialogue.objects.get().place, "Biblioteket")

    def test_it_names_the_field_that_holds_personal_data(self) -> None:
        dialogue = self.dialogue()
        refused = [
            ("summary", lambda: self.dialogue(summary="19121212-1212")),
            (
                "themes",
                lambda: do_update_dialogue(self.access(), dialogue, themes=["070-123 45 67"], actor=self.samordnare),
            ),
            (
                "theme",
                lambda: do_add_statement(
                    self.access(), dialogue, text="Ok", theme="per@example.org", actor=self.samordnare
                ),
            ),
        ]
        for field, change in refused:
            with self.subTest(field=field), self.assertRaises(ActionRefused) as caught:
                change()
            self.assertIsInstance(caught.exception, DialogueRefused)
            self.assertEqual(list(caught.exception.errors), [field])
        self.assertNotIn("__init__", vars(DialogueRefused))
        self.assertEqual((Dialogue.objects.count(), DialogueStatement.objects.count()), (1, 0))

    def test_it_counts_participants_whose_age_was_not_asked_as_unknown(self) -> None:
        dialogue = self.dialogue(women=4, men=6)
        self.assertEqual((dialogue.age_unknown, dialogue.participants), (10, 10))
        response = self.client_for(self.samordnare).post(url("create"), {**WALK, "age_unknown": "5"})
        self.assertContains(
            response, "Deltagarna per kön (13) och per åldersgrupp (17) ska bli lika många.", status_code=400
        )
        self.assertEqual(Dialogue.objects.count(), 1)

    def test_it_totals_participants_and_themes_on_the_list(self) -> None:
        self.dialogue(women=3, men=2, themes=["trafik", "narkotika"])
        self.dialogue(kind="trygghetsvandring", day=date(2025, 9, 1), women=1, men=1, other_gender=1, themes=["trafik"])
        self.dialogue(kind="medarbetardialog", women=0, men=0, age_under_18=4, themes=["skolan"])
        client = self.client_for(self.viewer)
        response = client.get(url("index"))
        self.assertContains(response, "12 deltagare totalt.")
        row = '<tr><th scope="row">{}</th><td class="num">{}</td></tr>'
        for label, count in [("Kvinnor", 4), ("Män", 3), ("Annat eller uppgift saknas", 5), ("Under 18 år", 4)]:
            self.assertContains(response, row.format(label, count), html=True)
        self.assertContains(response, row.format("Ålder okänd", 8), html=True)
        self.assertContains(response, row.format("trafik", 2), html=True)
        self.assertContains(response, row.format("narkotika", 1), html=True)
        self.assertEqual(structure_problems(response.content.decode()), [])
        walks = client.get(url("index"), {"kind": "trygghetsvandring"})
        self.assertContains(walks, "3 deltagare totalt.")
        self.assertNotContains(walks, "narkotika")
        year = client.get(url("index"), {"year": "2026"})
        self.assertContains(year, "9 deltagare totalt.")
        self.assertContains(year, '<option value="2025">2025</option>', html=True)
        self.assertContains(client.get(url("index"), {"year": "1999"}), "12 deltagare totalt.")  # unknown: all
        self.assertContains(
            client.get(url("index"), {"kind": "medarbetardialog", "year": "2025"}), "Inga dialoger i urvalet."
        )

    def test_it_lets_the_viewer_read_but_not_change(self) -> None:
        dialogue = self.dialogue()
        client = self.client_for(self.viewer)
        self.assertContains(client.get(url("index")), "Biblioteket")
        page = client.get(url("detail", dialogue.pk))
        self.assertContains(page, "Biblioteket")
        self.assertNotContains(page, 'method="post" action="/samverkan/')
        self.assertNotContains(client.get(url("index")), url("create"))
        self.assertEqual(client.get(url("create")).status_code, 403)
        self.assertEqual(client.get(url("update", dialogue.pk)).status_code, 403)
        for route, data in self.post_routes(dialogue):
            with self.subTest(route=route):
                self.assertEqual(client.post(route, data).status_code, 403)
        self.assertEqual((Dialogue.objects.count(), DialogueStatement.objects.count()), (1, 1))

    def test_it_refuses_the_reporter_every_change(self) -> None:
        dialogue = self.dialogue()
        client = self.client_for(self.reporter)
        for route, data in self.post_routes(dialogue):
            with self.subTest(route=route):
                self.assertEqual(client.post(route, data).status_code, 403)
        self.assertEqual(DialogueStatement.objects.count(), 1)

    def test_it_hides_the_dialogues_from_another_kommun(self) -> None:
        dialogue = self.dialogue()
        client = self.client_for(self.samordnare_b)
        for route in (url("index"), url("detail", dialogue.pk), url("create"), url("update", dialogue.pk)):
            self.assertEqual(client.get(route).status_code, 404, route)
        for route, data in self.post_routes(dialogue):
            with self.subTest(route=route):
                self.assertEqual(client.post(route, data).status_code, 404)
        own = reverse("dialogues:detail", args=["mullsjo", dialogue.pk])
        self.assertEqual(client.get(own).status_code, 404)
        self.assertEqual((Dialogue.objects.count(), DialogueStatement.objects.count()), (1, 1))

    def test_it_offers_only_the_kommun_and_its_parts_as_area(self) -> None:
        district = Area.objects.create(code="0586-centrum", name="Centrum", kind="district", parent=self.kommun_a)
        client = self.client_for(self.samordnare)
        form = client.get(url("create"))
        self.assertContains(form, f'<option value="{district.pk}">Centrum</option>', html=True)
        self.assertNotContains(form, "Mullsjö")
        response = client.post(url("create"), {**WALK, "area": self.kommun_b.pk})
        self.assertEqual(response.status_code, 400)
        created = client.post(url("create"), {**WALK, "area": district.pk})
        self.assertRedirects(created, url("detail", Dialogue.objects.get(area=district).pk))
        with self.assertRaisesMessage(DialogueRefused, "utanför samverkans kommun"):
            self.dialogue(area=self.kommun_b)

    def test_it_edits_and_deletes_a_dialogue_and_its_statements(self) -> None:
        dialogue = self.dialogue()
        statement = do_add_statement(self.access(), dialogue, text="För mörkt.", actor=self.samordnare)
        client = self.client_for(self.polis)
        self.assertContains(client.get(url("update", dialogue.pk)), 'value="Biblioteket"')
        self.assertRedirects(client.post(url("update", dialogue.pk), WALK), url("detail", dialogue.pk))
        dialogue.refresh_from_db()
        self.assertEqual(
            (dialogue.kind, dialogue.place, dialogue.age_30_49), ("trygghetsvandring", "Stationsområdet", 4)
        )
        self.assertRedirects(
            client.post(url("remove_statement", dialogue.pk, statement.pk)), url("detail", dialogue.pk)
        )
        self.assertFalse(DialogueStatement.objects.exists())
        do_add_statement(self.access(), dialogue, text="Igen.", actor=self.samordnare)
        response = client.post(url("delete", dialogue.pk), follow=True)
        self.assertRedirects(response, url("index"))
        self.assertContains(response, "Dialogen är borttagen.")
        self.assertFalse(Dialogue.objects.exists())
        self.assertFalse(DialogueStatement.objects.exists())

    def test_it_looks_statements_up_only_within_the_dialogue(self) -> None:
        first, second = self.dialogue(), self.dialogue()
        statement = do_add_statement(self.access(), first, text="För mörkt.", actor=self.samordnare)
        client = self.client_for(self.samordnare)
        self.assertEqual(client.post(url("remove_statement", second.pk, statement.pk)).status_code, 404)
        self.assertTrue(DialogueStatement.objects.filter(pk=statement.pk).exists())

    def test_it_audits_every_change_without_the_free_text(self) -> None:
        client = self.client_for(self.samordnare)
        client.post(url("create"), WALK)
        dialogue = Dialogue.objects.get()
        client.post(url("update", dialogue.pk), WALK)  # nothing changed: no row
        client.post(url("update", dialogue.pk), {**WALK, "summary": "Annan text.", "men": "6", "age_unknown": "2"})
        client.post(url("add_statement", dialogue.pk), {"text": "Hemlig detalj om platsen", "theme": "trafik"})
        client.post(url("remove_statement", dialogue.pk, dialogue.statements.get().pk))
        client.post(url("delete", dialogue.pk))
        events = list(AuditEvent.objects.filter(action__startswith="dialogue.").order_by("id"))
        self.assertEqual(
            [e.action for e in events],
            [
                "dialogue.create",
                "dialogue.update",
                "dialogue.add_statement",
                "dialogue.remove_statement",
                "dialogue.delete",
            ],
        )
        self.assertTrue(all(e.actor == self.samordnare and e.partnership == self.partnership_a for e in events))
        self.assertEqual(events[0].changes["themes"], ["belysning", "trafik"])
        self.assertEqual(events[1].changes, {"men": [5, 6], "age_unknown": [1, 2], "summary": True})
        log = str([e.changes for e in events]) + str([e.object_repr for e in events])
        for text in ("Stationsområdet", "Mörkt vid", "Annan text", "Hemlig detalj"):
            self.assertNotIn(text, log)
        self.assertEqual(events[0].object_repr, "Trygghetsvandring 2026-04-14")
        self.assertContains(client.get(reverse("partnerships:dashboard", args=["mjolby"])), "registrerade dialogen")

    def test_it_lists_and_shows_in_a_fixed_number_of_queries(self) -> None:
        first = self.dialogue()
        do_add_statement(self.access(), first, text="För mörkt.", actor=self.samordnare)
        client = self.client_for(self.samordnare)
        client.get(url("index"))
        for count in (1, 3):
            if count == 3:
                self.dialogue(kind="trygghetsvandring", area=self.kommun_a)
                do_add_statement(self.access(), self.dialogue(day=date(2024, 5, 5)), text="Ja.", actor=self.samordnare)
            with self.subTest(dialogues=count):
                self.assertEqual(Dialogue.objects.count(), count)
                with self.assertNumQueries(6):
                    self.assertContains(client.get(url("index")), "Biblioteket", count=count)
                with self.assertNumQueries(6):
                    self.assertContains(
                        client.get(url("index"), {"kind": "medborgardialog", "year": "2026"}), "Biblioteket"
                    )
                with self.assertNumQueries(7):  # with the lägesbild problems that cite it
                    self.assertContains(client.get(url("detail", first.pk)), "För mörkt.")


class DialogueEvidenceTest(DialogueCase):
    """A dialogue cited by the problems of a lägesbild: shown on its page, and kept while an adopted one cites it."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        do_import(YEARLY.read_bytes(), YEARLY.name, actor=SystemActor("test"))

    def lagesbild(self, title: str = "Bostadsinbrott i villaområden") -> tuple[Lagesbild, Problem]:
        access = self.access()
        lagesbild = do_create_lagesbild(access, title="Lägesbild", year_from=2021, year_to=2025, actor=self.samordnare)
        do_add_source(access, lagesbild, kind="statistik", title="Brå", actor=self.samordnare)
        problem = do_add_problem(
            access, lagesbild, title=title, consequences="Oro.", cause_place="Skymd insyn.", actor=self.samordnare
        )
        do_link_series(access, problem, "anmalda.bostadsinbrott", "0586", actor=self.samordnare)
        return lagesbild, problem

    def cited(self, *, adopted: bool) -> tuple[Dialogue, Problem]:
        dialogue = self.dialogue()
        lagesbild, problem = self.lagesbild()
        do_link_dialogue(self.access(), problem, dialogue, actor=self.samordnare)
        if adopted:
            do_adopt_lagesbild(
                self.access(), lagesbild, decision="KS § 45", decided_on=date(2026, 3, 12), actor=self.samordnare
            )
        return dialogue, problem

    def test_it_refuses_to_delete_a_dialogue_an_adopted_lagesbild_cites(self) -> None:
        dialogue, problem = self.cited(adopted=True)
        with self.assertRaisesMessage(DialogueRefused, "fastställd lägesbild (version 1)"):
            do_delete_dialogue(self.access(), dialogue, actor=self.samordnare)
        response = self.client_for(self.samordnare).post(url("delete", dialogue.pk), follow=True)
        self.assertRedirects(response, url("detail", dialogue.pk))
        self.assertContains(response, "Dialogen kan inte tas bort: den är underlag för en fastställd lägesbild")
        self.assertEqual(list(problem.dialogues.all()), [dialogue])
        self.assertFalse(AuditEvent.objects.filter(action="dialogue.delete").exists())

    def test_it_deletes_a_dialogue_only_drafts_cite_and_its_links_with_it(self) -> None:
        dialogue, problem = self.cited(adopted=False)
        self.assertRedirects(self.client_for(self.polis).post(url("delete", dialogue.pk)), url("index"))
        self.assertFalse(Dialogue.objects.exists())
        self.assertFalse(problem.dialogues.exists())
        self.assertTrue(Problem.objects.filter(pk=problem.pk).exists())
        self.assertEqual(AuditEvent.objects.get(action="dialogue.delete").changes["problems"], 1)

    def test_it_shows_which_problems_cite_the_dialogue(self) -> None:
        dialogue, problem = self.cited(adopted=True)
        client = self.client_for(self.viewer)
        page = client.get(url("detail", dialogue.pk))
        detail = reverse("lagesbild:detail", args=["mjolby", 1])
        self.assertContains(page, f'<a href="{detail}#problem-{problem.pk}-heading">{problem.title}</a>', html=True)
        self.assertContains(page, "Lägesbild, version 1 (fastställd)")
        self.assertEqual(structure_problems(page.content.decode()), [])
        editor = self.client_for(self.samordnare).get(url("detail", dialogue.pk))
        self.assertContains(editor, "Dialogen kan inte tas bort: en fastställd lägesbild bygger på den.")
        self.assertNotContains(editor, f'action="{url("delete", dialogue.pk)}"')
        uncited = self.client_for(self.samordnare).get(url("detail", self.dialogue().pk))
        self.assertContains(uncited, "Inget problem i lägesbilden hänvisar till dialogen ännu.")
