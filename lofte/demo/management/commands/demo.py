from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from lofte.demo.partnerships import load_demo, load_demo_est
from lofte.demo.promises import load_demo_promises
from lofte.demo.situation import load_demo_lagesbild
from lofte.demo.statistics import load_demo_statistics
from lofte.lib.links import absolute_url


class Command(BaseCommand):
    help = "Load the demo partnerships and print a login for each role (safe to run again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Allow on a production install")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION and not options["force"]:
            raise CommandError(
                "Demodata laddas inte i produktion (LOFTE_ENV=production). Använd --force om du menar det."
            )
        logins = load_demo()
        imported = load_demo_statistics()
        lagesbild = load_demo_lagesbild()
        loften = load_demo_promises()
        est = load_demo_est()
        width = max(len(login.email) for login in logins)
        self.stdout.write("Demo: Mjölby, Motala och Mullsjö med Lokalpolisområde Motala och partner.")
        new = sum(summary.created for summary in imported)
        self.stdout.write(
            f"Statistik från Brå, Kolada och Polisen: {len(imported)} filer, {new} nya värden och händelser "
            f"({sum(summary.unchanged for summary in imported)} fanns redan)."
        )
        if lagesbild is not None:
            self.stdout.write(
                f"Lägesbild: {lagesbild.title} (version {lagesbild.version}, {lagesbild.get_status_display()})."
            )
        for lofte in loften:
            partnership = lofte.agreement.partnership.name
            self.stdout.write(f"Medborgarlöfte: {partnership}, {lofte.title} ({lofte.promises.count()} löften).")
        if est is not None:
            count = f"{est.incidents:,}".replace(",", " ")
            self.stdout.write(f"EST: {count} händelser för Mjölby (demodata), {est.meetings} möten.")
        sign_in = absolute_url(reverse("accounts:login"))
        self.stdout.write(f"Logga in på {sign_in} (lösenorden byts varje gång demo körs):")
        for login in logins:
            self.stdout.write(f"  {login.role:<11} {login.email:<{width}}  {login.password}  ({login.organisation})")
        self.stdout.write(
            "Tvåfaktorsautentisering utan telefon: lägg hemligheten i en autentiseringsapp (eller `oathtool --totp -b "
            "HEMLIGHET`), eller använd en återställningskod en gång. Kommunpolisen har ingen och ombeds lägga till en:"
        )
        for login in logins:
            if login.totp is not None:
                codes = " ".join(login.totp.recovery_codes[:3])
                self.stdout.write(f"  {login.email:<{width}}  TOTP {login.totp.secret}  återställningskoder {codes}")
                self.stdout.write(f"    {login.totp.url}")
