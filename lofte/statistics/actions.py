"""Every change to statistics and events: imports and their undoing.

Who may import or undo what (official statistics for operators, a partnership's own data for its samordnare) is
decided in `statistics.owners`; every action here checks it before it writes."""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from functools import lru_cache, partial
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lofte.areas.models import Area
from lofte.audit.log import record
from lofte.lib.actors import Actor, label_of, user_of
from lofte.lib.files import write_atomically
from lofte.lib.memory import cycle_collector_paused
from lofte.lib.pii import refuse_personal_data
from lofte.statistics import formats, owners, progress, queries, staging, tasks
from lofte.statistics.models import Event, ImportJob, ImportRun, Metric, Observation, ObservationChange, Series
from lofte.statistics.owners import ImportRefused
from lofte.statistics.periods import parse_period
from lofte.statistics.sources.base import ImportFileError, MetricSpec, ParsedEvent, ParsedObservation, ParseResult
from lofte.statistics.sources.spreadsheet import parser as spreadsheet

if TYPE_CHECKING:
    from lofte.partnerships.models import Partnership

__all__ = ["ImportRefused", "ImportSummary", "do_import", "do_undo_import", "do_upload_import"]

logger = logging.getLogger(__name__)

CHANGE_EXAMPLES = 20  # changed values the preview lists one by one
Progress = Callable[[int, int], None]
FIELDS = ("value", "per_100k", "preliminary", "status")
EVENT_FIELDS = ["occurred_at", "name", "summary", "url", "type", "location_name", "lat", "lng", "area_id"]
OBSERVATION_COLUMNS = ("series_id", "period", "period_kind", "period_start", *FIELDS, "import_run_id")


@dataclass
class ImportSummary:
    file: str
    format: str
    sha256: str
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)
    run: int | None = None
    dry_run: bool = False
    # Per metric code: its name and the values it gets [created, updated, unchanged], for the preview.
    metrics: dict[str, tuple[str, list[int]]] = field(default_factory=dict)
    changes: list[dict[str, Any]] = field(default_factory=list)  # the first CHANGE_EXAMPLES revised values

    def count(self, metric: str, kind: int, n: int = 1) -> None:
        """Add n to one of the metric's counts (0 created, 1 updated, 2 unchanged)."""
        self.metrics[metric][1][kind] += n

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "sha256": self.sha256,
            "run": self.run,
            "dry_run": self.dry_run,
            "rows_read": self.rows_read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "warnings": self.warnings,
            "metrics": [
                {"code": code, "name": name, "created": created, "updated": updated, "unchanged": unchanged}
                for code, (name, [created, updated, unchanged]) in sorted(self.metrics.items())
            ],
            "changes": self.changes,
        }


def _context(name: str) -> Any:
    kommuner = Area.objects.filter(kind=Area.Kind.KOMMUN)
    if name == "known_areas":
        return set(Area.objects.filter(kind__in=["riket", "lan", "kommun"]).values_list("code", flat=True))
    if name == "kommuner":
        return dict(kommuner.values_list("name", "code"))
    if name == "lan":
        return dict(Area.objects.filter(kind=Area.Kind.LAN).values_list("name", "code"))
    raise KeyError(name)


def parse_file(
    raw: bytes, filename: str, format_name: str | None = None, options: dict[str, Any] | None = None
) -> ParseResult:
    if format_name is None:
        fmt = formats.detect(raw, filename)
    elif format_name in formats.BY_NAME:
        fmt = formats.BY_NAME[format_name]
    else:
        raise ImportFileError(filename, f"okänt format {format_name!r}.")
    return formats.parse(raw, filename, fmt, _context, options)


def do_import(
    raw: bytes,
    filename: str,
    *,
    actor: Actor,
    format_name: str | None = None,
    dry_run: bool = False,
    on_progress: Progress | None = None,
    options: dict[str, Any] | None = None,
    partnership: Partnership | None = None,
) -> ImportSummary:
    """Import a file all or nothing. The same file again changes nothing, and no run is recorded for it.

    Without `partnership` the file is official statistics, which only an operator imports; with it, the
    partnership's own data (statistics.owners). `options` go to the parser as they are, e.g. the column mapping
    of a spreadsheet.
    """
    owners.require_import(actor, partnership)
    refuse_personal_data({"file": filename}, ["file"], ImportRefused)
    with cycle_collector_paused():
        parsed = parse_file(raw, filename, format_name, options)
        if partnership is not None:
            _require_own(parsed, partnership, filename)
        return _import_parsed(parsed, raw, filename, actor, dry_run, on_progress, partnership)


