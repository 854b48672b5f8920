"""Reads for comparing an area with its län, riket and similar kommuner, and for ranking its categories.

The statistics are in lofte.analysis (compare, ranking); this module gathers the counts and populations
they need in a fixed number of queries, whatever the number of metrics or kommuner.

A reference's count is, in this order: the reference's own published value (Brå and Kolada publish län and riket),
or the sum over its kommuner when every one of them has a value. A sum over some of them would compare the area
with an unknown part of the län, so then there is no comparison and the note says how many kommuner are missing.
Metrics published only as a rate per 100 000 (Kolada's N07540, for one) are turned back into counts with the
year's population; the comparison says so, because the publisher's rate used the mean population of the year.

How the comparisons judge (lofte.analysis.compare): against the län and riket, allowing for the area's own
year-to-year variation, estimated from its series in the years before (`variation.estimate`; a rate's earlier years
are turned into counts with this year's population, which changes slowly beside the crime figures); against similar
kommuner, allowing for how much those kommuner differ from each other, with no verdict below five peers with values.
The whole table is one family of tests: its p-values are adjusted (Benjamini–Hochberg, `analysis.multiple`) before
the verdicts are drawn, the unadjusted p-value and the verdict alone kept in each comparison for the exports.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Q, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lofte.analysis.compare import (
    MIN_PEERS,
    AreaCount,
    ReferenceComparison,
    compare_with_peers,
    compare_with_reference,
    pool_peers,
)
from lofte.analysis.multiple import BH, correct, tests_in
from lofte.analysis.ranking import CategorySignals, Priority, rank_categories
from lofte.analysis.trend import Trend
from lofte.analysis.variation import ASSUMED_YEARLY, WINDOW, Dispersion, estimate, history
from lofte.analysis.verdicts import INGA_DATA, LABELS
from lofte.areas.models import RIKET_CODE, Area
from lofte.partnerships.access import partnerships_for
from lofte.situation.models import Dialogue
from lofte.situation.queries import whole
from lofte.statistics.models import Metric, Observation
from lofte.statistics.queries import POPULATION

COMPARABLE_UNITS = (Metric.Unit.ANTAL, Metric.Unit.PER_100K)
DEFAULT_PEERS = 10


@dataclass(frozen=True)
class Reference:
    """The area against one reference for one metric; `comparison` is None when the data do not allow one."""

    key: str  # "lan", "riket" or "peers"
    name: str
    comparison: ReferenceComparison | None
    note: str = ""

    @property
    def verdict(self) -> str:
        """The comparison's verdict; inga_data when the reference has no figure for the year."""
        return self.comparison.verdict if self.comparison else INGA_DATA

    @property
    def label(self) -> str:
        return LABELS[self.verdict]


@dataclass(frozen=True)
class MetricComparison:
    metric: str
    name: str
    unit: str
    derived: bool  # counts were computed from the publisher's rate and the population
    references: list[Reference]

    def reference(self, key: str) -> Reference | None:
        return next((ref for ref in self.references if ref.key == key), None)

    @property
    def available(self) -> bool:
        return any(ref.comparison is not None for ref in self.references)

    @property
    def area_rate(self) -> float | None:
        return next((ref.comparison.area_rate for ref in self.references if ref.comparison), None)


class Table(list[MetricComparison]):
    """The comparisons of one table, in order, and `tests`: how many tests its verdicts were adjusted for (the
    page's `{% correction %}` sentence)."""

    tests: int = 0


@dataclass
class _Values:
    """One metric's counts and populations for one year, by area code, and the area's own earlier values."""

    counts: dict[str, float] = field(default_factory=dict)
    populations: dict[str, float] = field(default_factory=dict)
    earlier: dict[int, float] = field(default_factory=dict)  # year → the area's value, for its dispersion


def similar_kommuner(area: Area, populations: dict[str, float], count: int = DEFAULT_PEERS) -> list[str]:
    """The kommuner whose population is nearest the area's (on a log scale), the area itself left out.

    Size is a crude likeness, but it is the one every kommun has data for and it is easy to explain; the user
    may pick other kommuner instead. `populations` may hold län and riket too: only kommuner' codes have four
    digits.
    """
    own = populations.get(area.code)
    if not own:
        return []
    others = [
        (abs(math.log(p / own)), code)
        for code, p in populations.items()
        if code != area.code and len(code) == len(area.code) and p > 0
    ]
    return [code for _distance, code in sorted(others)[:count]]


