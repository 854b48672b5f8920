"""The action plan as a spreadsheet: every promise of a löfte out to XLSX or CSV and back in, read into a preview
first and then applied all or nothing (`plan.py`)."""