def _require_own(parsed: ParseResult, partnership: Partnership, filename: str) -> None:
    """What a partnership's own data may be: its own spreadsheet, about its own kommun, under its own codes."""
    owners.require_own_format(parsed.format)
    owners.require_own_metrics([m.code for m in parsed.metrics] + [o.metric for o in parsed.observations], filename)
    rows: dict[str, int] = {}
    for observation in parsed.observations:
        rows.setdefault(observation.area, observation.row)
    owners.require_own_areas(partnership, rows, filename)


def _import_parsed(
    parsed: ParseResult,
    raw: bytes,
    filename: str,
    actor: Actor,
    dry_run: bool,
    on_progress: Progress | None,
    partnership: Partnership | None,
) -> ImportSummary:
    """Compare the file with what is stored, batch by batch. A dry run only reads; an import stages what it
    changes in short transactions and swaps it in at the end in one short one (lofte.statistics.staging)."""
    summary = ImportSummary(filename, parsed.format, hashlib.sha256(raw).hexdigest(), parsed.rows_read)
    summary.warnings, summary.dry_run = list(parsed.warnings), dry_run
    summary.metrics = {metric.code: (metric.name, [0, 0, 0]) for metric in parsed.metrics}
    staging.kill_point("parsed")
    if parsed.events:
        _import_events(parsed, summary, filename, actor, dry_run, partnership)
        return summary
    series_ids = _resolve_series(parsed, filename, create=not dry_run)
    ordered = _in_index_order(parsed.observations, series_ids, filename)
    if dry_run:
        _compare(ordered, summary, filename, partnership, stage=False, on_progress=on_progress)
        return summary
    with staging.staging_table():
        _compare(ordered, summary, filename, partnership, stage=True, on_progress=on_progress)
        if summary.changed_anything:
            staging.kill_point("swap")
            _swap(parsed, summary, filename, actor, partnership)
    return summary


def _new_run(parsed: ParseResult, summary: ImportSummary, filename: str, actor: Actor, partnership: Any) -> ImportRun:
    return ImportRun.objects.create(
        file_name=filename[:255],
        sha256=summary.sha256,
        format=parsed.format,
        publisher=parsed.publisher,
        partnership=partnership,
        **_actor_fields(actor),
    )


def _import_events(
    parsed: ParseResult,
    summary: ImportSummary,
    filename: str,
    actor: Actor,
    dry_run: bool,
    partnership: Partnership | None,
) -> None:
    """Polisen's events come a few hundred at a time (its API keeps 500): one short transaction is enough."""
    with transaction.atomic():
        run = _new_run(parsed, summary, filename, actor, partnership)
        _write_events(parsed.events, run, summary)
        _finish(run, summary, actor)
        if dry_run or not summary.changed_anything:
            transaction.set_rollback(True)
            summary.run = None


def _swap(
    parsed: ParseResult,
    summary: ImportSummary,
    filename: str,
    actor: Actor,
    partnership: Partnership | None,
) -> None:
    try:
        with transaction.atomic():
            run = _new_run(parsed, summary, filename, actor, partnership)
            staging.swap(run.pk, created=summary.created, updated=summary.updated)
            staging.kill_point("swapping")
            _finish(run, summary, actor)
    except (staging.StagingLost, IntegrityError):
        summary.run = None  # another import wrote the same values after this one read them
        raise ImportRefused(
            _("En annan import ändrade samma värden medan filen lästes in, så inget sparades. Importera filen igen.")
        ) from None


def _actor_fields(actor: Actor | None) -> dict[str, Any]:
    return {"actor": user_of(actor), "actor_label": label_of(actor)[:254]}


