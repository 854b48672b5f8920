"""EST reporting on the web: the report form (several incidents in a sitting, photos, personal data, places), the
reporter's own reports, one report with its timeline and photo, and the e-mail a reporter gets back."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from lofte.accounts.models import User
from lofte.analysis.est import STOCKHOLM
from lofte.areas.models import Area
from lofte.est import wallclock
from lofte.est.intake import IncidentInput, IncidentRefused, report_incidents
from lofte.est.models import Category, Incident, RoutingRule
from lofte.est.queries import categories_of
from lofte.est.reporting.forms import IncidentForm, ReportChoices
from lofte.est.status import change_status
from lofte.est.tasks import send_notification
from lofte.lib.actors import SystemActor
from lofte.lib.pii import find_personal_data
from lofte.partnerships.access import PartnershipAccess, get_partnership_for_user
from lofte.partnerships.actions import do_create_organisation
from tests.axe import problems as structure_problems
from tests.base import BaseTestCase, Kind, Role, make_user
from tests.cases import EST, TemporaryMedia, route, stored_text_columns

NOW = "2026-05-20 12:00 +02:00"  # every test here runs on this fixed moment (the clock stands still)

MJOLBY = (58.3255, 15.1273)
MULLSJO = (57.9167, 13.8786)
PERSONNUMMER = "19121212-1212"


def url(name: str, *args: Any, slug: str = "mjolby") -> str:
    return reverse(route(name, EST), args=[slug, *args])


def local_moment(delta: timedelta = timedelta(hours=-1)) -> datetime:
    """The moment `delta` from now in Swedish time. The arithmetic is on the moment, not on the clock: an hour
    before 03:30 on the spring night is 01:30, not 02:30 (which never happened)."""
    return timezone.localtime(timezone.now() + delta)


def local_time(delta: timedelta = timedelta(hours=-1)) -> str:
    """The clock time `delta` from now as the form's field shows it."""
    return local_moment(delta).strftime("%Y-%m-%dT%H:%M")


def wall(text: str) -> datetime:
    """A clock time without an offset, as a reporter types it."""
    return datetime.fromisoformat(text)


def formset_data(*incidents: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "form-TOTAL_FORMS": str(len(incidents)),
        "form-INITIAL_FORMS": "0",
        "form-MIN_NUM_FORMS": "1",
        "form-MAX_NUM_FORMS": "20",
    }
    for index, incident in enumerate(incidents):
        data.update({f"form-{index}-{name}": value for name, value in incident.items()})
    return data


