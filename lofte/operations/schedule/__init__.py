"""Scheduled jobs: the periodic work an instance needs (Polisen's events, reminders, gallring, pruning, backups),
run by one loop, `lofte scheduler`, exactly once per slot across every process and machine.

- `jobs.py`: the table of jobs (name, the `lofte` commands it runs, when, whether it is on).
- `timing.py`: when a job is due (pure, no Django): a fixed interval, or a daily or weekly clock time in
  Europe/Stockholm.
- `models.py`: `JobRun`, one row per slot run, unique on (job, due_at). Claiming a slot *is* inserting its row:
  the database's unique constraint decides which scheduler runs it, so two schedulers (two machines, or a
  scheduler and an operator's `--run`) never run one slot twice.
- `runner.py`: runs a job's commands in a subprocess of its own (its own process group) with a timeout; a hung
  job is killed and recorded "failed". `scheduler.py` runs each claimed job in a thread of the loop that only
  waits on that subprocess, so a long backup never holds up Polisen's half-hourly fetch; the loop itself does
  every database write.
- `health.py`: what /healthz says about the jobs; `queries.py`, `actions.py`, `views.py`: the operator's page
  /drift/jobb/ and its "Kör nu" button, which queues a run for the worker (`tasks.py`).

Why hand-written rather than croniter or APScheduler: the schedule is six or seven fixed intervals and clock
times, which take some forty lines over `zoneinfo` (timing.py) with the two DST nights decided explicitly and
tested. croniter would add a dependency (and a cron dialect) to answer only "the latest slot at or before now",
and its DST handling has changed between releases; APScheduler brings its own job store and executors, but
exactly-once across machines must come from Löfte's database anyway (the unique (job, due_at) row), and it would
run jobs inside the scheduler's process, where a hung job cannot be killed. A subprocess per run can.

Missed slots: a job is due when the latest slot at or before now has no row. A scheduler that was down for a day
finds only the latest of the missed slots and runs the job once, not once per missed slot.
"""
