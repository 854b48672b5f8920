"""The lägesbild document (Lag 2023:196) under /samverkan/<slug>/lagesbild/: its versions, sources, SARA problems
and their evidence (`evidence.py`: Polisen's events), adoption (`actions.py`), the pages (`views.py`, reading
through `queries.py`) and the PDF and Word exports (`documents.py`). The models live with the rest of the app's in
`lofte/situation/models.py`."""