def photo_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), "red")
    exif = Image.Exif()
    exif[0x010F] = "Kamera AB"
    exif[0x8825] = {1: "N", 2: (58.0, 19.0, 32.0), 3: "E", 4: (15.0, 7.0, 38.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


@time_machine.travel(NOW, tick=False)
class ReportingCase(TemporaryMedia, BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.categories = {c.code: c for c in categories_of(self.partnership_a)}

    def incident(self, code: str = "skadegorelse.klotter", **fields: Any) -> dict[str, Any]:
        moment = local_moment()
        values = {
            "category": self.categories[code].pk,
            "occurred_at": moment.strftime("%Y-%m-%dT%H:%M"),
            "occurred_fold": str(moment.fold),  # which of a repeated hour; the form ignores it otherwise
            "latitude": MJOLBY[0],
            "longitude": MJOLBY[1],
        }
        return {**values, **fields}

    def access(self, user: User) -> PartnershipAccess:
        return get_partnership_for_user(user, "mjolby")

    def report_as(self, user: User, **fields: Any) -> Incident:
        item = IncidentInput(
            category=self.categories[fields.pop("code", "skadegorelse.klotter")],
            occurred_at=timezone.now() - timedelta(hours=2),
            latitude=MJOLBY[0],
            longitude=MJOLBY[1],
            **fields,
        )
        access = self.access(user)
        organisation = user.memberships.filter(organisation__partnerships=self.partnership_a).first().organisation
        (incident,) = report_incidents(
            access.partnership, [item], reporter=user, organisation=organisation, actor=user, source="web"
        )
        return incident


class ReportFormTest(ReportingCase):
    def test_it_shows_the_form_with_grouped_leaf_categories_and_the_time_now(self) -> None:
        response = self.client_for(self.reporter).get(url("report"))
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn('<optgroup label="Skadegörelse">', html)
        self.assertIn(f'<option value="{self.categories["skadegorelse.klotter"].pk}">Klotter</option>', html)
        # A main category with parts is a group, never an option; one without parts is an option.
        self.assertNotIn(f'<option value="{self.categories["skadegorelse"].pk}">', html)
        self.assertIn(f'<option value="{self.categories["anlagd_brand"].pk}">Anlagd brand</option>', html)
        self.assertIn('type="datetime-local"', html)
        self.assertIn(f'value="{timezone.localtime():%Y-%m-%dT}', html)
        self.assertIn('accept="image/*"', html)
        self.assertIn("Skriv inte namn på enskilda personer.", html)
        self.assertIn('<template id="incident-template">', html)
        self.assertEqual(structure_problems(html), [])

    # 03:30 summer time on the spring night: an hour earlier the clock said 01:30 (the 400 came from 02:30).
    @time_machine.travel(datetime(2027, 3, 28, 1, 30, tzinfo=UTC), tick=False)
    def test_it_offers_the_kommuns_own_areas(self) -> None:
        centrum = Area.objects.create(code="0586-centrum", name="Centrum", kind="distrikt", parent=self.kommun_a)
        Area.objects.create(code="0642-centrum", name="Mullsjö centrum", kind="distrikt", parent=self.kommun_b)
        response = self.client_for(self.reporter).get(url("report"))
        self.assertContains(response, f'<option value="{centrum.pk}">Centrum</option>', html=True)
        self.assertNotContains(response, "Mullsjö centrum")
        data = formset_data(self.incident(latitude="", longitude="", area=centrum.pk))
        self.assertEqual(self.client_for(self.reporter).post(url("report"), data).status_code, 302)
        self.assertEqual(Incident.objects.get().area, centrum)

    def test_it_reports_one_incident(self) -> None:
        client = self.client_for(self.reporter)
        data = formset_data(
            self.incident(
                description="Klotter på hela gaveln.",
                persons="2",
                unsafety="4",
                police_report_number="k123456-24",
                place_name="Stationsparken",
            )
        )
        response = client.post(url("report"), data, follow=True)
        self.assertRedirects(response, url("mine"))
        self.assertContains(response, "1 händelse rapporterad.")
        incident = Incident.objects.get()
        self.assertEqual(incident.category.code, "skadegorelse.klotter")
        self.assertEqual((incident.latitude, incident.longitude), MJOLBY)
        self.assertEqual(incident.reporter, self.reporter)
        self.assertEqual(incident.organisation, self.housing_a)
        self.assertEqual((incident.persons, incident.unsafety), (2, 4))
        self.assertEqual(incident.police_report_number, "K123456-24")
        self.assertEqual(incident.place_name, "Stationsparken")
        self.assertFalse(incident.anonymous)
        self.assertEqual(timezone.localtime(incident.occurred_at).strftime("%Y-%m-%dT%H:%M"), local_time())
        self.assertEqual(list(incident.updates.values_list("status", flat=True)), ["mottagen"])
        self.assertContains(response, "Stationsparken")

    def test_it_reports_three_incidents_in_one_sitting(self) -> None:
        data = formset_data(
            self.incident(),
            self.incident("otrygg_plats.belysning", latitude="", longitude="", address="Storgatan 1"),
            self.incident("samling.trapphus", persons="5", anonymous="on"),
        )
        response = self.client_for(self.reporter).post(url("report"), data, follow=True)
        self.assertContains(response, "3 händelser rapporterade.")
        codes = list(Incident.objects.order_by("id").values_list("category__code", "anonymous"))
        self.assertEqual(
            codes, [("skadegorelse.klotter", False), ("otrygg_plats.belysning", False), ("samling.trapphus", True)]
        )

    def test_it_skips_a_form_left_blank_but_not_the_first(self) -> None:
        client = self.client_for(self.reporter)
        blank = {"category": "", "occurred_at": local_time(), "latitude": "", "longitude": ""}
        response = client.post(url("report"), formset_data(self.incident(), blank))
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Incident.objects.count(), 1)
        response = client.post(url("report"), formset_data(blank))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.context["formset"].forms[0].errors["category"], ["Välj vad som hände."])
        self.assertEqual(Incident.objects.count(), 1)

    def test_it_adds_a_form_without_script_keeping_what_was_typed(self) -> None:
        data = formset_data(self.incident(description="Krossad ruta i busskuren."))
        data["add"] = "1"
        data["form-0-photo"] = SimpleUploadedFile("foto.jpg", photo_with_gps(), content_type="image/jpeg")
        response = self.client_for(self.reporter).post(url("report"), data)
        self.assertEqual(response.status_code, 200)
        formset = response.context["formset"]
        self.assertEqual(formset.total_form_count(), 2)
        self.assertFalse(formset.is_bound)
        self.assertContains(response, "Krossad ruta i busskuren.")
        self.assertContains(response, 'id="handelse-2"')
        self.assertNotContains(response, "errorlist")
        self.assertContains(response, "Välj fotona igen")
        self.assertEqual(Incident.objects.count(), 0)

    def test_it_asks_where_it_happened(self) -> None:
        data = formset_data(self.incident(latitude="", longitude=""))
        response = self.client_for(self.reporter).post(url("report"), data)
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Ange var det hände", status_code=400)
        self.assertFalse(Incident.objects.exists())

    def test_it_refuses_a_place_outside_the_kommun_on_the_right_form(self) -> None:
        data = formset_data(self.incident(), self.incident(latitude=MULLSJO[0], longitude=MULLSJO[1]))
        response = self.client_for(self.reporter).post(url("report"), data)
        self.assertEqual(response.status_code, 400)
        forms = response.context["formset"].forms
        self.assertEqual(forms[0].errors, {})
        self.assertEqual(forms[1].errors["latitude"], ["Platsen ligger utanför Mjölby."])
        self.assertEqual(response.context["failed"], [2])
        self.assertContains(response, "Platsen ligger utanför Mjölby.", status_code=400)
        self.assertFalse(Incident.objects.exists())

    def test_it_refuses_a_time_in_the_future_naming_the_field(self) -> None:
        data = formset_data(self.incident(occurred_at=local_time(timedelta(days=2))))
        response = self.client_for(self.reporter).post(url("report"), data)
        self.assertEqual(response.context["formset"].forms[0].errors["occurred_at"], ["Tiden ligger i framtiden."])

    @time_machine.travel(datetime(2026, 5, 20, 14, 0, tzinfo=STOCKHOLM), tick=False)
    def test_an_upcoming_arrangemang_may_lie_up_to_a_year_ahead(self) -> None:
        client = self.client_for(self.reporter)
        match_day = formset_data(self.incident("arrangemang", occurred_at="2026-06-06T18:00"))
        self.assertEqual(client.post(url("report"), match_day).status_code, 302)
        incident = Incident.objects.get()
        self.assertEqual(incident.occurred_at, datetime(2026, 6, 6, 18, 0, tzinfo=STOCKHOLM))
        too_far = formset_data(self.incident("arrangemang", occurred_at="2027-06-06T18:00"))
        response = client.post(url("report"), too_far)
        self.assertEqual(
            response.context["formset"].forms[0].errors["occurred_at"],
            ["Ett kommande arrangemang kan rapporteras högst ett år i förväg."],
        )
        klotter = formset_data(self.incident(occurred_at="2026-06-06T18:00"))
        response = client.post(url("report"), klotter)
        self.assertEqual(response.context["formset"].forms[0].errors["occurred_at"], ["Tiden ligger i framtiden."])
        self.assertEqual(Incident.objects.count(), 1)

    @time_machine.travel(datetime(2026, 5, 20, 14, 0, tzinfo=STOCKHOLM), tick=False)
    def test_a_partnerships_own_part_of_arrangemang_may_lie_ahead_too(self) -> None:
        parent = self.categories["arrangemang"]
        own = Category.objects.create(
            partnership=self.partnership_a, code="egen.skolavslutning", name="Skolavslutning", parent=parent
        )
        party = self.categories["ordning.brak"]
        for category, refused in ((own, None), (party, "Tiden ligger i framtiden.")):
            item = IncidentInput(category, timezone.now() + timedelta(days=20), MJOLBY[0], MJOLBY[1])
            with self.subTest(category.code):
                try:
                    report_incidents(
                        self.partnership_a,
                        [item],
                        reporter=None,
                        organisation=None,
                        actor=SystemActor("test"),
                        source="open311",
                    )
                except IncidentRefused as refusal:
                    self.assertEqual((str(refusal), refusal.field), (refused, "occurred_at"))
                else:
                    self.assertIsNone(refused)
        self.assertEqual(list(Incident.objects.values_list("category", flat=True)), [own.pk])


class ClockChangeTest(ReportingCase):
    """The nights the clocks change: a repeated time is asked about, a skipped one is refused in plain Swedish."""

    def post(self, **fields: Any) -> Any:
        return self.client_for(self.reporter).post(url("report"), formset_data(self.incident(**fields)))

    @time_machine.travel(datetime(2026, 10, 25, 3, 30, tzinfo=STOCKHOLM), tick=False)
    def test_it_asks_which_of_the_repeated_hour_is_meant(self) -> None:
        response = self.post(occurred_at="2026-10-25T02:30", occurred_fold="")
        self.assertEqual(response.status_code, 400)
        errors = response.context["formset"].forms[0].errors
        self.assertEqual(
            errors["occurred_fold"],
            [
                "Klockan 02:30 fanns två gånger den 2026-10-25, eftersom klockan ställdes tillbaka en timme till "
                "vintertid. Välj vilken gång du menar."
            ],
        )
        self.assertContains(response, "Första gången (sommartid)", status_code=400)
        self.assertContains(response, "Andra gången (vintertid)", status_code=400)
        self.assertEqual(structure_problems(response.content.decode()), [])
        self.assertFalse(Incident.objects.exists())

        self.assertEqual(self.post(occurred_at="2026-10-25T02:30", occurred_fold="0").status_code, 302)
        self.assertEqual(self.post(occurred_at="2026-10-25T02:30", occurred_fold="1").status_code, 302)
        stored = list(Incident.objects.order_by("id").values_list("occurred_at", flat=True))
        self.assertEqual(stored, [datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC)])

    @time_machine.travel(datetime(2026, 10, 25, 3, 30, tzinfo=STOCKHOLM), tick=False)
    def test_it_does_not_ask_about_an_ordinary_time(self) -> None:
        response = self.post(occurred_at="2026-10-25T01:59")
        self.assertEqual(response.status_code, 302)
        self.assertNotContains(self.client_for(self.reporter).get(url("report")), "Vilken gång?")
        self.assertEqual(Incident.objects.get().occurred_at, datetime(2026, 10, 24, 23, 59, tzinfo=UTC))

    def test_in_the_repeated_hour_the_form_offers_now_with_the_question_answered(self) -> None:
        for moment, fold in (
            (datetime(2026, 10, 25, 0, 40, tzinfo=UTC), 0),
            (datetime(2026, 10, 25, 1, 40, tzinfo=UTC), 1),
        ):
            with self.subTest(fold=fold), time_machine.travel(moment, tick=False):
                client = self.client_for(self.reporter)
                page = client.get(url("report"))
                self.assertContains(page, 'value="2026-10-25T02:40"')
                self.assertContains(page, f'name="form-0-occurred_fold" value="{fold}"')
                self.assertEqual(page.context["formset"].forms[0]["occurred_fold"].value(), fold)
                data = self.incident(occurred_at="2026-10-25T02:40", occurred_fold=str(fold))
                self.assertEqual(client.post(url("report"), formset_data(data)).status_code, 302)
                self.assertEqual(Incident.objects.latest("id").occurred_at, moment)

    @time_machine.travel(datetime(2027, 3, 28, 4, 0, tzinfo=STOCKHOLM), tick=False)
    def test_it_refuses_a_time_the_clock_skipped_in_plain_swedish(self) -> None:
        response = self.post(occurred_at="2027-03-28T02:30")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.context["formset"].forms[0].errors["occurred_at"],
            [
                "Klockan 02:30 fanns inte den 2027-03-28: klockan ställdes fram från 02:00 till 03:00 (sommartid). "
                "Ange en tid före 02:00 eller från 03:00."
            ],
        )
        self.assertFalse(Incident.objects.exists())
        self.assertEqual(self.post(occurred_at="2027-03-28T03:00").status_code, 302)
        self.assertEqual(Incident.objects.get().occurred_at, datetime(2027, 3, 28, 1, 0, tzinfo=UTC))

    def test_the_clock_knows_which_times_happen_once_twice_or_never(self) -> None:
        cases = {
            "2026-10-25T02:30": wallclock.Kind.TWICE,
            "2026-10-25T02:00": wallclock.Kind.TWICE,
            "2026-10-25T03:00": wallclock.Kind.ONCE,
            "2026-10-25T01:59": wallclock.Kind.ONCE,
            "2027-03-28T02:00": wallclock.Kind.NEVER,
            "2027-03-28T02:59": wallclock.Kind.NEVER,
            "2027-03-28T03:00": wallclock.Kind.ONCE,
            "2028-02-29T02:30": wallclock.Kind.ONCE,
        }
        for text, expected in cases.items():
            with self.subTest(text):
                self.assertEqual(wallclock.kind(wall(text), STOCKHOLM), expected)
        self.assertEqual(
            wallclock.skipped(wall("2027-03-28T02:30"), STOCKHOLM),
            (wall("2027-03-28T02:00"), wall("2027-03-28T03:00")),
        )
        self.assertEqual(
            wallclock.instant(wall("2026-10-25T02:30"), STOCKHOLM, 1), datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
        )


