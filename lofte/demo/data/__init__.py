"""What the demo says, as data apart from the code that loads it (README.md here says what each file holds and
where its text comes from)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).resolve().parent


@cache
def load(name: str) -> Any:
    """The parsed `<name>.json` of this folder; read once."""
    return json.loads((FOLDER / f"{name}.json").read_text(encoding="utf-8"))
