"""JSON-stat 2.0 datasets, as SCB's PxWebApi v2 returns them (outputFormat=json-stat2)."""
