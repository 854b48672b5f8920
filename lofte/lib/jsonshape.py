"""How deep a JSON document nests and how many innermost arrays it holds, measured before it is parsed.

Python's json module builds the whole document before anyone can look at it: a 20 MB GeoJSON file of a
million points becomes some 150 MB of lists and floats and minutes of shapely's checks, and nesting deeper than
the interpreter's recursion limit ends in a RecursionError rather than a message. The standard library cannot stop
a parse at a given depth or size, and a streaming parser (ijson) would be a new dependency for this one check, so
the document is measured first, in a way that costs little whatever it holds:

- strings are blanked out with one regular expression (a bracket inside a name is not structure);
- what is left is reduced to its brackets with `bytes.translate`;
- the depth at each bracket is the running sum of openings (+1) and closings (−1), which numpy computes in
  chunks of a million brackets, so a file of nothing but "[" needs a few megabytes, not a list per bracket;
- an innermost array is an opening bracket followed at once by its closing one among the brackets left: for
  GeoJSON, one per position (vertex).

Hand-written, so kept small and pure (no Django); malformed JSON is left to json.loads to describe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # unrolled, so linear in a long string
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_OPENING = np.zeros(256, dtype=np.int8)
_OPENING[[ord("["), ord("{")]] = 1
_OPENING[[ord("]"), ord("}")]] = -1
CHUNK = 1 << 20


@dataclass(frozen=True)
class JsonShape:
    depth: int  # the deepest nesting of arrays and objects: {"a": [1]} is 2
    leaf_arrays: int  # arrays that hold no array or object (in GeoJSON, the positions)


def measure(raw: bytes) -> JsonShape:
    """The shape of a JSON document in UTF-8 (or ASCII), without parsing it."""
    brackets = _STRING.sub(b'""', raw).translate(None, _NOT_BRACKETS)
    depth, deepest = 0, 0
    for start in range(0, len(brackets), CHUNK):
        steps = _OPENING[np.frombuffer(brackets, dtype=np.uint8, count=min(CHUNK, len(brackets) - start), offset=start)]
        levels = np.cumsum(steps, dtype=np.int64) + depth
        deepest = max(deepest, int(levels.max()))
        depth = int(levels[-1])
    return JsonShape(deepest, brackets.count(b"[]"))