Keyed = tuple[int, str, ParsedObservation]  # series id, period, what the file says


def _resolve_series(parsed: ParseResult, filename: str, *, create: bool) -> dict[tuple[str, str], int]:
    """The series id of each (metric, area) of the file. Everything is checked by reading first, so a refused file
    creates nothing; an import then creates the new metrics and series in one short transaction, while a dry run
    creates nothing and gives a new series a negative stand-in id (it has nothing stored to compare with)."""
    specs = list(parsed.metrics)
    stored = {
        code: (id_, unit)
        for code, id_, unit in Metric.objects.filter(code__in=[s.code for s in specs]).values_list("code", "id", "unit")
    }
    units = {s.code: s.unit for s in specs} | {code: unit for code, (_id, unit) in stored.items()}
    _refuse_fractional_counts(parsed, units, filename)
    area_ids = _area_ids(parsed.observations, filename)
    for observation in parsed.observations:
        if observation.metric not in units:
            raise ImportFileError(filename, f"okänt mått {observation.metric!r}.", row=observation.row)
    pairs = {(o.metric, o.area) for o in parsed.observations}
    if create:
        with transaction.atomic():
            metric_ids, _units = _ensure_metrics(specs)
            return _ensure_series(pairs, metric_ids, area_ids)
    metric_ids = {code: id_ for code, (id_, _unit) in stored.items()}
    wanted = {(metric_ids[m], area_ids[a]) for m, a in pairs if m in metric_ids}
    existing = _series_lookup(wanted)
    stand_ins = itertools.count(-1, -1)
    return {(m, a): existing.get((metric_ids.get(m, 0), area_ids[a])) or next(stand_ins) for m, a in sorted(pairs)}


def _compare(
    ordered: list[Keyed],
    summary: ImportSummary,
    filename: str,
    partnership: Partnership | None,
    *,
    stage: bool,
    on_progress: Progress | None,
) -> None:
    """Count what the file creates, changes and leaves as it is, a batch at a time; stage the batch if importing."""
    stored = set(
        Observation.objects.filter(series_id__in={series for series, _p, _o in ordered if series > 0})
        .values_list("series_id", flat=True)
        .distinct()
    )
    total, batch_rows = len(ordered), settings.LOFTE_IMPORT_BATCH_ROWS
    for number, start in enumerate(range(0, total, batch_rows), start=1):
        batch = ordered[start : start + batch_rows]
        changed: list[tuple[tuple[Any, ...], Keyed]] = []
        if stored.isdisjoint(series for series, _period, _o in batch):
            creates = batch  # new series: nothing to compare with
            for _series, _period, observation in batch:
                summary.count(observation.metric, 0)
        else:
            creates, changed = _classify(batch, summary)
        if partnership is not None and changed:
            _require_own_values(partnership, changed, filename)
        summary.created += len(creates)
        summary.updated += len(changed)
        if stage:
            staging.stage(_staged_rows(creates, changed))
            staging.kill_point(f"staging:{number}")
        if on_progress is not None:
            on_progress(min(start + batch_rows, total), total)


def _staged_rows(creates: list[Keyed], changed: list[tuple[tuple[Any, ...], Keyed]]) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = [
        (series, *_period_columns(period), *_parsed_values(o), None, None, None) for series, period, o in creates
    ]
    rows.extend(
        (series, *_period_columns(period), *_parsed_values(o), current[0], _previous_json(current), current[5])
        for current, (series, period, o) in changed
    )
    return rows


def _previous_json(current: tuple[Any, ...]) -> str:
    return json.dumps(_previous(current))


def _in_index_order(
    observations: list[ParsedObservation], series_ids: dict[tuple[str, str], int], filename: str
) -> list[Keyed]:
    """By series, then period: the order of the unique index, so each batch touches few series and every
    insert lands next to the last one instead of at random in the index (four times faster on SQLite).
    Sorted, a value given twice for the same series and period is next to its twin."""
    ordered = sorted([(series_ids[(o.metric, o.area)], o.period, o) for o in observations], key=itemgetter(0, 1))
    for (series, period, first), (next_series, next_period, again) in itertools.pairwise(ordered):
        if series == next_series and period == next_period:
            earlier, later = sorted((first.row, again.row))
            raise ImportFileError(filename, f"samma mått, område och period som rad {earlier}.", row=later)
    return ordered


