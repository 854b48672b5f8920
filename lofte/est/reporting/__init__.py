"""Reporting incidents from the web form and following one's own reports, under /samverkan/<slug>/est/.

`actions.do_report_incidents` (a member's sitting, through the shared intake `est.intake.report_incidents`),
`forms` (the formset of one sitting and its clock times), `queries` (the reporter's own reports, one visible
report), `views` (the form, "mina rapporter", one report and its photo) and `urls`.
"""
