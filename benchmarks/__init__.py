"""Löfte's benchmarks, kept out of the package: `make bench` runs `python -m benchmarks` from the repository root.

`harness.py` is the one way they measure (calls in this process, and a served Löfte under load); `pages.py` times
the main pages and API endpoints through Django's test client, `lagesbild.py`, `promises.py` and `est.py` time
their features on generated data, and `importing.py` the statistics import; `report.py` writes
docs/benchmarks.md. Each module but the harness needs Django set up, which `__main__` does.
"""
