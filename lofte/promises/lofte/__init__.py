"""A medborgarlöfte from draft to decision: the löfte itself, its focus areas, goals and promises with their
activities, its decision record, and the workflow utkast → föreslagen → beslutad → publicerad (the state diagram
is in `actions.py`). Its pages are under /samverkan/<slug>/loften/, namespace `loften`."""
