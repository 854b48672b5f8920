from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine
from django.core.exceptions import ValidationError

from lofte.audit.models import AuditEvent
from lofte.lib.actors import SystemActor
from lofte.lib.refusals import ActionRefused
from lofte.situation.lagesbild.actions import (
    LagesbildRefused,
    do_add_problem,
    do_add_source,
    do_adopt_lagesbild,
    do_create_lagesbild,
    do_link_dialogue,
    do_link_series,
    do_remove_problem,
    do_unlink_dialogue,
    do_update_lagesbild,
    do_update_problem,
)
from lofte.situation.lagesbild.evidence import event_period, wanted_types
from lofte.situation.models import (
    EventCount,
    Figure,
    Lagesbild,
    Problem,
    Source,
    is_outdated,
    latest_adopted,
    visible_sources,
)
from lofte.statistics.actions import do_import
from lofte.statistics.models import Observation
from tests.cases import BURGLARY, LagesbildCase
from tests.factories import ADOPTION_DAY, EVENTS, YEARLY, late_event, make_dialogue

ADOPTED = "En fastställd lägesbild kan inte ändras; skapa en ny version."
QUARTERLY = YEARLY.with_name("bra_anmalda_brott_kvartal_motala_mjolby_mullsjo.csv")
STOCKHOLM = ZoneInfo("Europe/Stockholm")