def _finish(run: ImportRun, summary: ImportSummary, actor: Actor) -> None:
    run.rows_read, run.created, run.updated, run.unchanged = (
        summary.rows_read,
        summary.created,
        summary.updated,
        summary.unchanged,
    )
    run.warnings, run.status, run.finished_at = summary.warnings, ImportRun.Status.DONE, timezone.now()
    run.save()
    summary.run = run.pk
    record("statistics.import", actor=actor, obj=run, partnership=run.partnership, changes=summary.as_dict())


def _ensure_metrics(specs: Iterable[MetricSpec]) -> tuple[dict[str, int], dict[str, str]]:
    """The ids and units of the metrics, created where new (a stored metric keeps its unit)."""
    specs = list(specs)
    existing = dict(Metric.objects.filter(code__in=[s.code for s in specs]).values_list("code", "id"))
    new = [s for s in specs if s.code not in existing]
    Metric.objects.bulk_create(
        [
            Metric(
                code=s.code,
                name=s.name,
                unit=s.unit,
                publisher=s.publisher,
                description=s.description,
                lower_is_better=s.lower_is_better,
            )
            for s in new
        ]
    )
    stored = Metric.objects.filter(code__in=[s.code for s in specs]).values_list("code", "id", "unit")
    ids, units = {code: id_ for code, id_, _u in stored}, {code: unit for code, _id, unit in stored}
    parents = {s.code: s.parent for s in new if s.parent}
    _ensure_parents(parents, ids)
    return ids, units


def _refuse_fractional_counts(parsed: ParseResult, units: dict[str, str], filename: str) -> None:
    """A count (unit antal) is a whole number: 12,5 reported crimes is a mistake in the file, and the tests of
    counts (lofte.analysis) are defined for whole numbers only."""
    counts = {code for code, unit in units.items() if unit == Metric.Unit.ANTAL}
    for o in parsed.observations:
        if o.value is not None and o.metric in counts and not float(o.value).is_integer():
            shown = f"{o.value:g}".replace(".", ",")
            raise ImportFileError(
                filename,
                f"{shown} är inte ett helt tal, men måttet {o.metric} räknas i antal. Rätta värdet, "
                "eller importera det som ett annat mått med en enhet som tillåter decimaler (index, procent).",
                row=o.row,
                field=parsed.value_field,
            )


def _ensure_parents(parents: dict[str, str], ids: dict[str, int]) -> None:
    known = dict(Metric.objects.filter(code__in=set(parents.values())).values_list("code", "id"))
    for code, parent in parents.items():
        if parent in known:
            Metric.objects.filter(pk=ids[code]).update(parent_id=known[parent])


def _area_ids(observations: list[ParsedObservation], filename: str) -> dict[str, int]:
    codes = {o.area for o in observations}
    ids = dict(Area.objects.filter(code__in=codes).values_list("code", "id"))
    for observation in observations:
        if observation.area not in ids:
            raise ImportFileError(
                filename, f"okänd områdeskod {observation.area!r}.", row=observation.row, field="område"
            )
    return ids


def _ensure_series(
    pairs: set[tuple[str, str]], metric_ids: dict[str, int], area_ids: dict[str, int]
) -> dict[tuple[str, str], int]:
    wanted = {(metric_ids[m], area_ids[a]) for m, a in pairs}
    existing = _series_lookup(wanted)
    Series.objects.bulk_create([Series(metric_id=m, area_id=a) for m, a in wanted - set(existing)])
    existing = _series_lookup(wanted)
    return {(m, a): existing[(metric_ids[m], area_ids[a])] for m, a in pairs}


def _series_lookup(wanted: set[tuple[int, int]]) -> dict[tuple[int, int], int]:
    metric_ids = {m for m, _a in wanted}
    rows = Series.objects.filter(metric_id__in=metric_ids).values_list("metric_id", "area_id", "id")
    return {(m, a): s for m, a, s in rows if (m, a) in wanted}


