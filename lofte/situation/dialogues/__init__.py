"""The partnership's dialogues and safety walks (medborgardialog, medarbetardialog, trygghetsvandring) under
/samverkan/<slug>/dialoger/: recorded and changed through `actions.py`, read through `queries.py`, shown by
`views.py`. The models live with the rest of the app's in `lofte/situation/models.py`."""