class LagesbildTest(LagesbildCase):
    def test_it_keeps_figures_of_an_adopted_lagesbild_after_a_changed_file_is_imported(self) -> None:
        lagesbild = self.adopted()
        revision = b"kommun;period;key;count;per100k;preliminary\n0586;2025;burglary;80;278.0;\n"
        do_import(revision, "revision.csv", actor=SystemActor("test"))

        live = Observation.objects.get(series__metric__code=BURGLARY, series__area__code="0586", period="2025")
        frozen = lagesbild.figures.get(metric__code=BURGLARY, area__code="0586", period="2025")
        self.assertEqual(live.value, 80)
        self.assertEqual((frozen.value, frozen.per_100k), (75, 261.0))
        self.assertNotEqual(frozen.import_run_id, live.import_run_id)  # where the frozen number came from

    def test_it_freezes_the_yearly_values_of_the_period(self) -> None:
        lagesbild = self.adopted()
        figures = list(lagesbild.figures.values_list("period", "period_kind", "value"))
        self.assertEqual(
            figures,
            [
                ("2021", "year", 184),
                ("2022", "year", 153),
                ("2023", "year", 143),
                ("2024", "year", 176),
                ("2025", "year", 75),
            ],
        )
        self.assertEqual(lagesbild.figures.filter(problem__isnull=False).count(), 5)

    def test_it_freezes_quarters_too_but_only_within_the_period(self) -> None:
        do_import(QUARTERLY.read_bytes(), QUARTERLY.name, actor=SystemActor("test"))
        lagesbild = self.draft()
        problem = self.complete(lagesbild)
        do_link_series(self.access(self.samordnare), problem, "anmalda.totalt", "0586", actor=self.samordnare)
        do_update_lagesbild(self.access(self.samordnare), lagesbild, year_from=2024, actor=self.samordnare)
        do_adopt_lagesbild(
            self.access(self.samordnare),
            lagesbild,
            decision="KS § 45",
            decided_on=date(2026, 3, 12),
            actor=self.samordnare,
        )

        totals = lagesbild.figures.filter(metric__code="anmalda.totalt")
        quarters = list(totals.filter(period_kind="quarter").values_list("period", "value"))
        self.assertEqual(len(quarters), 8)
        self.assertEqual((quarters[0], quarters[-1]), (("2024K1", 679), ("2025K4", 697)))
        self.assertEqual(list(totals.filter(period_kind="year").values_list("period", flat=True)), ["2024", "2025"])

    def test_it_marks_the_lagesbild_adopted(self) -> None:
        lagesbild = self.adopted()
        lagesbild.refresh_from_db()
        self.assertTrue(lagesbild.is_adopted)
        self.assertEqual(lagesbild.status, Lagesbild.Status.FASTSTALLD)
        self.assertEqual(lagesbild.adopted_by, self.samordnare)
        self.assertEqual(lagesbild.decision, "Kommunstyrelsen 2026-03-12 § 45")
        self.assertIsNotNone(lagesbild.adopted_at)
        self.assertEqual(latest_adopted(self.partnership_a), lagesbild)
        self.assertIsNone(latest_adopted(self.partnership_b))

    def test_it_refuses_to_adopt_an_incomplete_lagesbild_and_names_the_missing_points(self) -> None:
        lagesbild = self.draft()
        do_add_problem(self.access(self.samordnare), lagesbild, title="Bedrägerier mot äldre", actor=self.samordnare)
        with self.assertRaisesMessage(LagesbildRefused, "Saknas:") as caught:
            do_adopt_lagesbild(
                self.access(self.samordnare),
                lagesbild,
                decision="KS § 1",
                decided_on=date(2026, 3, 12),
                actor=self.samordnare,
            )
        message = str(caught.exception)
        for point in ("Kartläggning", "Omfattning", "Konsekvenser", "Analys inklusive orsaker"):
            self.assertIn(point, message)
        lagesbild.refresh_from_db()
        self.assertFalse(lagesbild.is_adopted)
        self.assertFalse(Figure.objects.exists())

    def test_it_reports_the_checklist(self) -> None:
        lagesbild = self.draft()
        self.assertEqual([item.done for item in lagesbild.checklist()], [False, False, False, False])
        self.complete(lagesbild)
        checklist = lagesbild.checklist()
        self.assertEqual([item.code for item in checklist], ["kartlaggning", "omfattning", "konsekvenser", "analys"])
        self.assertTrue(all(item.done for item in checklist))
        self.assertEqual(lagesbild.missing_points(), [])

    def test_it_wants_a_cause_and_consequences_for_every_problem(self) -> None:
        lagesbild = self.draft()
        self.complete(lagesbild)
        do_add_problem(self.access(self.samordnare), lagesbild, title="Klotter i centrum", actor=self.samordnare)
        self.assertEqual([item.code for item in lagesbild.missing_points()], ["konsekvenser", "analys"])

    def test_it_refuses_to_adopt_twice(self) -> None:
        lagesbild = self.adopted()
        with self.assertRaisesMessage(LagesbildRefused, "redan fastställd"):
            do_adopt_lagesbild(
                self.access(self.samordnare),
                lagesbild,
                decision="KS § 2",
                decided_on=date(2026, 3, 12),
                actor=self.samordnare,
            )
        self.assertEqual(lagesbild.figures.count(), 5)

    def test_it_refuses_to_adopt_without_a_decision(self) -> None:
        lagesbild = self.draft()
        self.complete(lagesbild)
        with self.assertRaisesMessage(LagesbildRefused, "Ange beslutet"):
            do_adopt_lagesbild(
                self.access(self.samordnare),
                lagesbild,
                decision="  ",
                decided_on=date(2026, 3, 12),
                actor=self.samordnare,
            )

    def test_it_numbers_versions_per_partnership(self) -> None:
        first, second = self.draft(), self.draft()
        other = do_create_lagesbild(
            self.access(self.samordnare_b, self.partnership_b),
            title="Lägesbild Mullsjö",
            year_from=2021,
            year_to=2023,
            actor=self.samordnare_b,
        )
        self.assertEqual((first.version, second.version, other.version), (1, 2, 1))

    def test_it_copies_sources_problems_and_series_but_not_figures(self) -> None:
        original = self.draft()
        do_add_source(self.access(self.polis), original, kind="underrattelse", title="UND 2026:3", actor=self.polis)
        self.complete(original)
        do_adopt_lagesbild(
            self.access(self.samordnare),
            original,
            decision="KS § 45",
            decided_on=date(2026, 3, 12),
            actor=self.samordnare,
        )
        self.draft()
        copy = self.draft(copy_from=original)

        self.assertEqual(copy.version, 3)
        self.assertEqual(
            list(copy.sources.values_list("title", "restricted")),
            [("UND 2026:3", True), ("Anmälda brott 2021–2025", False)],
        )
        self.assertEqual(len(visible_sources(copy, self.access(self.samordnare))), 1)
        problem = copy.problems.get()
        self.assertEqual(
            (problem.title, problem.place, problem.cause_place, problem.event_types),
            (
                "Bostadsinbrott i villaområden",
                "Villaområdena i södra Mjölby",
                "Skymd insyn och få vuxna hemma dagtid.",
                ["Inbrott"],
            ),
        )
        self.assertEqual(list(problem.series.values_list("metric__code", "area__code")), [(BURGLARY, "0586")])
        self.assertFalse(copy.figures.exists())
        self.assertFalse(copy.is_adopted)
        self.assertEqual(original.problems.get().series.count(), 1)

    def test_it_refuses_to_copy_from_another_partnership(self) -> None:
        theirs = do_create_lagesbild(
            self.access(self.samordnare_b, self.partnership_b),
            title="Lägesbild Mullsjö",
            year_from=2021,
            year_to=2023,
            actor=self.samordnare_b,
        )
        with self.assertRaisesMessage(LagesbildRefused, "annan samverkan"):
            self.draft(copy_from=theirs)

    def test_it_refuses_every_change_to_an_adopted_lagesbild(self) -> None:
        access = self.access(self.samordnare)
        cited, other = make_dialogue(access, self.samordnare), make_dialogue(access, self.samordnare)
        lagesbild = self.draft()
        problem = self.complete(lagesbild)
        do_link_dialogue(access, problem, cited, actor=self.samordnare)
        do_adopt_lagesbild(access, lagesbild, decision="KS § 45", decided_on=date(2026, 3, 12), actor=self.samordnare)
        changes = [
            lambda: do_update_lagesbild(access, lagesbild, title="Ny rubrik", actor=self.samordnare),
            lambda: do_add_source(access, lagesbild, kind="statistik", title="Mer", actor=self.samordnare),
            lambda: do_add_problem(access, lagesbild, title="Nytt problem", actor=self.samordnare),
            lambda: do_update_problem(access, problem, consequences="Andra", actor=self.samordnare),
            lambda: do_link_series(access, problem, "anmalda.totalt", "0586", actor=self.samordnare),
            lambda: do_remove_problem(access, problem, actor=self.samordnare),
            lambda: do_link_dialogue(access, problem, other, actor=self.samordnare),
            lambda: do_unlink_dialogue(access, problem, cited, actor=self.samordnare),
        ]
        for change in changes:
            with self.subTest(change=change), self.assertRaisesMessage(LagesbildRefused, ADOPTED):
                change()
        lagesbild.refresh_from_db()
        self.assertEqual(lagesbild.title, "Lägesbild Mjölby 2026")
        self.assertEqual(problem.series.count(), 1)
        self.assertEqual(list(problem.dialogues.all()), [cited])

    def test_it_refuses_members_without_the_right_to_edit(self) -> None:
        lagesbild = self.draft()
        for user in (self.reporter, self.viewer):
            access = self.access(user)
            with self.subTest(user=user.email):
                with self.assertRaisesMessage(LagesbildRefused, "behörighet"):
                    do_create_lagesbild(access, title="X", year_from=2021, year_to=2025, actor=user)
                with self.assertRaisesMessage(LagesbildRefused, "behörighet"):
                    do_add_problem(access, lagesbild, title="X", actor=user)
                with self.assertRaisesMessage(LagesbildRefused, "behörighet"):
                    do_adopt_lagesbild(access, lagesbild, decision="KS § 1", decided_on=date(2026, 3, 12), actor=user)
        self.assertFalse(lagesbild.problems.exists())

    def test_it_refuses_a_viewer_to_link_or_unlink_a_dialogue(self) -> None:
        access = self.access(self.samordnare)
        dialogue = make_dialogue(access, self.samordnare)
        problem = self.complete(self.draft())
        do_link_dialogue(access, problem, dialogue, actor=self.samordnare)
        viewer = self.access(self.viewer)
        with self.assertRaisesMessage(LagesbildRefused, "behörighet"):
            do_link_dialogue(viewer, problem, make_dialogue(access, self.samordnare), actor=self.viewer)
        with self.assertRaisesMessage(LagesbildRefused, "behörighet"):
            do_unlink_dialogue(viewer, problem, dialogue, actor=self.viewer)
        self.assertEqual(list(problem.dialogues.all()), [dialogue])

    def test_it_refuses_with_the_one_action_refusal_that_views_and_the_api_understand(self) -> None:
        lagesbild = self.draft()
        with self.assertRaises(ActionRefused) as caught:
            do_update_lagesbild(self.access(self.viewer), lagesbild, title="X", actor=self.viewer)
        self.assertIsInstance(caught.exception, LagesbildRefused)
        self.assertEqual(caught.exception.messages, ["Du har inte behörighet att ändra lägesbilden."])
        self.assertNotIn("__init__", vars(LagesbildRefused))

    def test_it_refuses_personal_data_from_other_callers_of_the_actions(self) -> None:
        access = self.access(self.samordnare)
        with self.assertRaisesMessage(LagesbildRefused, "Texten innehåller ett personnummer.") as created:
            do_create_lagesbild(
                access, title="Lägesbild", summary="19121212-1212", year_from=2021, year_to=2025, actor=self.samordnare
            )
        self.assertEqual(created.exception.field, "summary")
        lagesbild = self.draft()
        problem = self.complete(lagesbild)
        refused = [
            (
                "summary",
                lambda: do_update_lagesbild(access, lagesbild, summary="per@example.org", actor=self.samordnare),
            ),
            (
                "description",
                lambda: do_add_source(
                    access, lagesbild, kind="statistik", title="Brå", description="070-123 45 67", actor=self.samordnare
                ),
            ),
            (
                "reference",
                lambda: do_add_source(
                    access, lagesbild, kind="est", title="Tips", reference="Anmälare 850709–9805", actor=self.samordnare
                ),
            ),
            (
                "cause_place",
                lambda: do_add_problem(
                    access, lagesbild, title="Klotter", cause_place="Ring 070-123 45 67", actor=self.samordnare
                ),
            ),
            (
                "dialogue_notes",
                lambda: do_update_problem(access, problem, dialogue_notes="19121212-1212", actor=self.samordnare),
            ),
        ]
        for field, change in refused:
            with self.subTest(field=field), self.assertRaisesMessage(LagesbildRefused, "Texten innehåller") as caught:
                change()
            self.assertEqual(caught.exception.errors, {field: [caught.exception.message]})
        lagesbild.refresh_from_db()
        problem.refresh_from_db()
        self.assertEqual((lagesbild.summary, problem.dialogue_notes), ("", ""))
        self.assertEqual((lagesbild.sources.count(), lagesbild.problems.count()), (1, 1))

    def test_it_changes_and_copies_every_editable_field_of_a_problem(self) -> None:
        access = self.access(self.samordnare)
        lagesbild = self.draft()
        problem = do_add_problem(access, lagesbild, title="Klotter", actor=self.samordnare)
        values: dict[str, object] = {name: f"Text om {name}" for name in Problem.FREE_TEXT}
        values |= {"priority": 2, "event_types": ["Skadegörelse"]}
        self.assertEqual(set(values), set(Problem.EDITABLE_FIELDS))
        changed = do_update_problem(access, problem, actor=self.samordnare, **values)
        self.assertEqual(sorted(changed), sorted(Problem.EDITABLE_FIELDS))
        copy = self.draft(copy_from=lagesbild).problems.get()
        self.assertEqual({name: getattr(copy, name) for name in Problem.EDITABLE_FIELDS}, values)

    def test_it_refuses_a_samordnare_of_another_partnership(self) -> None:
        lagesbild = self.draft()
        with self.assertRaisesMessage(LagesbildRefused, "annan samverkan"):
            do_add_problem(
                self.access(self.samordnare_b, self.partnership_b), lagesbild, title="X", actor=self.samordnare_b
            )

    def test_it_lets_the_police_edit(self) -> None:
        lagesbild = self.draft()
        problem = do_add_problem(
            self.access(self.polis), lagesbild, title="Narkotika vid resecentrum", actor=self.polis
        )
        self.assertEqual(
            do_update_problem(self.access(self.polis), problem, cause_offender="Ungdomar", actor=self.polis),
            ["cause_offender"],
        )

    def test_it_lets_only_the_police_add_intelligence_and_keeps_it_restricted(self) -> None:
        lagesbild = self.draft()
        with self.assertRaisesMessage(LagesbildRefused, "Bara polisen"):
            do_add_source(
                self.access(self.samordnare), lagesbild, kind="underrattelse", title="UND", actor=self.samordnare
            )
        source = do_add_source(
            self.access(self.polis), lagesbild, kind="underrattelse", title="UND 2026:3", actor=self.polis
        )
        open_source = do_add_source(
            self.access(self.samordnare), lagesbild, kind="medborgardialog", title="Dialog", actor=self.samordnare
        )
        self.assertTrue(source.restricted)
        self.assertEqual(list(visible_sources(lagesbild, self.access(self.samordnare))), [open_source])
        self.assertEqual(list(visible_sources(lagesbild, self.access(self.polis))), [source, open_source])

    def test_it_keeps_intelligence_restricted_whoever_saves_it(self) -> None:
        lagesbild = self.draft()
        source = Source.objects.create(lagesbild=lagesbild, kind="underrattelse", title="UND", restricted=False)
        self.assertTrue(source.restricted)

    def test_it_keeps_restricted_titles_out_of_the_audit_log(self) -> None:
        lagesbild = self.draft()
        do_add_source(self.access(self.polis), lagesbild, kind="underrattelse", title="UND 2026:3", actor=self.polis)
        event = AuditEvent.objects.get(action="lagesbild.add_source")
        self.assertNotIn("UND 2026:3", str(event.changes) + event.object_repr)
        self.assertEqual(event.changes["restricted"], True)

    def test_it_writes_audit_rows(self) -> None:
        before = AuditEvent.objects.count()
        lagesbild = self.adopted()
        actions = list(
            AuditEvent.objects.filter(partnership=self.partnership_a, action__startswith="lagesbild.")
            .order_by("id")
            .values_list("action", flat=True)
        )
        self.assertEqual(
            actions,
            [
                "lagesbild.create",
                "lagesbild.add_source",
                "lagesbild.add_problem",
                "lagesbild.link_series",
                "lagesbild.adopt",
            ],
        )
        self.assertEqual(AuditEvent.objects.count() - before, 5)
        adoption = AuditEvent.objects.get(action="lagesbild.adopt")
        self.assertEqual(adoption.actor, self.samordnare)
        self.assertEqual(adoption.object_id, str(lagesbild.pk))
        self.assertEqual(adoption.changes["figures"], 5)
        self.assertEqual(adoption.get_action_display(), "fastställde lägesbilden")

    def test_it_writes_no_audit_row_when_nothing_changes(self) -> None:
        lagesbild = self.draft()
        before = AuditEvent.objects.count()
        self.assertEqual(
            do_update_lagesbild(self.access(self.samordnare), lagesbild, title=lagesbild.title, actor=self.samordnare),
            [],
        )
        self.assertEqual(AuditEvent.objects.count(), before)

    def test_it_refuses_a_period_that_ends_before_it_starts(self) -> None:
        with self.assertRaises(ValidationError):
            do_create_lagesbild(
                self.access(self.samordnare), title="X", year_from=2025, year_to=2021, actor=self.samordnare
            )

    def test_it_refuses_an_unknown_metric(self) -> None:
        problem = do_add_problem(self.access(self.samordnare), self.draft(), title="X", actor=self.samordnare)
        with self.assertRaisesMessage(LagesbildRefused, "inget mått med koden anmalda.finns_inte"):
            do_link_series(self.access(self.samordnare), problem, "anmalda.finns_inte", "0586", actor=self.samordnare)

    def test_it_calls_a_lagesbild_outdated_more_than_two_years_after_adoption(self) -> None:
        lagesbild = self.adopted()
        lagesbild.adopted_at = datetime(2026, 3, 12, 10, 0, tzinfo=STOCKHOLM)
        self.assertFalse(is_outdated(lagesbild, date(2027, 3, 12)))
        self.assertFalse(is_outdated(lagesbild, date(2028, 3, 12)))
        self.assertTrue(is_outdated(lagesbild, date(2028, 3, 13)))
        self.assertFalse(is_outdated(self.draft(), date(2040, 1, 1)))

    def test_it_counts_two_years_from_a_leap_day_to_the_end_of_february(self) -> None:
        lagesbild = Lagesbild(adopted_at=datetime(2024, 2, 29, 10, 0, tzinfo=STOCKHOLM))
        self.assertFalse(is_outdated(lagesbild, date(2026, 2, 28)))
        self.assertTrue(is_outdated(lagesbild, date(2026, 3, 1)))


