"""The demo: `lofte demo` loads Mjölby, Motala and Mullsjö with their partners, one user per role, the real public
statistics, Mjölby's draft lägesbild, the two seed medborgarlöften and a made-up EST year for Mjölby.

It stands above every feature and imports their actions; nothing in Löfte imports it. What the demo says (the
organisations and users, the seed documents' texts, the invented places and patterns of the EST year) is data in
`data/`, apart from the code that loads it: `partnerships.py`, `statistics.py`, `situation.py`, `promises.py` and
`est.py`, run in that order by `management/commands/demo.py`.
"""
