"""Following up a medborgarlöfte: its rounds on the agreement's schedule, every goal evaluated and every promise
reported, then closed and published (the rules are in `actions.py`). The reminders before a round is due are the
`remind_followups` task in `lofte.promises.tasks`; the round's reports are `lofte.promises.reports`."""
