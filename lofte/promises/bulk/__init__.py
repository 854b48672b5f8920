"""The action plan as a spreadsheet: every promise of a löfte out to XLSX or CSV and back in (`plan.py`: the
columns, the export, and reading a file into a preview that names every wrong row and column), then the preview
applied all or nothing (`actions.py`). Its pages are part of the follow-up's, namespace `uppfoljning`."""
