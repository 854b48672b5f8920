"""The agreement between police and kommun, its medborgarlöften and their follow-up. Each feature is a sub-package
with the same few modules (`actions.py`, `forms.py`, `views.py`, `urls.py`, and `queries.py` where it reads):

- `agreement/`: the samverkansöverenskommelse, its signatories and its PDFs;
- `lofte/`: a medborgarlöfte with its focus areas, goals, promises and activities, its decision record and the
  workflow from draft to published;
- `followup/`: the follow-up rounds, each goal evaluated and each promise reported, closed and published;
- `bulk/`: the action plan out to a spreadsheet and back.

Beside them: `models.py`, `editing.py` (what the agreement's and the löften's actions share), `views.py` and
`urls.py` (the list page and the `loften` table), `goals.py` and `progress.py` (a goal's verdict from the statistics,
progress rolled up), `published.py` (what the public sees), `api.py`, `documents.py` and `reports.py` (the decision
documents and the follow-up's reports), `tasks.py` (reminders), `signals.py` (what features above are told).
"""