class PersonalDataTest(ReportingCase):
    def test_the_number_is_a_valid_personnummer(self) -> None:
        self.assertEqual([f.kind for f in find_personal_data(PERSONNUMMER)], ["personnummer"])

    def test_the_form_itself_refuses_personal_data_and_reminds_not_to_name_people(self) -> None:
        choices = ReportChoices.for_partnership(self.partnership_a)
        data = formset_data(self.incident(description=f"Personnummer {PERSONNUMMER}", place_name="Vid 070-1234567"))
        form = IncidentForm(data, prefix="form-0", choices=choices)
        self.assertFalse(form.is_valid())
        self.assertEqual(form.errors.as_data()["description"][0].code, "personal_data")
        self.assertIn("ett telefonnummer", form.errors["place_name"][0])
        self.assertIn("Skriv inte namn på enskilda personer.", str(form["description"].help_text))

    def test_it_refuses_a_personnummer_in_the_form_and_in_the_action_and_stores_it_nowhere(self) -> None:
        text = f"Mannen med personnummer {PERSONNUMMER} sprejade."
        data = formset_data(self.incident(description=text))
        response = self.client_for(self.reporter).post(url("report"), data)
        self.assertEqual(response.status_code, 400)
        errors = response.context["formset"].forms[0].errors["description"]
        self.assertEqual(len(errors), 1)
        self.assertIn("ett personnummer", errors[0])
        self.assertIn("Ta bort det", errors[0])
        data = formset_data(self.incident(address=f"Storgatan 1, {PERSONNUMMER}"))
        response = self.client_for(self.reporter).post(url("report"), data)
        self.assertIn("Ta bort det", response.context["formset"].forms[0].errors["address"][0])

        item = IncidentInput(
            category=self.categories["skadegorelse.klotter"],
            occurred_at=timezone.now(),
            latitude=MJOLBY[0],
            longitude=MJOLBY[1],
            description=text,
        )
        with self.assertRaises(IncidentRefused) as refused:
            report_incidents(
                self.partnership_a, [item], reporter=self.reporter, organisation=None, actor=self.reporter, source="web"
            )
        self.assertEqual(refused.exception.field, "description")
        self.assertFalse(Incident.objects.exists())
        for needle in (PERSONNUMMER, "121212-1212", "1212121212"):
            self.assertEqual(stored_text_columns(needle), [], needle)

    def test_the_scan_would_find_the_number_if_it_were_stored(self) -> None:
        incident = self.report_as(self.reporter, description="Klotter")
        Incident.objects.filter(pk=incident.pk).update(description=f"x {PERSONNUMMER}")
        self.assertEqual(stored_text_columns("121212-1212"), ["est.Incident.description"])


