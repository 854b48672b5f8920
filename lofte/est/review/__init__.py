"""Reviewing reports, the reports routed to a member's organisation, and the EST settings.

`actions` (approve, correct, merge, reject, route, change status; the settings, categories and routing rules),
`forms`, `queries` (the queue, one report, the assigned reports and actions, the routing rules), `duplicates`
(the suggestions of reports about the same incident), `views` and `urls`.
"""