def _classify(batch: list[Keyed], summary: ImportSummary) -> tuple[list[Keyed], list[tuple[tuple[Any, ...], Keyed]]]:
    """The batch's new rows, and its changed ones with what they replace."""
    existing = _existing(batch)
    creates: list[Keyed] = []
    changed: list[tuple[tuple[Any, ...], Keyed]] = []
    for keyed in batch:
        current = existing.get((keyed[0], keyed[1]))
        if current is None:
            creates.append(keyed)
            summary.count(keyed[2].metric, 0)
        elif current[1:5] != _parsed_values(keyed[2]):
            changed.append((current, keyed))
            summary.count(keyed[2].metric, 1)
            _note_change(summary, current, keyed[2])
        else:
            summary.unchanged += 1
            summary.count(keyed[2].metric, 2)
    return creates, changed


def _require_own_values(partnership: Partnership, changed: list[tuple[tuple[Any, ...], Keyed]], filename: str) -> None:
    """A partnership's run changes only values its own runs wrote (not official ones, nor another's)."""
    replaced: dict[int, tuple[str, str, str]] = {}
    for current, (_series, _period, parsed) in changed:
        replaced.setdefault(current[5], (parsed.metric, parsed.area, parsed.period))
    owners.require_own_values(partnership, replaced, filename)


def _note_change(summary: ImportSummary, current: tuple[Any, ...], parsed: ParsedObservation) -> None:
    if len(summary.changes) < CHANGE_EXAMPLES:
        summary.changes.append(
            {
                "metric": parsed.metric,
                "area": parsed.area,
                "period": parsed.period,
                "before": current[1],
                "after": parsed.value,
            }
        )


def _existing(batch: list[Keyed]) -> dict[tuple[int, str], tuple[Any, ...]]:
    """(id, value, per_100k, preliminary, status, import_run_id) of the rows already stored."""
    wanted = {(series, period) for series, period, _o in batch}
    rows = Observation.objects.filter(
        series_id__in={s for s, _p in wanted}, period__in={p for _s, p in wanted}
    ).values_list("series_id", "period", "id", *FIELDS, "import_run_id")
    return {(series, period): tuple(rest) for series, period, *rest in rows if (series, period) in wanted}


@lru_cache(maxsize=8192)
def _period_columns(code: str) -> tuple[str, str, str]:
    """period, period_kind and period_start (as ISO text, which both databases take without an adapter)."""
    period = parse_period(code)
    return period.code, period.kind, period.start.isoformat()


def _previous(current: tuple[Any, ...]) -> dict[str, Any]:
    return {**dict(zip(FIELDS, current[1:5], strict=True)), "import_run": current[5]}


def _parsed_values(parsed: ParsedObservation) -> tuple[Any, ...]:
    return (parsed.value, parsed.per_100k, parsed.preliminary, parsed.status)


def _write_events(events: list[ParsedEvent], run: ImportRun, summary: ImportSummary) -> None:
    areas = dict(Area.objects.filter(code__in={e.kommun for e in events if e.kommun}).values_list("code", "id"))
    existing = {
        e.source_id: e for e in Event.objects.filter(source="polisen", source_id__in=[e.source_id for e in events])
    }
    creates, updates = [], []
    for parsed in events:
        fields = _event_fields(parsed, areas)
        current = existing.get(parsed.source_id)
        if current is None:
            creates.append(Event(source="polisen", source_id=parsed.source_id, import_run=run, **fields))
        elif any(getattr(current, k) != v for k, v in fields.items()):
            for key, value in fields.items():
                setattr(current, key, value)
            updates.append(current)
        else:
            summary.unchanged += 1
    Event.objects.bulk_create(creates, batch_size=1000)
    Event.objects.bulk_update(updates, EVENT_FIELDS, batch_size=1000)
    summary.created, summary.updated = len(creates), len(updates)


def _event_fields(parsed: ParsedEvent, areas: dict[str, int]) -> dict[str, Any]:
    return {
        "occurred_at": parsed.occurred_at,
        "name": parsed.name[:300],
        "summary": parsed.summary,
        "url": parsed.url[:500],
        "type": parsed.type[:100],
        "location_name": parsed.location_name[:200],
        "lat": parsed.lat,
        "lng": parsed.lng,
        "area_id": areas.get(parsed.kommun or ""),
    }


