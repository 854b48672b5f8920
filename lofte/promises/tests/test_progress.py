"""The roll-up of promise progress: plain data in, whole percentages out."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lofte.promises.progress import Part, overall, rolled_up


def test_it_keeps_a_leafs_own_progress() -> None:
    assert rolled_up([Part(1, None, 40)]) == {1: 40}


def test_it_rolls_children_up_into_the_parent_by_weight() -> None:
    parts = [Part(1, None, 0), Part(2, 1, 100, weight=3), Part(3, 1, 0, weight=1)]
    assert rolled_up(parts) == {1: 75, 2: 100, 3: 0}


def test_it_ignores_the_parents_own_progress_when_it_has_parts() -> None:
    parts = [Part(1, None, 100), Part(2, 1, 0), Part(3, 1, 50)]
    assert rolled_up(parts)[1] == 25


def test_it_rolls_up_through_every_level() -> None:
    parts = [Part(1, None, 0), Part(2, 1, 0), Part(3, 2, 100), Part(4, 2, 0), Part(5, 1, 100)]
    # 2 is the mean of 100 and 0; 1 is the mean of 2 (50) and 5 (100).
    assert rolled_up(parts) == {1: 75, 2: 50, 3: 100, 4: 0, 5: 100}


def test_it_counts_parts_that_all_weigh_nothing_equally() -> None:
    parts = [Part(1, None, 0), Part(2, 1, 100, weight=0), Part(3, 1, 0, weight=0)]
    assert rolled_up(parts)[1] == 50


def test_it_leaves_out_a_part_that_weighs_nothing_beside_others() -> None:
    parts = [Part(1, None, 0), Part(2, 1, 100, weight=0), Part(3, 1, 20, weight=2)]
    assert rolled_up(parts)[1] == 20


def test_it_rounds_half_up() -> None:
    parts = [Part(1, None, 0), Part(2, 1, 25), Part(3, 1, 100)]
    assert rolled_up(parts)[1] == 63  # 62.5


def test_it_clamps_progress_to_0_and_100() -> None:
    assert rolled_up([Part(1, None, 140), Part(2, None, -5)]) == {1: 100, 2: 0}


def test_it_treats_a_part_whose_parent_is_unknown_as_top_level() -> None:
    assert overall([Part(2, 99, 30)]) == 30


def test_it_survives_a_cycle() -> None:
    progress = rolled_up([Part(1, 2, 10), Part(2, 1, 90)])
    assert set(progress) == {1, 2}
    assert all(0 <= value <= 100 for value in progress.values())


def test_it_weighs_the_top_level_promises_for_the_whole() -> None:
    parts = [Part(1, None, 100, weight=1), Part(2, None, 0, weight=3), Part(3, 2, 40)]
    assert overall(parts) == 55  # (100 + 3 × 40) / 4


def test_it_has_no_overall_progress_without_promises() -> None:
    assert overall([]) is None


@given(
    st.lists(
        st.tuples(st.integers(0, 100), st.integers(0, 5), st.integers(0, 100)),
        min_size=1,
        max_size=30,
    )
)
def test_it_keeps_every_value_between_0_and_100(rows: list[tuple[int, int, int]]) -> None:
    # Each part's parent is an earlier part (or none), as the actions guarantee: no cycles.
    parts = [
        Part(i, (parent % i) if i and parent % 3 else None, own, weight) for i, (own, weight, parent) in enumerate(rows)
    ]
    progress = rolled_up(parts)
    assert set(progress) == {part.id for part in parts}
    assert all(0 <= value <= 100 for value in progress.values())
    total = overall(parts)
    assert total is not None and 0 <= total <= 100