class PhotoTest(ReportingCase):
    def upload(self, content: bytes, name: str = "foto.jpg", content_type: str = "image/jpeg") -> Any:
        data = formset_data(self.incident())
        data["form-0-photo"] = SimpleUploadedFile(name, content, content_type=content_type)
        return self.client_for(self.reporter).post(url("report"), data)

    def test_it_stores_the_photo_without_exif_and_gps(self) -> None:
        original = photo_with_gps()
        self.assertEqual(Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)[1], "N")
        self.assertEqual(self.upload(original).status_code, 302)
        incident = Incident.objects.get()
        with incident.photo.open("rb") as handle:
            stored = handle.read()
        image = Image.open(io.BytesIO(stored))
        self.assertEqual(image.format, "JPEG")
        self.assertEqual(dict(image.getexif()), {})
        self.assertEqual(image.getexif().get_ifd(0x8825), {})
        self.assertNotIn("exif", image.info)
        self.assertNotIn(b"Kamera AB", stored)

        response = self.client_for(self.reporter).get(url("photo", incident.pk))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "image/jpeg")
        self.assertEqual(response["Cache-Control"], "no-store, private, max-age=0")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertEqual(b"".join(response.streaming_content), stored)
        page = self.client_for(self.reporter).get(url("incident", incident.pk))
        self.assertContains(page, f'src="{url("photo", incident.pk)}"')

    @override_settings(LOFTE_EST_PHOTO_MAX_BYTES=1000)
    def test_it_refuses_a_photo_too_large_naming_the_field(self) -> None:
        response = self.upload(photo_with_gps() + b"\0" * 1000)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.context["formset"].forms[0].errors["photo"], ["Fotot är för stort (0,0 MB); högst 0,0 MB."]
        )
        self.assertFalse(Incident.objects.exists())

    def test_it_refuses_a_file_that_is_not_an_image_naming_the_field(self) -> None:
        response = self.upload(b"%PDF-1.4 inte en bild", name="rapport.pdf", content_type="image/jpeg")
        self.assertEqual(response.status_code, 400)
        errors = response.context["formset"].forms[0].errors["photo"]
        self.assertEqual(len(errors), 1)
        self.assertIn("rapport.pdf går inte att läsa som en bild", errors[0])
        self.assertFalse(Incident.objects.exists())

    def test_it_serves_no_photo_when_there_is_none(self) -> None:
        incident = self.report_as(self.reporter)
        self.assertEqual(self.client_for(self.reporter).get(url("photo", incident.pk)).status_code, 404)