def do_undo_import(run: ImportRun, *, actor: Actor) -> dict[str, int]:
    """Remove what an import created and put back the values it replaced."""
    owners.require_undo(actor, run)
    if run.status != ImportRun.Status.DONE:
        raise ImportRefused(f"Importen {run.pk} kan inte ångras (status: {run.get_status_display()}).")
    later = ObservationChange.objects.filter(previous__import_run=run.pk).exclude(import_run=run)
    if later.exists():
        blocking = sorted(set(later.values_list("import_run_id", flat=True)))
        raise ImportRefused(f"Senare importer ({', '.join(map(str, blocking))}) ändrade samma värden; ångra dem först.")
    with transaction.atomic():
        restored = _restore(run)
        removed, _by_model = Observation.objects.filter(import_run=run).delete()
        events, _by_model = Event.objects.filter(import_run=run).delete()
        run.status = ImportRun.Status.UNDONE
        run.save(update_fields=["status"])
        result = {"removed": removed, "restored": restored, "events_removed": events}
        record("statistics.undo_import", actor=actor, obj=run, partnership=run.partnership, changes=result)
    return result


def _restore(run: ImportRun) -> int:
    changes = list(run.changes.select_related("observation"))
    observations = []
    for change in changes:
        obs = change.observation
        for name in FIELDS:
            setattr(obs, name, change.previous[name])
        obs.import_run_id = change.previous["import_run"]
        observations.append(obs)
    Observation.objects.bulk_update(observations, [*FIELDS, "import_run"], batch_size=1000)
    return len(observations)


# Uploads on the web: mapping (spreadsheets), a preview of what will change, then the import.

MAPPING_FIELDS = {f.name for f in fields(spreadsheet.Mapping)}


def do_upload_import(
    raw: bytes,
    filename: str,
    *,
    actor: Actor,
    format_name: str | None = None,
    partnership: Partnership | None = None,
) -> ImportJob:
    """Keep an uploaded file and check it; a spreadsheet first waits for the user's column mapping. An upload is
    its user's until it is imported, so a system actor imports with `do_import` instead. With `partnership` the
    file is that partnership's own data, without it official statistics (statistics.owners)."""
    user = user_of(actor)
    if user is None:
        raise ImportRefused(_("Bara en inloggad användare kan ladda upp en fil."))
    owners.require_import(actor, partnership)
    refuse_personal_data({"file": filename}, ["file"], ImportRefused)
    fmt = formats.BY_NAME[format_name] if format_name else _detect_upload(raw, filename)
    if partnership is not None:
        owners.require_own_format(fmt.name)
    options: dict[str, Any] = {}
    if fmt.name == spreadsheet.FORMAT:
        # Exports often have a title and a blank row first: start the mapping from the header found below them.
        options["header_row"] = spreadsheet.guess_header_row(raw, filename)
        # A file whose header cannot be read is refused now, not after the mapping.
        spreadsheet.columns(raw, filename, header_row=options["header_row"])
    with transaction.atomic():
        job = ImportJob.objects.create(
            actor=user,
            partnership=partnership,
            file_name=filename[:255],
            sha256=hashlib.sha256(raw).hexdigest(),
            size=len(raw),
            format=fmt.name,
            options=options,
            status=ImportJob.Status.MAPPING if fmt.name == spreadsheet.FORMAT else ImportJob.Status.CHECKING,
            background=len(raw) > settings.LOFTE_IMPORT_BACKGROUND_BYTES,
        )
        _keep_upload(job, raw)
        record(
            "statistics.upload",
            actor=actor,
            obj=job,
            partnership=partnership,
            changes={"file": job.file_name, "format": job.format},
        )
    _start(job)
    return job


def _keep_upload(job: ImportJob, raw: bytes) -> None:
    """The whole file or none of it: a disk that fills up mid-write leaves no partial file (lofte.lib.files)."""
    try:
        write_atomically(job.path, raw)
    except OSError:
        logger.exception("Could not keep upload %s", job.pk)
        raise ImportRefused(
            _(
                "Filen kunde inte sparas på servern (lagringen är full eller skrivskyddad), så inget laddades upp. "
                "Be förvaltaren frigöra utrymme och försök igen."
            )
        ) from None