def kommun_choices() -> list[tuple[str, str]]:
    return list(Area.objects.filter(kind=Area.Kind.KOMMUN).order_by("name").values_list("code", "name"))


def compare_area(
    area: Area, year: int, metrics: Sequence[str], peers: Sequence[str] | None = None
) -> tuple[Table, list[str]]:
    """Each of `metrics` (counts and rates) for the kommun `area` in `year` against its län, riket and `peers`
    (the kommuner of most similar size when None); returns the comparisons and the peers used.

    The table's verdicts are adjusted for its number of tests (Benjamini–Hochberg). Five queries: the kommuner and
    their län, the names, the metrics, the year's values with the area's earlier ones, and the year's populations.
    """
    if area.kind != Area.Kind.KOMMUN:
        return Table(), []
    kommuner = dict(
        Area.objects.filter(kind=Area.Kind.KOMMUN).values_list("code", "parent__code").order_by()
    )  # code → län code
    lan_code = kommuner.get(area.code)
    names = dict(Area.objects.filter(code__in=[lan_code or "", RIKET_CODE]).values_list("code", "name"))
    wanted = list(
        Metric.objects.filter(code__in=metrics, unit__in=COMPARABLE_UNITS)
        .exclude(code=POPULATION)
        .order_by("code")
        .values_list("code", "name", "unit")
    )
    values = _values(area.code, year, [code for code, _name, _unit in wanted])
    populations = _populations(year, kinds=[Area.Kind.KOMMUN, Area.Kind.LAN, Area.Kind.RIKET])
    if peers is None:
        # Size changes slowly: without the year's populations, the latest year's will do to pick the peers.
        peers = similar_kommuner(area, populations if area.code in populations else _latest_populations())
    peers = [code for code in peers if code != area.code and code in kommuner]
    members: dict[str | None, list[str]] = defaultdict(list)
    for kommun, lan in kommuner.items():
        members[lan].append(kommun)
    result = []
    for code, name, unit in wanted:
        found = values.get(code, _Values())
        counts = _counts(found, unit, populations)
        if area.code not in counts.counts:
            continue
        own = _dispersion(found, unit, counts.populations[area.code], year)
        references = [
            _whole(area.code, "lan", names.get(lan_code or "", _("Länet")), lan_code, members[lan_code], counts, own),
            _whole(area.code, "riket", names.get(RIKET_CODE, _("Riket")), RIKET_CODE, list(kommuner), counts, own),
            _peers(area.code, peers, counts),
        ]
        result.append(MetricComparison(code, name, unit, unit == Metric.Unit.PER_100K, references))
    return corrected_table(result), peers


def corrected_table(rows: list[MetricComparison]) -> Table:
    """The table with every comparison's verdict drawn from the p-values adjusted for the whole table; where that
    verdict differs from the comparison's alone, the note says so (the page and the export show the note)."""
    found = [ref.comparison for row in rows for ref in row.references]
    adjusted = iter(correct(found, BH))
    table = Table(replace(row, references=[_redrawn(ref, next(adjusted)) for ref in row.references]) for row in rows)
    table.tests = tests_in([c.p_value if c else None for c in found])
    return table


def _redrawn(ref: Reference, comparison: ReferenceComparison | None) -> Reference:
    if comparison is None or comparison.verdict_alone in (None, comparison.verdict):
        return replace(ref, comparison=comparison)
    alone = _("Prövad ensam: %(label)s; inte tydlig bland tabellens jämförelser.") % {
        "label": LABELS[comparison.verdict_alone or INGA_DATA]
    }
    return replace(ref, comparison=comparison, note=f"{ref.note} {alone}".strip())


def _values(area: str, year: int, metrics: list[str]) -> dict[str, _Values]:
    """Every area's values for `year` and the area's own in the years before (for its dispersion), in one query."""
    earlier = [str(y) for y in range(year - WINDOW, year)]
    rows = Observation.objects.filter(
        Q(period=str(year), series__area__kind__in=[Area.Kind.KOMMUN, Area.Kind.LAN, Area.Kind.RIKET])
        | Q(period__in=earlier, series__area__code=area),
        series__metric__code__in=metrics,
        period_kind="year",
        value__isnull=False,
    ).values_list("series__metric__code", "series__area__code", "period", "value", "per_100k")
    by_metric: dict[str, _Values] = defaultdict(_Values)
    for metric, code, period, value, rate in rows:
        if value is None:
            continue
        if period != str(year):
            by_metric[metric].earlier[int(period)] = value
            continue
        by_metric[metric].counts[code] = value
        if value and rate:
            # The population the publisher's rate implies, for areas whose population is not imported.
            by_metric[metric].populations[code] = value * 100_000 / rate
    return by_metric