class WhoMayTest(ReportingCase):
    def test_only_members_who_may_report_get_the_form(self) -> None:
        expected = {"samordnare": 200, "polis": 200, "reporter": 200, "viewer": 403, "samordnare_b": 404}
        for persona, status in expected.items():
            with self.subTest(persona):
                self.assertEqual(self.client_for(self.personas[persona]).get(url("report")).status_code, status)
                self.assertEqual(self.client_for(self.personas[persona]).get(url("mine")).status_code, status)
        response = self.client_for(None).get(url("report"))
        self.assertRedirects(
            response, f"{reverse('accounts:login')}?next={url('report')}", fetch_redirect_response=False
        )

    def test_a_reader_cannot_post_a_report(self) -> None:
        response = self.client_for(self.viewer).post(url("report"), formset_data(self.incident()))
        self.assertEqual(response.status_code, 403)
        response = self.client_for(self.samordnare_b).post(url("report"), formset_data(self.incident()))
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Incident.objects.exists())

    def test_the_reporter_sees_their_report_and_its_timeline_and_others_do_not(self) -> None:
        incident = self.report_as(self.reporter, description="Klotter på gaveln", photo=photo_with_gps())
        school = do_create_organisation(
            name="Mjölby gymnasium", kind=Kind.SKOLA, area=self.kommun_a, actor=SystemActor("test")
        )
        self.partnership_a.organisations.add(school)
        teacher = make_user("larare@a.example", "Lena Lärare", school, Role.RAPPORTOR)
        change_status(
            incident, "granskad", actor=self.samordnare, access=self.access(self.samordnare), note="Vi tittar"
        )

        page = self.client_for(self.reporter).get(url("incident", incident.pk))
        self.assertContains(page, "Klotter på gaveln")
        self.assertContains(page, "Rut Rapportör")
        self.assertContains(page, "Mottagen")
        self.assertContains(page, "Vi tittar")
        self.assertContains(page, "Bostadsbolaget i Mjölby AB")
        self.assertContains(page, 'data-lat="58.3255"')
        self.assertEqual(structure_problems(page.content.decode()), [])
        for user, status in ((teacher, 404), (self.viewer, 404), (self.samordnare_b, 404), (self.polis, 200)):
            with self.subTest(user.email):
                client = self.client_for(user)
                self.assertEqual(client.get(url("incident", incident.pk)).status_code, status)
                self.assertEqual(client.get(url("photo", incident.pk)).status_code, status)
        self.assertNotContains(self.client_for(teacher).get(url("mine")), "Klotter på gaveln")

    def test_an_anonymous_reporters_name_is_shown_only_to_reviewers(self) -> None:
        school = do_create_organisation(
            name="Mjölby gymnasium", kind=Kind.SKOLA, area=self.kommun_a, actor=SystemActor("test")
        )
        self.partnership_a.organisations.add(school)
        teacher = make_user("larare@a.example", "Lena Lärare", school, Role.RAPPORTOR)
        RoutingRule.objects.create(partnership=self.partnership_a, organisation=school)
        incident = self.report_as(self.reporter, anonymous=True)
        self.assertEqual(incident.routed_to, school)
        self.assertContains(self.client_for(self.samordnare).get(url("incident", incident.pk)), "Rut Rapportör")
        self.assertContains(self.client_for(self.reporter).get(url("incident", incident.pk)), "Rut Rapportör")
        routed = self.client_for(teacher).get(url("incident", incident.pk))
        self.assertEqual(routed.status_code, 200)
        self.assertNotContains(routed, "Rut Rapportör")
        self.assertContains(routed, "Namnet är dolt")