def _detect_upload(raw: bytes, filename: str) -> formats.Format:
    """The format of a file uploaded with "recognise automatically": a publisher's own format when it is one, else
    a table the user maps (an Excel workbook or a CSV file: the title-topped exports of Polisens trygghetsmätning
    and NTU are of this kind), else a refusal that says what to choose."""
    try:
        return formats.detect(raw, filename)
    except ImportFileError:
        if spreadsheet.is_table(raw, filename):
            return formats.BY_NAME[spreadsheet.FORMAT]
        raise ImportFileError(
            filename,
            "formatet känns inte igen. Välj formatet i listan, eller ”Eget kalkylark” för en tabell (CSV eller "
            "Excel) där du själv väljer vilka kolumner som är område, period och värde.",
        ) from None


def mapping_from_options(options: dict[str, Any]) -> spreadsheet.Mapping:
    """The mapping as stored on a job (JSON); raises ImportFileError naming the field it cannot use."""
    known = {key: value for key, value in options.items() if key in MAPPING_FIELDS}
    known["where"] = tuple((str(column), str(value)) for column, value in known.get("where", ()))
    return spreadsheet.Mapping(**known)


def do_map_upload(job: ImportJob, options: dict[str, Any], *, actor: Actor) -> None:
    """Take the spreadsheet's column mapping and check the file with it."""
    mapping_from_options(options)
    with transaction.atomic():
        if not _move(job, ImportJob.Status.MAPPING, ImportJob.Status.CHECKING, options=options, error=""):
            raise ImportRefused("Uppladdningen väntar inte på ett kolumnval.")
        record("statistics.map_upload", actor=actor, obj=job, partnership=job.partnership, changes={"mapping": options})
    _start(job)


def do_confirm_upload(job: ImportJob, *, actor: Actor) -> None:
    """Import a checked file; the import run records who confirmed it."""
    if not _move(job, ImportJob.Status.READY, ImportJob.Status.IMPORTING):
        raise ImportRefused("Uppladdningen väntar inte på bekräftelse.")
    _start(job)


def do_cancel_upload(job: ImportJob, *, actor: Actor) -> None:
    """Drop an upload that waits, failed, or was interrupted (its worker stopped), and remove its file."""
    _require_uploader(job, actor)
    cancellable: list[str] = [ImportJob.Status.MAPPING, ImportJob.Status.READY, ImportJob.Status.FAILED]
    if queries.is_interrupted(job):
        cancellable.append(job.status)
    with transaction.atomic():
        if not _move(job, tuple(cancellable), ImportJob.Status.CANCELLED):
            raise ImportRefused("Bara en uppladdning som väntar eller har stannat kan avbrytas.")
        record("statistics.cancel_upload", actor=actor, obj=job, partnership=job.partnership)
    job.path.unlink(missing_ok=True)
    progress.clear(job.pk)


INTERRUPTED = (
    "Arbetet med filen avbröts av ett fel innan det blev klart (arbetsprocessen stannade), och inget sparades. "
    "Välj ”Försök igen” för att granska filen på nytt, eller ”Avbryt”."
)


def can_retry(job: ImportJob) -> bool:
    """A failed or interrupted upload whose file is still kept can be checked again."""
    failed = job.status == ImportJob.Status.FAILED or queries.is_interrupted(job)
    return failed and job.path.exists()


def do_retry_upload(job: ImportJob, *, actor: Actor) -> None:
    """Check a failed or interrupted upload again from the start (a dry run: nothing is saved); its owner then
    confirms the import as the first time."""
    _require_uploader(job, actor)
    if not can_retry(job):
        raise ImportRefused("Den här uppladdningen kan inte försökas igen. Ladda upp filen på nytt.")
    with transaction.atomic():
        if not _move(job, job.status, ImportJob.Status.CHECKING, error=""):
            raise ImportRefused("Uppladdningen ändrades under tiden. Ladda om sidan.")
        record("statistics.retry_upload", actor=actor, obj=job, partnership=job.partnership)
    _start(job)


