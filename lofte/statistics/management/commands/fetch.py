from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib.metadata import version
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from lofte.areas.models import Area
from lofte.lib.actors import SystemActor
from lofte.lib.links import site_url
from lofte.statistics import fetch
from lofte.statistics.actions import ImportSummary, do_import
from lofte.statistics.sources.base import ImportFileError


def fetcher() -> fetch.Fetcher:
    agent = f"Lofte/{version('lofte')} (+{site_url()}; brottsförebyggande samverkan)"
    return fetch.Fetcher(cache_dir=settings.VAR_DIR / "cache" / "fetch", user_agent=agent)


class Command(BaseCommand):
    help = "Fetch from a live source and import what is new: polisen, scb-befolkning or kolada."

    def add_arguments(self, parser: CommandParser) -> None:
        sources = parser.add_subparsers(dest="source", required=True, parser_class=CommandParser)
        polisen = sources.add_parser("polisen", help="Polisen's latest events (safe to run from cron every 30 min)")
        polisen.add_argument("--kommun", nargs="*", default=[], metavar="NAME", help="Only these kommuner (names)")
        scb = sources.add_parser("scb-befolkning", help="Population per kommun, län and riket from SCB")
        scb.add_argument("--year", type=int, required=True)
        scb.add_argument("--kommun", nargs="*", default=[], metavar="CODE", help="Only these areas (default: all)")
        kolada = sources.add_parser("kolada", help="A Kolada KPI for kommuner and years")
        kolada.add_argument("kpi")
        kolada.add_argument("--kommun", nargs="+", required=True, metavar="CODE")
        kolada.add_argument("--years", nargs="+", type=int, required=True)
        for sub in (polisen, scb, kolada):
            sub.add_argument("--json", action="store_true", help="Print the summary as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        url, source, format_name = self._request(options)
        try:
            result = fetcher().get(url, source=source)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            summary = do_import(
                result.body,
                f"{source.name}-{stamp}.json",
                actor=SystemActor(f"lofte fetch {options['source']}"),
                format_name=format_name,
            )
        except fetch.FetchError as exc:
            raise CommandError(str(exc), returncode=1) from None
        except ImportFileError as exc:
            raise CommandError(
                f"{source.label} svarade med något som inte gick att läsa: {exc}", returncode=2
            ) from None
        self._report(summary, options["json"])

    def _request(self, options: dict[str, Any]) -> tuple[str, fetch.Source, str]:
        if options["source"] == "polisen":
            names = options["kommun"]
            unknown = set(names) - set(
                Area.objects.filter(kind="kommun", name__in=names).values_list("name", flat=True)
            )
            if unknown:
                raise CommandError(f"Okänd kommun: {', '.join(sorted(unknown))}", returncode=2)
            return (
                fetch.polisen_events_url(fetch.base_url(fetch.POLISEN), names or None),
                fetch.POLISEN,
                "polisen-events",
            )
        if options["source"] == "scb-befolkning":
            codes = options["kommun"] or list(
                Area.objects.filter(kind__in=["riket", "lan", "kommun"]).values_list("code", flat=True)
            )
            return fetch.scb_population_url(fetch.base_url(fetch.SCB), options["year"], codes), fetch.SCB, "jsonstat"
        url = fetch.kolada_values_url(fetch.base_url(fetch.KOLADA), options["kpi"], options["kommun"], options["years"])
        return url, fetch.KOLADA, "kolada"

    def _report(self, summary: ImportSummary, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False))
            return
        self.stdout.write(
            f"{summary.rows_read} lästa; {summary.created} nya, {summary.updated} ändrade, {summary.unchanged} oförändrade."
        )
        for warning in summary.warnings:
            self.stderr.write(f"Varning: {warning}")