class FeedbackTest(ReportingCase):
    def test_the_reporter_gets_one_email_on_a_status_change_and_sees_it_on_their_page(self) -> None:
        incident = self.report_as(self.reporter)
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            update = change_status(
                incident, "granskad", actor=self.samordnare, access=self.access(self.samordnare), note="Tack!"
            )
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, [self.reporter.email])
        self.assertIn("Granskad", message.subject)
        self.assertIn("Status: Granskad", message.body)
        self.assertIn("Kommentar: Tack!", message.body)
        self.assertIn(url("incident", incident.pk), message.body)
        self.assertFalse(send_notification(update.pk))
        self.assertEqual(len(mail.outbox), 1)

        page = self.client_for(self.reporter).get(url("mine"))
        self.assertContains(page, '<span class="status status-granskad">Granskad</span>', html=True)
        self.assertContains(page, "Tack!")
        self.assertEqual(structure_problems(page.content.decode()), [])

    def test_the_reporters_page_lists_only_their_reports_newest_first(self) -> None:
        first = self.report_as(self.reporter, place_name="Första platsen")
        second = self.report_as(self.reporter, place_name="Andra platsen")
        self.report_as(self.polis, place_name="Polisens plats")
        incidents = self.client_for(self.reporter).get(url("mine")).context["incidents"]
        self.assertEqual([i.pk for i in incidents], [second.pk, first.pk])

    def test_the_reporters_page_reads_in_a_fixed_number_of_queries(self) -> None:
        # Session, user, partnership, roles, the count and the page of reports with their latest notes.
        client = self.client_for(self.reporter)
        self.report_as(self.reporter)
        with self.assertNumQueries(6):
            self.assertEqual(client.get(url("mine")).status_code, 200)
        centrum = Area.objects.create(code="0586-c", name="Centrum", kind="distrikt", parent=self.kommun_a)
        access = self.access(self.samordnare)
        for n in range(30):
            incident = self.report_as(self.reporter, code="samling.trapphus", area=centrum)
            change_status(incident, "granskad", actor=self.samordnare, access=access, note=f"Anteckning {n}")
        with self.assertNumQueries(6):
            response = client.get(url("mine"))
        self.assertContains(response, "Anteckning 29")
        self.assertContains(response, "Centrum")
        self.assertContains(response, 'rel="next"')
        with self.assertNumQueries(6):
            older = client.get(url("mine"), {"sida": 2})
        self.assertEqual(len(older.context["incidents"]), 6)
