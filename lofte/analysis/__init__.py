"""Statistics behind the lägesbild: plain functions over plain data, no Django.

Everything here takes numbers, sequences and small records and returns frozen dataclasses or
NamedTuples, so views, the API, reports and management commands can share it and the tests run
without a database. Missing data is ``None`` and is never treated as zero.

Modules:

- ``rates``: rates per 100 000 inhabitants and the change of a period against the previous one and
  against the mean of the three before.
- ``significance``: exact test of two Poisson counts (conditional binomial test) with the rate ratio
  and its exact confidence interval; is a change between two periods real or noise?
- ``trend``: Poisson regression over five or more periods, with a quasi-Poisson guard against
  overdispersion; the change per period as a rate ratio.
- ``compare``: one area against a reference (län, riket, or pooled similar kommuner).
- ``ranking``: a 0–100 priority score per crime category with plain-Swedish reasons.
- ``events``: patterns in time and place for Polisen's events (type, weekday × hour, month,
  season, repeat places).
- ``hotspots``: Getis-Ord Gi* hot spots on a square grid, tested by the exact randomisation of the points over
  the cells with a Benjamini–Hochberg correction over the grid; no claim below 30 points or when coordinates are
  too coarse to mean anything.
- ``verdicts``: the verdict codes shared by the tests above and their Swedish labels.
"""