def _dispersion(values: _Values, unit: str, population: float, year: int) -> Dispersion:
    """The area's year-to-year dispersion from its values in the years before `year` (never `year` itself); a
    rate's values become counts with this year's population. Too short a history gives the stated assumption."""
    scale = population / 100_000 if unit == Metric.Unit.PER_100K else 1.0
    pairs = [(y, value * scale) for y, value in values.earlier.items()]
    return estimate(history(pairs, before=year - 1), fallback=ASSUMED_YEARLY)


def _populations(year: int, *, kinds: list[str]) -> dict[str, float]:
    rows = Observation.objects.filter(
        series__metric__code=POPULATION,
        series__area__kind__in=kinds,
        period_kind="year",
        period=str(year),
        value__gt=0,
    ).values_list("series__area__code", "value")
    return {code: value for code, value in rows if value}


def _latest_populations() -> dict[str, float]:
    """The kommuner's populations in the latest year with any, in one query."""
    population = Observation.objects.filter(series__metric__code=POPULATION, period_kind="year", value__gt=0)
    latest = population.order_by("-period_start").values("period")[:1]
    rows = population.filter(series__area__kind=Area.Kind.KOMMUN, period=Subquery(latest))
    return {code: value for code, value in rows.values_list("series__area__code", "value") if value}


def _counts(values: _Values, unit: str, populations: dict[str, float]) -> _Values:
    """Counts and populations of every area with both; rates become counts with the imported population.

    A count with decimals (stored before the import refused them) is left out like a missing one."""
    result = _Values()
    for code, value in values.counts.items():
        population = populations.get(code) or values.populations.get(code)
        if not population or (unit == Metric.Unit.ANTAL and not whole(value)):
            continue
        result.counts[code] = round(value * population / 100_000) if unit == Metric.Unit.PER_100K else value
        result.populations[code] = population
    return result


def _compare(area: str, counts: _Values, count: float, population: float, own: Dispersion) -> ReferenceComparison:
    return compare_with_reference(
        counts.counts[area], counts.populations[area], count, population, reference_includes_area=True, dispersion=own
    )


def _whole(
    area: str, key: str, name: str, code: str | None, kommuner: list[str], counts: _Values, own: Dispersion
) -> Reference:
    """The area against a län or riket: the published figure, else the sum of all its kommuner.

    A kommun alone in its län (Gotland, 0980 in län 09) is not compared with it: the län is the kommun itself,
    whether published or summed, and a test of an area against itself means nothing."""
    if kommuner == [area]:
        return Reference(
            key, name, None, _("Ingen jämförelse: kommunen är ensam i sitt län, så länet är kommunen själv.")
        )
    if code and code in counts.counts and counts.populations[code] <= counts.populations[area]:
        return Reference(
            key, name, None, _("Ingen jämförelse: %(name)s har inte fler invånare än kommunen.") % {"name": name}
        )
    if code and code in counts.counts:
        return Reference(key, name, _compare(area, counts, counts.counts[code], counts.populations[code], own))
    missing = [kommun for kommun in kommuner if kommun not in counts.counts]
    if missing or not kommuner:
        note = ngettext(
            "Ingen jämförelse: %(missing)s av %(total)s kommun saknar värde.",
            "Ingen jämförelse: %(missing)s av %(total)s kommuner saknar värde.",
            len(kommuner),
        ) % {"missing": len(missing), "total": len(kommuner)}
        return Reference(key, name, None, note)
    count = sum(counts.counts[kommun] for kommun in kommuner)
    population = sum(counts.populations[kommun] for kommun in kommuner)
    note = ngettext("Summan av %(count)s kommun.", "Summan av %(count)s kommuner.", len(kommuner)) % {
        "count": len(kommuner)
    }
    return Reference(key, name, _compare(area, counts, count, population, own), note)


