"""PC-Axis (.px) tables from SCB's statistical database."""