class ProblemEvidenceTest(LagesbildCase):
    """Dialogues cited by a problem, and Polisen's events counted for it and frozen on adoption."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        do_import(EVENTS.read_bytes(), EVENTS.name, actor=SystemActor("test"))

    def test_it_links_and_unlinks_a_dialogue_and_audits_both_without_the_place(self) -> None:
        access = self.access(self.samordnare)
        dialogue = make_dialogue(access, self.samordnare)
        problem = self.complete(self.draft())
        do_link_dialogue(access, problem, dialogue, actor=self.samordnare)
        do_link_dialogue(access, problem, dialogue, actor=self.samordnare)  # again: nothing changes
        self.assertEqual(list(problem.dialogues.all()), [dialogue])
        self.assertEqual(list(dialogue.problems.all()), [problem])
        do_unlink_dialogue(access, problem, dialogue, actor=self.polis)
        do_unlink_dialogue(access, problem, dialogue, actor=self.polis)
        self.assertFalse(problem.dialogues.exists())

        events = list(AuditEvent.objects.filter(action__endswith="link_dialogue").order_by("id"))
        self.assertEqual([e.action for e in events], ["lagesbild.link_dialogue", "lagesbild.unlink_dialogue"])
        self.assertEqual(events[0].changes, {"dialogue": dialogue.pk, "kind": "medborgardialog", "date": "2026-03-02"})
        self.assertEqual((events[0].object_id, events[0].partnership), (str(problem.pk), self.partnership_a))
        self.assertNotIn("Biblioteket", str([e.changes for e in events]))
        self.assertEqual(events[0].get_action_display(), "kopplade en dialog till problemet")
        self.assertEqual(events[1].get_action_display(), "tog bort en dialog från problemet")

    def test_it_refuses_a_dialogue_of_another_partnership(self) -> None:
        theirs = make_dialogue(self.access(self.samordnare_b, self.partnership_b), self.samordnare_b)
        problem = self.complete(self.draft())
        with self.assertRaisesMessage(LagesbildRefused, "Dialogen hör till en annan samverkan."):
            do_link_dialogue(self.access(self.samordnare), problem, theirs, actor=self.samordnare)
        self.assertFalse(problem.dialogues.exists())
        self.assertFalse(AuditEvent.objects.filter(action="lagesbild.link_dialogue").exists())

    def test_it_copies_the_cited_dialogues_to_a_new_version(self) -> None:
        access = self.access(self.samordnare)
        dialogue = make_dialogue(access, self.samordnare)
        original = self.draft()
        do_link_dialogue(access, self.complete(original), dialogue, actor=self.samordnare)
        copy = self.draft(copy_from=original)
        self.assertEqual(list(copy.problems.get().dialogues.all()), [dialogue])
        self.assertEqual(AuditEvent.objects.filter(action="lagesbild.create").latest("id").changes["dialogues"], 1)

    def test_it_freezes_the_event_counts_of_the_12_months_before_adoption(self) -> None:
        lagesbild = self.draft()
        problem = self.complete(lagesbild)
        access = self.access(self.samordnare)
        do_update_problem(access, problem, event_types=["Trafikolycka", "bedrägeri", "Inbrott"], actor=self.samordnare)
        with time_machine.travel(ADOPTION_DAY, tick=False):
            do_adopt_lagesbild(
                access, lagesbild, decision="KS § 45", decided_on=date(2026, 3, 12), actor=self.samordnare
            )
        counts = list(lagesbild.event_counts.values_list("problem", "type", "period_start", "period_end", "count"))
        period = (date(2025, 3, 12), date(2026, 3, 11))
        self.assertEqual(
            counts,
            [
                (problem.pk, "Trafikolycka", *period, 8),
                (problem.pk, "bedrägeri", *period, 2),  # Polisen writes Bedrägeri; the case does not matter
                (problem.pk, "Inbrott", *period, 0),
            ],
        )
        self.assertEqual(AuditEvent.objects.get(action="lagesbild.adopt").changes["events"], 3)

    def test_it_keeps_the_frozen_counts_when_later_events_are_imported(self) -> None:
        lagesbild = self.draft()
        problem = self.complete(lagesbild)
        access = self.access(self.samordnare)
        do_update_problem(access, problem, event_types=["Trafikolycka"], actor=self.samordnare)
        with time_machine.travel(ADOPTION_DAY, tick=False):
            do_adopt_lagesbild(
                access, lagesbild, decision="KS § 45", decided_on=date(2026, 3, 12), actor=self.samordnare
            )
        do_import(late_event(), "late.json", actor=SystemActor("test"))
        self.assertEqual(lagesbild.event_counts.get().count, 8)
        self.assertEqual(EventCount.objects.count(), 1)

    def test_it_takes_the_12_months_before_the_day(self) -> None:
        self.assertEqual(event_period(date(2026, 3, 12)), (date(2025, 3, 12), date(2026, 3, 11)))
        self.assertEqual(event_period(date(2028, 2, 29)), (date(2027, 2, 28), date(2028, 2, 28)))
        self.assertEqual(event_period(date(2026, 1, 1)), (date(2025, 1, 1), date(2025, 12, 31)))

    def test_it_counts_each_event_type_once_whatever_its_case(self) -> None:
        self.assertEqual(wanted_types(["Inbrott", " inbrott", "Bedrägeri", "BEDRÄGERI"]), ["Inbrott", "Bedrägeri"])

    def test_it_refuses_an_event_type_longer_than_polisens(self) -> None:
        problem = self.complete(self.draft())
        with self.assertRaises(ValidationError):
            do_update_problem(self.access(self.samordnare), problem, event_types=["x" * 101], actor=self.samordnare)