def _peers(area: str, peers: Sequence[str], counts: _Values) -> Reference:
    name = _("Jämförbara kommuner")
    group = [AreaCount(code, counts.counts.get(code), counts.populations.get(code)) for code in peers if code != area]
    pool = pool_peers(group)
    if not pool.used:
        return Reference("peers", name, None, _("Ingen jämförelse: ingen av de valda kommunerna har värde."))
    note = ngettext("Summan av %(count)s kommun.", "Summan av %(count)s kommuner.", len(pool.used)) % {
        "count": len(pool.used)
    }
    if pool.skipped:
        note += " " + ngettext(
            "%(count)s saknar värde och är inte med.", "%(count)s saknar värde och är inte med.", len(pool.skipped)
        ) % {"count": len(pool.skipped)}
    if len(pool.used) < MIN_PEERS:
        note += " " + _(
            "För få kommuner med värde för att veta hur mycket kommuner som dessa brukar skilja sig (minst "
            "%(minimum)s behövs): ingen bedömning."
        ) % {"minimum": MIN_PEERS}
    comparison = compare_with_peers(counts.counts[area], counts.populations[area], group)
    return Reference("peers", name, comparison, note)


@dataclass(frozen=True)
class Category:
    """What the ranking needs to know about one crime category of the area."""

    code: str
    name: str
    count: float
    trend: Trend | None = None
    peers: ReferenceComparison | None = None
    signal: float | None = None  # share of dialogues (0–1) that raised the category
    signal_reason: str | None = None


def rank(categories: Iterable[Category]) -> list[Priority]:
    """The categories in order of priority, each with its score explained (lofte.analysis.ranking)."""
    signals = [
        CategorySignals(
            code=category.code,
            name=category.name,
            count=int(category.count),
            peer_ratio=category.peers.rate_ratio if category.peers else None,
            peer_verdict=category.peers.verdict if category.peers else None,
            trend_ratio=category.trend.ratio if category.trend else None,
            trend_verdict=category.trend.verdict if category.trend else None,
            survey_share=category.signal,
            survey_reason=category.signal_reason,
        )
        for category in categories
    ]
    return rank_categories(signals) if signals else []


def ranked_metrics(codes: Iterable[str]) -> list[str]:
    """The categories to rank: counts that are part of a larger category (Brå's breakdown), or, when the area's
    metrics have no hierarchy, every count but the population. Overlapping categories are ranked side by side,
    never summed."""
    counts = list(
        Metric.objects.filter(code__in=list(codes), unit=Metric.Unit.ANTAL)
        .exclude(code=POPULATION)
        .values_list("code", "parent_id")
    )
    children = [code for code, parent in counts if parent is not None]
    return children or [code for code, _parent in counts]


@dataclass(frozen=True)
class Signal:
    share: float
    reason: str


def dialogue_signals(user: Any, area: Area, year: int, categories: list[tuple[str, str]]) -> dict[str, Signal]:
    """For each category (code, name), the share of the kommun's dialogues in the three years up to `year` whose
    themes name it: "narkotika" names Narkotikabrott, "inbrott" Bostadsinbrott.

    Only the dialogues of the user's own partnerships count: they are the partnership's evidence, not public data.
    None are counted for a part of a kommun, whose dialogues may be about another part.
    """
    if area.kind != Area.Kind.KOMMUN or not categories:
        return {}
    themes = list(
        Dialogue.objects.filter(
            partnership__in=partnerships_for(user),
            partnership__area=area,
            date__year__gte=year - 2,
            date__year__lte=year,
        ).values_list("themes", flat=True)
    )
    if not themes:
        return {}
    signals = {}
    for code, name in categories:
        raised = sum(1 for listed in themes if any(_names(theme, name) for theme in listed))
        reason = ngettext(
            "Tas upp i %(raised)s av %(count)s dialog %(start)s–%(end)s.",
            "Tas upp i %(raised)s av %(count)s dialoger %(start)s–%(end)s.",
            len(themes),
        ) % {"raised": raised, "count": len(themes), "start": year - 2, "end": year}
        signals[code] = Signal(raised / len(themes), reason)
    return signals


def _names(theme: str, category: str) -> bool:
    """Whether a dialogue's theme names the category: the theme is part of the category's name, or the other way
    round ("narkotika" and "Narkotikabrott"; "skadegörelse" and "Skadegörelsebrott")."""
    theme, category = theme.strip().casefold(), category.casefold()
    stem = category.removesuffix("brott")
    return (len(theme) >= 4 and theme in category) or (len(stem) >= 4 and stem in theme)
