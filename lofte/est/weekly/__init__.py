"""The weekly lägesbild for the EST meeting, the area analysis and the downloads.

`queries` (`compile_week`: one ISO week's counts, comparisons, places, repeat places and hot spots; the map's
data), `area_analysis` (each area over a period, and the effect of actions), `exports` (the week as PDF and
tables, every report as a table), `actions` (the samordnare's assessment of the week), `forms`, `views`, `urls`.
"""
