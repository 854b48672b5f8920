"""Gallring: each kind of personal data is deleted or anonymised once its retention period has passed.

`kinds.py` names the kinds and their limits (the instance's settings, `LOFTE_RETENTION`), `models.py` a
partnership's own periods (`RetentionPolicy`, NULL: the instance's default), `actions.py` the one change of them
(`do_set_retention`), `job.py` the nightly run (`run_gallring`, the command `lofte gallring`), `queries.py` what
the pages read (what goes next, the last run). The aggregates stay: an incident keeps its category, time, area,
status and a place generalised to its partnership's grid cell, so the weekly lägesbild counts the same.
"""
