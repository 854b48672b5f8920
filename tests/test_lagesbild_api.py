from __future__ import annotations

from pathlib import Path

from lofte.partnerships.access import Can, get_partnership_for_user
from lofte.situation.actions import (
    do_add_problem,
    do_add_source,
    do_adopt_lagesbild,
    do_create_lagesbild,
    do_link_series,
)
from lofte.statistics.actions import do_import
from tests.base import BaseTestCase

YEARLY = (
    Path(__file__).resolve().parent.parent
    / "lofte/statistics/sources/bra_csv/fixtures/bra_anmalda_brott_arsvis_motala_mjolby_mullsjo.csv"
)
REVISION = b"kommun;period;key;count;per100k;preliminary\n0586;2025;burglary;80;278.0;\n"


class LagesbildApiTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        do_import(YEARLY.read_bytes(), YEARLY.name, actor="test")
        access = get_partnership_for_user(cls.samordnare, "mjolby", Can.EDIT)
        police = get_partnership_for_user(cls.polis, "mjolby", Can.EDIT)
        cls.lagesbild = do_create_lagesbild(access, title="Lägesbild Mjölby", year_from=2021, year_to=2025, actor="t")
        do_add_source(access, cls.lagesbild, kind="statistik", title="Brå", actor="t")
        do_add_source(police, cls.lagesbild, kind="underrattelse", title="Hemlig uppgift", actor="t")
        problem = do_add_problem(
            access,
            cls.lagesbild,
            title="Bostadsinbrott",
            consequences="Otrygghet",
            cause_place="Villaområden utan insyn",
            actor="t",
        )
        do_link_series(access, problem, "anmalda.bostadsinbrott", "0586", actor="t")
        do_adopt_lagesbild(access, cls.lagesbild, decision="KS 2026-03-12 § 45", actor="t")
        do_import(REVISION, "rev.csv", actor="test")

    def test_it_lists_the_versions(self) -> None:
        response = self.client_for(self.viewer).get("/api/v1/partnerships/mjolby/lagesbilder")
        [item] = response.json()
        self.assertEqual((item["version"], item["status"], item["decision"]), (1, "faststalld", "KS 2026-03-12 § 45"))

    def test_it_answers_the_adopted_figures_and_never_restricted_sources(self) -> None:
        for user in (self.viewer, self.polis):
            body = self.client_for(user).get("/api/v1/partnerships/mjolby/lagesbilder/1").json()
            self.assertEqual([s["title"] for s in body["sources"]], ["Brå"])
        [problem] = body["problems"]
        [series] = problem["series"]
        self.assertEqual(series["points"][-1], {"year": 2025, "value": 75.0, "per_100k": 261.0, "preliminary": False})
        self.assertTrue(body["is_adopted"])
        self.assertTrue(all(item["done"] for item in body["checklist"]))

    def test_it_keeps_the_partnership_to_its_members(self) -> None:
        self.assertEqual(
            self.client_for(self.samordnare_b).get("/api/v1/partnerships/mjolby/lagesbilder").status_code, 404
        )
        self.assertEqual(self.client_for(None).get("/api/v1/partnerships/mjolby/lagesbilder/1").status_code, 401)
        missing = self.client_for(self.viewer).get("/api/v1/partnerships/mjolby/lagesbilder/9")
        self.assertEqual((missing.status_code, missing.json()["error"]["code"]), (404, "not_found"))
