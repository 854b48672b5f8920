"""EST (effektiv samordning för trygghet): incident reports, their review, the weekly lägesbild and meetings.

Shared by every part, at the top: `models`, `access` (who sees which report, how precisely), `categories` (the
reference set), `intake` (the one way a report enters), `setup` and `queries` (a partnership's settings and
categories, written when it is created, only read after), `status`, `routing`, `places`, `photos`, `wallclock`
and `tasks`. The features are sub-packages: `reporting`, `review`, `weekly`, `meetings` and `open311`.
"""
