"""How far a medborgarlöfte's promises have come: children roll up into their parent by weight.

Plain functions over plain data, no Django, so the pages, the documents and the follow-up share one rule:

- a promise without parts has its own progress (given, or what its status says);
- a promise with parts has the weighted mean of its parts' rolled-up progress, whatever its own says;
  parts that all weigh 0 count equally, so a parent never ends up without a value;
- the whole löfte is the weighted mean of its top-level promises, by the same rule.

A cycle cannot be stored (the actions refuse one), but if one were, the promise met again is taken as a leaf
rather than recursing for ever.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Part:
    id: int
    parent_id: int | None
    own: int  # 0–100: the progress given, or the one the status implies
    weight: int = 1


def rolled_up(parts: Iterable[Part]) -> dict[int, int]:
    """Each promise's progress in whole percent, with its parts' progress rolled up into it."""
    by_id = {part.id: part for part in parts}
    children: dict[int, list[Part]] = defaultdict(list)
    for part in by_id.values():
        if part.parent_id is not None and part.parent_id in by_id:
            children[part.parent_id].append(part)
    exact: dict[int, float] = {}

    def value(part: Part, seen: frozenset[int]) -> float:
        if part.id in exact:
            return exact[part.id]
        kids = [kid for kid in children.get(part.id, []) if kid.id not in seen]
        if not kids:
            result = float(_clamp(part.own))
        else:
            inner = seen | {part.id}
            result = _mean([(value(kid, inner), kid.weight) for kid in kids])
        exact[part.id] = result
        return result

    for part in by_id.values():
        value(part, frozenset())
    return {pk: _whole(progress) for pk, progress in exact.items()}


def overall(parts: Iterable[Part]) -> int | None:
    """The whole löfte: the weighted mean of its top-level promises; None when it has none."""
    parts = list(parts)
    known = {part.id for part in parts}
    progress = rolled_up(parts)
    roots = [part for part in parts if part.parent_id is None or part.parent_id not in known]
    if not roots:
        return None
    return _whole(_mean([(float(progress[root.id]), root.weight) for root in roots]))


def _mean(values: list[tuple[float, int]]) -> float:
    total = sum(max(weight, 0) for _, weight in values)
    if total == 0:
        return sum(value for value, _ in values) / len(values)
    return sum(value * max(weight, 0) for value, weight in values) / total


def _whole(value: float) -> int:
    # Half up, as people round percentages (round() would make 62.5 into 62).
    return int(value + 0.5)


def _clamp(value: int) -> int:
    return max(0, min(100, value))
