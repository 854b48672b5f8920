"""The action plan out to XLSX and CSV and back: a preview first, then all rows or none."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from lofte.audit.models import AuditEvent
from lofte.promises.bulk import plan
from lofte.promises.bulk.actions import do_import_plan
from lofte.promises.followup.actions import FollowUpRefused
from lofte.promises.models import Agreement, FollowUpRound, Medborgarlofte, Promise, PromiseReport
from tests.cases import FollowUpCase, url

HEADINGS = ["id", "Fokusområde", "Löfte", "Ansvariga", "Status", "Framsteg (%)", "Kommentar", "Uppföljning"]


def sheet_rows(data: bytes) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def workbook(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class BulkCase(FollowUpCase):
    def setUp(self) -> None:
        # The comments of the plan belong to the current round: 2024 H1, the earliest open one.
        self.round = self.planned()["2024 H1"]

    def state(self) -> list[tuple[Any, ...]]:
        promises = Promise.objects.order_by("pk").values_list("pk", "text", "status", "progress", "updated_at")
        reports = PromiseReport.objects.order_by("pk").values_list(
            "round_id", "promise_id", "status", "progress", "comment"
        )
        return [*promises, *reports]

    def exported(self, fmt: str = "xlsx") -> bytes:
        return plan.export_plan(self.lofte, fmt)

    def preview(self, data: bytes, name: str = "plan.xlsx") -> plan.PlanPreview:
        return plan.read_plan(self.access(), self.lofte, data, name)

    def refused(self, data: bytes, name: str = "plan.xlsx") -> list[str]:
        before = self.state()
        with self.assertRaises(plan.PlanRefused) as caught:
            self.preview(data, name)
        self.assertEqual(self.state(), before)
        return caught.exception.messages

    def edited(self, changes: dict[tuple[int, str], Any]) -> bytes:
        """The exported workbook with cells changed, by (promise id, heading)."""
        rows = sheet_rows(self.exported())
        for (pk, heading), value in changes.items():
            row = next(row for row in rows if row[0] == pk)
            row[HEADINGS.index(heading)] = value
        return workbook(rows)


class ExportTest(BulkCase):
    def test_it_exports_every_promise_to_xlsx(self) -> None:
        Promise.objects.filter(pk=self.patrol.pk).update(status="pagar", progress=40)
        named = f"2024 H1 (id {self.round.pk})"
        rows = sheet_rows(self.exported())
        self.assertEqual(rows[0], HEADINGS)
        self.assertEqual(
            rows[1:],
            [
                [
                    self.watch.pk,
                    "Inbrott i bostäder",
                    self.watch.text,
                    "Lokalpolisområde Motala, Mjölby kommun",
                    "Ej påbörjad",
                    None,
                    None,
                    named,
                ],
                [
                    self.patrol.pk,
                    "Inbrott i bostäder",
                    self.patrol.text,
                    "Lokalpolisområde Motala",
                    "Pågår",
                    40,
                    None,
                    named,
                ],
                [
                    self.lighting.pk,
                    "Inbrott i bostäder",
                    self.lighting.text,
                    "Bostadsbolaget i Mjölby AB",
                    "Ej påbörjad",
                    None,
                    None,
                    named,
                ],
            ],
        )

    def test_it_exports_csv_as_swedish_excel_reads_it(self) -> None:
        text = self.exported("csv").decode("utf-8-sig")
        self.assertTrue(text.startswith("id;Fokusområde;Löfte;Ansvariga;Status;Framsteg (%);Kommentar;Uppföljning\r\n"))
        self.assertIn(
            f"{self.lighting.pk};Inbrott i bostäder;{self.lighting.text};Bostadsbolaget i Mjölby AB;Ej påbörjad;;;"
            f"2024 H1 (id {self.round.pk})",
            text,
        )

    def test_members_download_it(self) -> None:
        response = self.client_for(self.viewer).get(url("plan_export", lofte=self.lofte.pk, fmt="xlsx"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(sheet_rows(response.content)[0], HEADINGS)
        self.assertEqual(
            self.client_for(self.viewer).get(url("plan_export", lofte=self.lofte.pk, fmt="ods")).status_code, 404
        )


class RoundTripTest(BulkCase):
    def test_an_unchanged_file_changes_nothing(self) -> None:
        for fmt in ("xlsx", "csv"):
            with self.subTest(fmt=fmt):
                preview = self.preview(self.exported(fmt), f"plan.{fmt}")
                self.assertEqual((preview.rows, preview.changes), (3, ()))

    def test_an_xlsx_round_trip_changes_exactly_what_was_edited(self) -> None:
        data = self.edited(
            {
                (self.patrol.pk, "Status"): "Genomförd",
                (self.watch.pk, "Framsteg (%)"): 35,
                (self.watch.pk, "Status"): "pagar",
                (self.lighting.pk, "Kommentar"): "Väntar på fastighetsägaren.",
                (self.lighting.pk, "Löfte"): "Ändrad text läses inte",
            }
        )
        preview = self.preview(data)
        self.assertEqual(
            [(c.row, c.promise_id, c.fields) for c in preview.changes],
            [
                (2, self.watch.pk, [("Status", "Ej påbörjad", "Pågår"), ("Framsteg", "efter status", "35 %")]),
                (3, self.patrol.pk, [("Status", "Ej påbörjad", "Genomförd")]),
                (4, self.lighting.pk, [("Kommentar", "–", "Väntar på fastighetsägaren.")]),
            ],
        )
        unchanged = self.state()
        self.assertEqual(self.state(), unchanged)  # reading changed nothing
        count = do_import_plan(self.access(), self.lofte, preview, actor=self.samordnare)
        self.assertEqual(count, 3)
        promises = dict(Promise.objects.values_list("pk", "status"))
        self.assertEqual(
            promises, {self.watch.pk: "pagar", self.patrol.pk: "genomford", self.lighting.pk: "ej_paborjad"}
        )
        self.assertEqual(
            dict(Promise.objects.values_list("pk", "progress")),
            {self.watch.pk: 35, self.patrol.pk: None, self.lighting.pk: None},
        )
        self.assertEqual(Promise.objects.get(pk=self.lighting.pk).text, self.lighting.text)
        reports = {
            r.promise_id: (r.status, r.progress, r.comment) for r in PromiseReport.objects.filter(round=self.round)
        }
        self.assertEqual(reports[self.lighting.pk], ("ej_paborjad", 0, "Väntar på fastighetsägaren."))
        self.assertEqual(reports[self.patrol.pk], ("genomford", 100, ""))
        event = AuditEvent.objects.get(action="followup.import_plan")
        self.assertEqual(event.changes["promises"][str(self.lighting.pk)], {"comment": True})
        self.assertEqual(event.changes["round"], "2024 H1")
        # The same file again, and the plan as it now is, change nothing.
        after = self.state()
        self.assertEqual(self.preview(data).changes, ())
        self.assertEqual(self.preview(self.exported()).changes, ())
        self.assertEqual(do_import_plan(self.access(), self.lofte, self.preview(data), actor=self.samordnare), 0)
        self.assertEqual(self.state(), after)
        self.assertEqual(AuditEvent.objects.filter(action="followup.import_plan").count(), 1)

    def test_a_csv_with_commas_and_percent_signs_is_read(self) -> None:
        csv = f"id,Status,Framsteg,Kommentar\n{self.watch.pk},Pågår,50 %,\n{self.patrol.pk},Stoppad,,\n".encode()
        preview = self.preview(csv, "plan.csv")
        self.assertEqual([c.after for c in preview.changes], [("pagar", 50, ""), ("stoppad", None, "")])

    def test_it_refuses_to_apply_a_preview_after_the_plan_changed(self) -> None:
        preview = self.preview(self.edited({(self.patrol.pk, "Status"): "Pågår"}))
        Promise.objects.filter(pk=self.patrol.pk).update(progress=10)
        with self.assertRaisesMessage(FollowUpRefused, "har ändrats sedan filen lästes in"):
            do_import_plan(self.access(), self.lofte, preview, actor=self.samordnare)
        self.assertEqual(Promise.objects.get(pk=self.patrol.pk).status, "ej_paborjad")

    def test_it_refuses_those_who_may_not_edit(self) -> None:
        preview = self.preview(self.edited({(self.patrol.pk, "Status"): "Pågår"}))
        with self.assertRaisesMessage(FollowUpRefused, "behörighet"):
            do_import_plan(self.access(self.viewer), self.lofte, preview, actor=self.viewer)


class MalformedTest(BulkCase):
    def test_a_wrong_status_is_refused_with_row_and_field(self) -> None:
        errors = self.refused(self.edited({(self.patrol.pk, "Status"): "Klar"}))
        self.assertEqual(len(errors), 1)
        self.assertTrue(errors[0].startswith("plan.xlsx, rad 3, status: ”Klar” är ingen status"), errors)
        self.assertIn("Ej påbörjad, Pågår, Genomförd, Stoppad", errors[0])

    def test_a_progress_over_100_is_refused(self) -> None:
        errors = self.refused(self.edited({(self.watch.pk, "Framsteg (%)"): 140, (self.patrol.pk, "Status"): "Pågår"}))
        self.assertEqual(errors, ["plan.xlsx, rad 2, framsteg: ”140” är inget heltal mellan 0 och 100."])

    def test_an_unknown_id_is_refused(self) -> None:
        rows = sheet_rows(self.exported())
        rows[3][0] = 999999
        errors = self.refused(workbook(rows))
        self.assertEqual(errors, ["plan.xlsx, rad 4, id: det finns inget löfte med id 999999."])

    def test_every_bad_row_is_named(self) -> None:
        rows = sheet_rows(self.exported())
        rows[1][4], rows[2][5], rows[3][0] = "Kanske", "mycket", "abc"
        errors = self.refused(workbook(rows))
        self.assertEqual(
            [error.split(":")[0] for error in errors],
            ["plan.xlsx, rad 2, status", "plan.xlsx, rad 3, framsteg", "plan.xlsx, rad 4, id"],
        )

    def test_a_row_of_another_lofte_is_refused(self) -> None:
        other = Medborgarlofte.objects.create(
            agreement=self.agreement, title="Löfte 2026", year_from=2026, year_to=2026
        )
        stranger = Promise.objects.create(lofte=other, text="Annat löfte")
        rows = sheet_rows(self.exported())
        rows[2][0] = stranger.pk
        errors = self.refused(workbook(rows))
        self.assertEqual(errors, [f"plan.xlsx, rad 3, id: löftet {stranger.pk} hör till ett annat medborgarlöfte."])

    def test_a_promise_twice_is_refused(self) -> None:
        rows = sheet_rows(self.exported())
        rows.append([self.watch.pk, "", "", "", "Pågår", 10, "", rows[1][7]])
        errors = self.refused(workbook(rows))
        self.assertEqual(errors, ["plan.xlsx, rad 5, id: löftet finns redan på rad 2."])

    def test_another_kommuns_promise_is_unknown(self) -> None:
        agreement = Agreement.objects.create(
            partnership=self.partnership_b, title="Mullsjö", starts_on=date(2024, 1, 1), ends_on=date(2024, 12, 31)
        )
        other = Medborgarlofte.objects.create(agreement=agreement, title="Mullsjö 2024", year_from=2024, year_to=2024)
        stranger = Promise.objects.create(lofte=other, text="Mullsjös löfte")
        rows = sheet_rows(self.exported())
        rows[1][0] = stranger.pk
        self.assertEqual(
            self.refused(workbook(rows)), [f"plan.xlsx, rad 2, id: det finns inget löfte med id {stranger.pk}."]
        )

    def test_a_missing_column_is_refused(self) -> None:
        rows = [row[:5] + row[6:] for row in sheet_rows(self.exported())]
        self.assertEqual(self.refused(workbook(rows)), ["Kolumnen ”Framsteg (%)” saknas i filens första rad."])

    def test_a_file_that_is_not_an_xlsx_is_refused(self) -> None:
        self.assertEqual(
            self.refused("det här är ingen arbetsbok".encode()), ["Filen är inte en XLSX-fil som går att läsa."]
        )
        self.assertEqual(self.refused(b"PK\x03\x04trasig zip"), ["Filen är inte en XLSX-fil som går att läsa."])
        self.assertEqual(
            self.refused(b"\x00\x01\x02", "plan.csv"),
            ["Filen är varken en XLSX-fil eller en CSV-fil som går att läsa."],
        )

    def test_personal_data_in_a_comment_is_refused(self) -> None:
        errors = self.refused(self.edited({(self.watch.pk, "Kommentar"): "Ring 070-123 45 67"}))
        self.assertEqual(len(errors), 1)
        self.assertTrue(errors[0].startswith("plan.xlsx, rad 2, kommentar:"), errors)

    def test_a_comment_needs_an_open_round(self) -> None:
        rows = [row[:7] for row in sheet_rows(self.exported())]  # a file without the round
        rows[1][6] = "Bra"
        FollowUpRound.objects.update(status=FollowUpRound.Status.CLOSED)
        errors = self.refused(workbook(rows))
        self.assertEqual(
            errors, ["plan.xlsx, rad 2, kommentar: det finns ingen pågående uppföljning att skriva kommentaren i."]
        )


class RoundTest(BulkCase):
    """The comments go to the round the file was exported from, never silently to another."""

    def test_a_file_from_a_round_since_closed_is_refused(self) -> None:
        data = self.edited({(self.watch.pk, "Kommentar"): "Grannsamverkan startade i maj."})
        FollowUpRound.objects.filter(pk=self.round.pk).update(status=FollowUpRound.Status.CLOSED)
        later = FollowUpRound.objects.get(lofte=self.lofte, label="2024 H2")  # the current round now
        errors = self.refused(data, "atgardsplan-mjolby.xlsx")
        self.assertEqual(
            errors,
            [
                "atgardsplan-mjolby.xlsx, rad 2, uppföljning: filen är hämtad för uppföljningen 2024 H1, som är "
                "avslutad; kommentarerna kan inte läsas in i en annan uppföljning. Hämta åtgärdsplanen igen för den "
                "uppföljning som pågår."
            ],
        )
        self.assertFalse(PromiseReport.objects.filter(round=later).exists())
        # The plan downloaded again names the round now open, and its comment goes there.
        rows = sheet_rows(self.exported())
        self.assertEqual(rows[1][7], f"2024 H2 (id {later.pk})")
        rows[1][6] = "Grannsamverkan startade i maj."
        preview = self.preview(workbook(rows))
        self.assertEqual((preview.round_id, preview.round_label), (later.pk, "2024 H2"))
        do_import_plan(self.access(), self.lofte, preview, actor=self.samordnare)
        self.assertEqual(PromiseReport.objects.get(round=later, promise=self.watch).comment, rows[1][6])
        self.assertFalse(PromiseReport.objects.filter(round=self.round).exists())

    def test_a_round_closed_after_the_preview_is_refused(self) -> None:
        preview = self.preview(self.edited({(self.watch.pk, "Kommentar"): "Klart."}))
        self.assertEqual(preview.round_id, self.round.pk)
        FollowUpRound.objects.filter(pk=self.round.pk).update(status=FollowUpRound.Status.CLOSED)
        with self.assertRaisesMessage(FollowUpRefused, "Uppföljningen är avslutad"):
            do_import_plan(self.access(), self.lofte, preview, actor=self.samordnare)
        self.assertFalse(PromiseReport.objects.exists())

    def test_rows_must_name_one_round_of_this_lofte(self) -> None:
        other = Medborgarlofte.objects.create(
            agreement=self.agreement, title="Löfte 2026", year_from=2026, year_to=2026
        )
        stranger = FollowUpRound.objects.create(
            lofte=other,
            label="2026 H1",
            period_start=date(2026, 1, 1),
            period_end=date(2026, 6, 30),
            due_on=date(2026, 8, 14),
        )
        later = FollowUpRound.objects.get(lofte=self.lofte, label="2024 H2")
        rows = sheet_rows(self.exported())
        rows[1][7] = f"2026 H1 (id {stranger.pk})"
        rows[2][7] = f"2024 H2 (id {later.pk})"
        self.assertEqual(
            self.refused(workbook(rows)),
            [
                f"plan.xlsx, rad 2, uppföljning: ”2026 H1 (id {stranger.pk})” är ingen uppföljning av det här "
                "medborgarlöftet.",
                "plan.xlsx, rad 4, uppföljning: raden hör till uppföljningen 2024 H1, men filen i övrigt till 2024 H2.",
            ],
        )
        rows = sheet_rows(self.exported())
        rows[3][7] = ""
        self.assertEqual(
            self.refused(workbook(rows)),
            ["plan.xlsx, rad 4, uppföljning: saknas; filen i övrigt hör till uppföljningen 2024 H1."],
        )

    def test_a_file_without_the_round_reads_status_but_no_comment(self) -> None:
        csv = f"id;Status;Framsteg;Kommentar\n{self.watch.pk};Pågår;;Ny kommentar\n".encode()
        self.assertEqual(
            self.refused(csv, "plan.csv"),
            [
                "plan.csv, rad 2, kommentar: filen säger inte vilken uppföljning kommentaren hör till. Hämta "
                "åtgärdsplanen igen, så följer uppföljningen med i filen."
            ],
        )
        preview = self.preview(f"id;Status;Framsteg;Kommentar\n{self.watch.pk};Pågår;;\n".encode(), "plan.csv")
        self.assertEqual((preview.round_id, [c.after for c in preview.changes]), (None, [("pagar", None, "")]))


class PagesTest(BulkCase):
    def upload(self, client: Any, data: bytes, name: str = "plan.xlsx") -> Any:
        return client.post(url("plan_import", lofte=self.lofte.pk), {"file": SimpleUploadedFile(name, data)})

    def test_upload_preview_confirm(self) -> None:
        client = self.client_for(self.polis)
        self.assertContains(client.get(url("plan_import", lofte=self.lofte.pk)), "Visa vad som ändras")
        before = self.state()
        preview = self.upload(client, self.edited({(self.patrol.pk, "Status"): "Pågår"}))
        self.assertContains(preview, "Spara ändringen av 1 löfte")
        self.assertContains(preview, "<td>Ej påbörjad</td><td>Pågår</td>", html=True)
        self.assertEqual(self.state(), before)
        confirmed = client.post(url("plan_confirm", lofte=self.lofte.pk), follow=True)
        self.assertContains(confirmed, "1 löfte är uppdaterat.")
        self.assertEqual(Promise.objects.get(pk=self.patrol.pk).status, "pagar")
        again = client.post(url("plan_confirm", lofte=self.lofte.pk), follow=True)
        self.assertContains(again, "Det finns ingen inläst fil att bekräfta.")

    def test_a_malformed_file_is_shown_with_its_errors(self) -> None:
        client = self.client_for(self.samordnare)
        before = self.state()
        response = self.upload(client, self.edited({(self.patrol.pk, "Framsteg (%)"): 140}))
        self.assertContains(
            response, "plan.xlsx, rad 3, framsteg: ”140” är inget heltal mellan 0 och 100.", status_code=400
        )
        self.assertContains(response, "ingenting ändrades", status_code=400)
        self.assertNotContains(response, "Spara ändring", status_code=400)
        self.assertEqual(self.state(), before)

    def test_readers_cannot_import(self) -> None:
        client = self.client_for(self.viewer)
        self.assertEqual(self.upload(client, self.exported()).status_code, 403)
        self.assertEqual(client.post(url("plan_confirm", lofte=self.lofte.pk)).status_code, 403)