def do_fail_interrupted_upload(job_id: int, *, actor: Actor) -> bool:
    """The worker checking or importing an upload died (settled by the worker's reaper): the upload has failed,
    with a message that says so; its file stays for a retry until its owner retries or cancels it."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return False
    with transaction.atomic():
        if not _move(job, ImportJob.ACTIVE, ImportJob.Status.FAILED, error=INTERRUPTED):
            return False
        record("statistics.upload_interrupted", actor=actor, obj=job, partnership=job.partnership)
    progress.clear(job.pk)
    return True


def _require_uploader(job: ImportJob, actor: Actor) -> None:
    """An upload is its uploader's (or an operator's) until it is imported."""
    user = user_of(actor)
    if user is None or not (user.pk == job.actor_id or user.is_superuser):
        raise ImportRefused("Bara den som laddade upp filen, eller en förvaltare, kan ändra uppladdningen.")


def _move(job: ImportJob, from_: str | tuple[str, ...], to: str, **changes: Any) -> bool:
    """Change the status only if nobody else changed it first (a second click, the worker)."""
    allowed = (from_,) if isinstance(from_, str) else from_
    moved = ImportJob.objects.filter(pk=job.pk, status__in=allowed).update(
        status=to, updated_at=timezone.now(), **changes
    )
    if moved:
        job.status = to
        for name, value in changes.items():
            setattr(job, name, value)
    return bool(moved)


def _start(job: ImportJob) -> None:
    if job.status not in ImportJob.ACTIVE:
        return
    if job.background:
        progress.clear(job.pk)
        transaction.on_commit(partial(tasks.process_import_job.enqueue, job.pk))
    else:
        do_process_import_job(job.pk)


def do_process_import_job(job_id: int) -> None:
    """One step of an upload, in the request or in the worker: check the file (a dry run), or import it."""
    job = (
        ImportJob.objects.select_related("actor", "partnership__area")
        .defer("partnership__area__geometry")
        .filter(pk=job_id, status__in=ImportJob.ACTIVE)
        .first()
    )
    if job is None:
        return  # cancelled, or already done by an earlier attempt
    checking = job.status == ImportJob.Status.CHECKING
    try:
        summary = do_import(
            job.path.read_bytes(),
            job.file_name,
            actor=job.actor,
            format_name=job.format,
            dry_run=checking,
            on_progress=partial(progress.report, job.pk),
            options={"mapping": mapping_from_options(job.options)} if job.format == spreadsheet.FORMAT else None,
            partnership=job.partnership,
        )
    except ImportFileError as exc:
        _fail(job, str(exc))
        return
    except ImportRefused as exc:
        _fail(job, exc.message)
        return
    except FileNotFoundError:
        _fail(job, "Den uppladdade filen finns inte längre. Ladda upp den igen.")
        return
    except Exception:
        logger.exception("Import job %s failed", job.pk)
        # Not the file's fault (the database went away, a bug): the file stays, for "Försök igen".
        _fail(
            job,
            "Importen avbröts av ett oväntat fel och inget sparades. Försök igen, eller be förvaltaren se i loggen.",
            keep_file=True,
        )
        return
    done = not checking or not summary.changed_anything
    status = ImportJob.Status.DONE if done else ImportJob.Status.READY
    _move(job, job.status, status, summary=summary.as_dict(), run_id=summary.run, error="")
    if done:
        job.path.unlink(missing_ok=True)


def _fail(job: ImportJob, message: str, *, keep_file: bool = False) -> None:
    """A spreadsheet goes back to its mapping, so the user can pick other columns; any other file has failed, and
    is removed unless it may succeed on a retry (`keep_file`: until its owner retries or cancels)."""
    if job.format == spreadsheet.FORMAT and job.status == ImportJob.Status.CHECKING:
        _move(job, job.status, ImportJob.Status.MAPPING, error=message)
        return
    _move(job, job.status, ImportJob.Status.FAILED, error=message)
    if not keep_file:
        job.path.unlink(missing_ok=True)
