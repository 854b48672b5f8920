from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import loader
from django.test import Client, override_settings
from django.test.signals import template_rendered
from django.utils import timezone

from lofte.accounts.tokens import do_create_access_token
from lofte.lib.actors import SystemActor
from lofte.partnerships.actions import do_add_membership
from lofte.statistics.actions import do_import
from tests.base import BaseTestCase

NOW = "2026-05-20 12:00 +02:00"  # every test here runs on this fixed moment (the clock stands still)

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "lofte" / "templates"


def all_templates() -> set[str]:
    return {str(p.relative_to(TEMPLATE_DIR)) for p in TEMPLATE_DIR.rglob("*") if p.suffix in {".html", ".txt"}}


@time_machine.travel(NOW, tick=False)
class EveryTemplateTest(BaseTestCase):
    @override_settings(AXES_FAILURE_LIMIT=1)
    def test_it_renders_every_template(self) -> None:
        rendered: set[str] = set()

        def remember(sender: Any, template: Any, **kwargs: Any) -> None:
            rendered.add(template.name)

        template_rendered.connect(remember)
        try:
            self.tour()
            # Rendered without a request, as handler500 and handler400 do, and the full store's page
            # (core/storage.py: tests/test_storage_failures.py makes a write fail for it).
            for name in ("500.html", "400.html", "413.html", "errors/storage.html"):
                loader.get_template(name).render({})
        finally:
            template_rendered.disconnect(remember)
        self.assertEqual(all_templates() - rendered, set(), "Add a request that renders these templates")

    def tour_tokens(self, samordnare: Client) -> None:
        """API keys: a new one shown once, the lists (with another member's key) and the question before revoking."""
        token, _plaintext = do_create_access_token(
            name="Skript",
            partnership=self.partnership_a,
            access="read",
            expires_on=timezone.localdate() + timedelta(days=30),
            actor=self.reporter,
        )
        data = {"name": "Power BI", "partnership": self.partnership_a.pk, "access": "read"}
        data["expires_on"] = (timezone.localdate() + timedelta(days=30)).isoformat()
        self.assertContains(samordnare.post("/konto/nycklar/", data), "lofte_pat_")
        self.assertEqual(samordnare.get(f"/konto/nycklar/{token.pk}/aterkalla/").status_code, 200)

    def tour(self) -> None:
        anonymous = self.client_for(None)
        for url in ("/", "/kommun/0586/", "/omraden/", "/omraden/0586/", "/konto/logga-in/", "/finns-inte/"):
            anonymous.get(url)
        anonymous.get("/konto/signup/")  # says that accounts come by invitation
        with self.captureOnCommitCallbacks(execute=True):
            anonymous.post("/konto/losenord/glomt/", {"email": "lasare@a.example"})
        for url in ("/konto/losenord/glomt/", "/konto/losenord/glomt/skickat/", "/konto/losenord/aterstallt/"):
            anonymous.get(url)
        anonymous.get("/konto/losenord/aterstall/MQ/fel-token/")
        anonymous.post("/konto/logga-in/", {"login": "lasare@a.example", "password": "fel"})
        self.assertEqual(
            anonymous.post("/konto/logga-in/", {"login": "lasare@a.example", "password": "fel"}).status_code, 429
        )
        samordnare = self.client_for(self.samordnare)
        for url in (
            "/samverkan/mjolby/",
            "/samverkan/mjolby/parter/",
            "/konto/profil/",
            "/konto/losenord/byt/",
            "/konto/2fa/",  # django-allauth's pages, in Löfte's layout
            "/konto/logga-ut-overallt/",
            "/omraden/0586/",
            "/samverkan/mjolby/gallring/",
        ):
            self.assertEqual(samordnare.get(url).status_code, 200, url)
        self.assertEqual(self.client_for(self.staff).get("/drift/gallring/").status_code, 200)
        self.assertEqual(self.client_for(self.viewer).post("/omraden/0586/ladda-upp/").status_code, 403)
        self.tour_tokens(samordnare)
        self.tour_statistics(self.client_for(self.staff))  # Brå's files are official: an operator imports them
        self.assertEqual(self.client_for(self.staff).get("/drift/jobb/").status_code, 200)  # the operator's jobs
        self.tour_subjects(self.client_for(self.staff))
        self.assertEqual(samordnare.get("/statistik/importer/").status_code, 200)
        yearly = (
            TEMPLATE_DIR.parent
            / "statistics/sources/bra_csv/fixtures/bra_anmalda_brott_arsvis_motala_mjolby_mullsjo.csv"
        )
        do_import(yearly.read_bytes(), yearly.name, actor=SystemActor("test"))
        self.assertContains(samordnare.get("/lagesbild/0586/"), "Utveckling över tid")
        self.tour_lagesbild(samordnare)
        self.tour_dialogues(samordnare)
        self.tour_promises(samordnare)
        self.tour_followup(samordnare)
        self.tour_public()
        self.tour_est(samordnare)
        self.tour_citizens(samordnare)
        self.tour_people(samordnare)
        do_add_membership(self.polis, self.kommun_org_b, "polis", actor=SystemActor("test"))
        self.assertEqual(self.client_for(self.polis).get("/samverkan/").status_code, 200)

    def tour_people(self, client: Any) -> None:
        from lofte.lib.tables import to_csv

        for email in ("ny@mjolby.example", self.polis.email):
            invite = {"full_name": "Nora Ny", "email": email, "role": "lasare", "organisation": self.housing_a.pk}
            with self.captureOnCommitCallbacks(execute=True):
                client.post("/samverkan/mjolby/personer/bjud-in/", invite)
        from allauth.mfa.models import Authenticator

        # A member with a second factor gets the samordnare's reset button.
        Authenticator.objects.create(user=self.polis, type=Authenticator.Type.TOTP, data={})
        for url in ("/samverkan/mjolby/personer/", "/samverkan/mjolby/personer/bjud-in/"):
            self.assertEqual(client.get(url).status_code, 200, url)
        rows = [["Ola Två", "ola@mjolby.example", "Mjölby kommun", "Läsare"]]
        upload = SimpleUploadedFile("personer.csv", to_csv(["namn", "e-post", "organisation", "roll"], rows))
        self.assertEqual(client.post("/samverkan/mjolby/personer/bjud-in/fil/", {"file": upload}).status_code, 200)
        paths = {}
        for message in mail.outbox:
            if "/konto/inbjudan/" in message.body:
                token = message.body.split("/konto/inbjudan/")[1].split("/")[0]
                paths[message.to[0]] = f"/konto/inbjudan/{token}/"
        self.assertEqual(self.client_for(None).get(paths["ny@mjolby.example"]).status_code, 200)
        other = self.client_for(self.viewer).get(paths[self.polis.email])
        self.assertEqual(other.status_code, 403)  # signed in as someone else
        self.assertEqual(self.client_for(None).get("/konto/inbjudan/finns-inte/").status_code, 404)

    def tour_est(self, client: Any) -> None:
        """EST: reporting, the reporter's own reports, review, routing, settings, the week and meetings."""
        from django.utils import timezone

        from lofte.est.intake import IncidentInput, report_incidents
        from lofte.est.models import Incident
        from lofte.est.queries import categories_of

        klotter = next(c for c in categories_of(self.partnership_a) if c.code == "skadegorelse.klotter")
        incident = report_incidents(
            self.partnership_a,
            [IncidentInput(klotter, timezone.now(), 58.3255, 15.1273, description="Klotter på gaveln.")],
            reporter=self.reporter,
            organisation=self.housing_a,
            actor=self.reporter,
            source=Incident.Source.WEB,
        )[0]
        est = "/samverkan/mjolby/est/"
        for url in ("", "granska/", f"granska/{incident.pk}/", "installningar/", f"rapporter/{incident.pk}/"):
            self.assertEqual(client.get(est + url).status_code, 200, url)
        with self.captureOnCommitCallbacks(execute=True):
            approved = client.post(f"{est}granska/{incident.pk}/godkann/", {"note": "Tack!"})
        self.assertEqual(approved.status_code, 302)
        reporter = self.client_for(self.reporter)
        for url in ("rapportera/", "mina/", "tilldelade/", f"rapporter/{incident.pk}/"):
            self.assertEqual(reporter.get(est + url).status_code, 200, url)
        year, week, _day = timezone.localdate().isocalendar()
        self.assertContains(client.get(f"{est}vecka/{year}/{week}/"), "Klotter")
        self.assertEqual(client.get(f"{est}vecka/{year}/{week}.pdf").status_code, 200)
        created = client.post(
            f"{est}moten/ny/", {"iso_year": year, "iso_week": week, "held_on": timezone.localdate().isoformat()}
        )
        self.assertEqual(created.status_code, 302)
        for url in ("moten/", "moten/ny/", created["Location"].removeprefix(est), "analys/"):
            self.assertEqual(client.get(est + url).status_code, 200, url)

    def tour_citizens(self, client: Any) -> None:
        """Warnings, advice, subscriptions, Grannsamverkan and citizens' tips (lofte.citizens)."""
        import datetime

        from django.utils import timezone

        from lofte.citizens import dispatch
        from lofte.citizens.models import Subscription, Warning
        from lofte.est.intake import IncidentInput, report_incidents
        from lofte.est.models import Incident
        from lofte.est.queries import categories_of
        from lofte.est.status import change_status
        from lofte.promises.models import FollowUpRound

        anonymous = self.client_for(None)
        # A subscriber first, so that the warning and the follow-up have someone to reach.
        self.assertContains(anonymous.get("/kommun/0586/prenumerera/"), "<form")
        with self.captureOnCommitCallbacks(execute=True):
            sent = anonymous.post(
                "/kommun/0586/prenumerera/",
                {"email": "invanare@example.org", "area": self.kommun_a.pk, "warnings": "on", "follow_ups": "on"},
            )
        self.assertEqual(sent.status_code, 200)
        token = Subscription.objects.get().token
        self.assertEqual(anonymous.get(f"/prenumeration/{token}/bekrafta/").status_code, 200)
        anonymous.post(f"/prenumeration/{token}/bekrafta/")

        members = "/samverkan/mjolby/invanare/"
        for url in ("varningar/", "varningar/ny/", "rad/", "rad/ny/", "grannsamverkan/"):
            self.assertEqual(client.get(members + url).status_code, 200, url)
        later = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
        warning = {"title": "Falska poliser ringer", "text": "Lägg på.", "category": "bedrageri", "valid_until": later}
        preview = client.post(members + "varningar/ny/", warning)
        self.assertEqual(preview.status_code, 302)
        self.assertContains(client.get(preview["Location"]), "Falska poliser ringer")
        with self.captureOnCommitCallbacks(execute=True):
            client.post(preview["Location"] + "publicera/")
        advice = {"title": "Lås cykeln", "slug": "las-cykeln", "body": "Lås cykeln i något fast."}
        created = client.post(members + "rad/ny/", advice)
        self.assertEqual(created.status_code, 302)
        self.assertEqual(client.get(created["Location"]).status_code, 200)
        client.post(created["Location"] + "publicera/")
        group = client.post(members + "grannsamverkan/", {"name": "Grannsamverkan Centrum", "area": self.kommun_a.pk})
        self.assertEqual(client.get(group["Location"]).status_code, 200)

        public = "/kommun/0586/"
        self.assertContains(anonymous.get(public), "Falska poliser ringer")
        for url in ("varningar/", "rad/", "rad/las-cykeln/", "tipsa/", "tipsa/tack/", "tips/"):
            self.assertEqual(anonymous.get(public + url).status_code, 200, url)
        pk = Warning.objects.get(title="Falska poliser ringer").pk
        self.assertEqual(anonymous.get(f"{public}varningar/{pk}/").status_code, 200)

        # A citizen's tip with an address for feedback hears of the review.
        belysning = next(c for c in categories_of(self.partnership_a) if c.code == "otrygg_plats.belysning")
        tip = report_incidents(
            self.partnership_a,
            [IncidentInput(belysning, timezone.now(), 58.3255, 15.1273, description="Lampan är trasig.")],
            reporter=None,
            organisation=None,
            actor=SystemActor("medborgare"),
            source=Incident.Source.CITIZEN,
            contact_email="tipsare@example.org",
        )[0]
        with self.captureOnCommitCallbacks(execute=True):
            change_status(tip, "granskad", actor=self.samordnare, access=None, note="Vi lagar den.")

        round_ = FollowUpRound.objects.order_by("pk").first()
        assert round_ is not None
        FollowUpRound.objects.filter(pk=round_.pk).update(status=FollowUpRound.Status.PUBLISHED)
        self.assertEqual(dispatch.deliver_follow_up(round_.pk, sleep=lambda seconds: None), 1)
        self.assertContains(client.get(members + "utskick/"), f'id="follow-up-{round_.pk}"')
        self.assertEqual(anonymous.get(f"/prenumeration/{token}/avsluta/").status_code, 200)

    def tour_followup(self, client: Any) -> None:
        """The follow-up pages, its reports and a reminder (lofte.promises.followup.urls)."""
        from datetime import date

        from lofte.promises.models import Agreement, Goal, Medborgarlofte, Promise
        from lofte.promises.tasks import send_reminders
        from lofte.statistics.models import Metric

        agreement = Agreement.objects.create(
            partnership=self.partnership_a,
            title="Överenskommelse",
            starts_on=date(2024, 1, 1),
            ends_on=date(2025, 12, 31),
        )
        lofte = Medborgarlofte.objects.create(agreement=agreement, title="Löfte", year_from=2025, year_to=2025)
        Goal.objects.create(
            lofte=lofte,
            text="Färre bostadsinbrott",
            metric=Metric.objects.get(code="anmalda.bostadsinbrott"),
            area=self.kommun_a,
            baseline_period="2023",
        )
        Promise.objects.create(lofte=lofte, text="Grannsamverkan").responsible.set([self.kommun_org_a])
        from django.urls import reverse

        base = reverse("followup:index", args=["mjolby", lofte.pk])
        self.assertRedirects(client.post(base + "planera/"), base)
        self.assertContains(client.get(base), "2025 H2")
        round_pk = lofte.rounds.get(label="2025 H2").pk
        page = reverse("followup:detail", args=["mjolby", round_pk])
        client.post(page + "berakna/")
        self.assertContains(client.get(page), "verdict-green")
        pdf = client.get(page + "rapport.pdf")
        self.assertEqual((pdf.status_code, pdf.content[:4]), (200, b"%PDF"))
        self.assertContains(client.get(base + "atgardsplan/las-in/"), "Visa vad som ändras")
        plan = client.get(base + "atgardsplan.csv").content
        upload = client.post(base + "atgardsplan/las-in/", {"file": SimpleUploadedFile("plan.csv", plan)})
        self.assertContains(upload, "Filen ändrar ingenting")
        self.assertTrue(send_reminders(today=date(2026, 2, 1)))

    def tour_public(self) -> None:
        """The kommun's public page with a published medborgarlöfte and its promises."""
        from lofte.promises.models import Medborgarlofte

        Medborgarlofte.objects.update(status=Medborgarlofte.Status.PUBLICERAD)
        with time_machine.travel("2025-06-01 12:00 +02:00", tick=False):  # while the löfte 2024–2025 runs
            self.assertContains(self.client_for(None).get("/kommun/0586/"), "Framsteg")

    def tour_lagesbild(self, client: Any) -> None:
        self.assertContains(client.get("/samverkan/mjolby/lagesbild/"), "Skapa version")
        created = client.post(
            "/samverkan/mjolby/lagesbild/ny/", {"title": "Lägesbild", "year_from": 2021, "year_to": 2025}
        )
        self.assertRedirects(created, "/samverkan/mjolby/lagesbild/1/")
        self.assertContains(client.get("/samverkan/mjolby/lagesbild/1/"), "Fastställ lägesbilden")
        pdf = client.get("/samverkan/mjolby/lagesbild/1/dokument.pdf")
        self.assertEqual((pdf.status_code, pdf.content[:4]), (200, b"%PDF"))

    def tour_promises(self, client: Any) -> None:
        """The agreement and a medborgarlöfte with a focus area and a promise (lofte.promises.urls)."""
        base = "/samverkan/mjolby/loften/"
        self.assertContains(client.get(base), "Lägg in en överenskommelse")
        self.assertContains(client.get(base + "overenskommelse/ny/"), "Spara överenskommelsen")
        agreement = {"title": "Överenskommelse 2024–2026", "starts_on": "2024-01-01", "ends_on": "2026-12-31"}
        created = client.post(base + "overenskommelse/ny/", {**agreement, "followups_per_year": 2})
        self.assertContains(client.get(created["Location"]), "Det Brå rekommenderar")
        self.assertContains(client.get(base + "ny/"), "Skapa medborgarlöftet")
        lofte = {"agreement": created["Location"].rstrip("/").rsplit("/", 1)[1], "year_from": 2024, "year_to": 2025}
        page = client.post(base + "ny/", {**lofte, "title": "Medborgarlöfte 2024–2025"})["Location"]
        client.post(page + "fokusomraden/", {"name": "Bedrägeri"})
        self.assertContains(client.get(page + "mal/ny/"), "Visa vad uppföljningen kan visa")
        added = client.post(page + "lofte/ny/", {"text": "Träffar om bedrägerier", "weight": 1})["Location"]
        self.assertContains(client.get(page), "Föreslå för beslut")
        promise = added.rsplit("#promise-", 1)[1]
        self.assertContains(client.get(f"{page}lofte/{promise}/"), "Registrera aktiviteten")

    def tour_dialogues(self, client: Any) -> None:
        self.assertContains(client.get("/samverkan/mjolby/dialoger/ny/"), "Registrera dialogen")
        walk = {"kind": "trygghetsvandring", "date": "2026-04-14", "place": "Stationen", "women": 2, "themes": "trafik"}
        created = client.post("/samverkan/mjolby/dialoger/ny/", walk)
        self.assertEqual(created.status_code, 302)
        self.assertContains(client.get(created["Location"]), "Lägg till synpunkten")
        self.assertContains(client.get("/samverkan/mjolby/dialoger/"), "2 deltagare totalt.")

    def tour_subjects(self, operator: Client) -> None:
        """A person's data: the search, the register extract as a PDF and the question before erasing."""
        self.assertContains(operator.get("/drift/personer/", {"email": "lasare@a.example"}), "Lars Läsare")
        extract = operator.post("/drift/personer/utdrag/", {"email": "lasare@a.example", "format": "pdf"})
        self.assertEqual(extract["Content-Type"], "application/pdf")
        self.assertContains(operator.get("/drift/personer/radera/", {"email": "lasare@a.example"}), "arkivlagen")

    def tour_statistics(self, client: Any) -> None:
        sources = TEMPLATE_DIR.parent / "statistics" / "sources"
        csv = sources / "bra_csv" / "fixtures" / "bra_anmalda_brott_kvartal_motala_mjolby_mullsjo.csv"
        with tempfile.TemporaryDirectory() as tmp, override_settings(VAR_DIR=Path(tmp)):
            upload = client.post(
                "/statistik/importer/ladda-upp/", {"file": SimpleUploadedFile("k.csv", csv.read_bytes())}
            )
            job = upload["Location"]
            self.assertEqual(client.get(job).status_code, 200)
            self.assertEqual(client.get(job + "status/").status_code, 200)
            confirmed = client.post(job + "bekrafta/", follow=True)
            self.assertContains(confirmed, "Importen är klar")
            self.assertEqual(client.get(f"/statistik/importer/{confirmed.context['job'].run_id}/").status_code, 200)
            sheet = sources / "spreadsheet" / "fixtures" / "ntu_exempel.csv"
            upload = client.post(
                "/statistik/importer/ladda-upp/",
                {"file": SimpleUploadedFile("ntu.csv", sheet.read_bytes()), "format": "spreadsheet"},
            )
            self.assertContains(client.get(upload["Location"]), "Välj kolumner")
            bad = csv.read_bytes().replace(b";2014K1;", b";20x4K1;", 1)
            failed = client.post("/statistik/importer/ladda-upp/", {"file": SimpleUploadedFile("k.csv", bad)})
            self.assertContains(client.get(failed["Location"]), "Ladda upp en rättad fil")
            self.assertEqual(client.get("/statistik/importer/").status_code, 200)
