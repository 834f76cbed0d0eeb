"""The forking map the shell hands to the curation core: same answers as `map`, in order,
errors named, and a proposal identical to the one made in one process."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from curation import SlotRules, cluster_films, fitting, propose_bundles
from curation.testing import random_catalog
from web.usecases.parallel import PARALLEL_FILMS, forked_map, mapper_for

PARENT = os.getpid()
TAKEN = multiprocessing.get_context("fork").Event()  # set by a child when it takes an item


def _in_a_child(x: int) -> bool:
    """True in a child, which says it took an item; here, the first item waits until a child
    has taken one, so that each test's children surely get work."""
    if os.getpid() != PARENT:
        TAKEN.set()
        return True
    if x == 0:
        assert TAKEN.wait(60)
    return False


def _pid_and_square(x: int) -> tuple[int, int]:
    _in_a_child(x)
    return os.getpid(), x * x


def test_the_items_are_shared_out_and_come_back_in_order() -> None:
    TAKEN.clear()
    answers = forked_map(_pid_and_square, list(range(200)), processes=2)
    assert [square for _, square in answers] == [x * x for x in range(200)]
    # The first item is the calling process's; a child took some of the others.
    assert answers[0][0] == os.getpid()
    assert len({pid for pid, _ in answers}) == 2


def test_one_item_or_one_process_runs_here() -> None:
    TAKEN.set()
    assert forked_map(_pid_and_square, [3], processes=2) == [(os.getpid(), 9)]
    assert {pid for pid, _ in forked_map(_pid_and_square, [1, 2, 3], processes=1)} == {os.getpid()}
    assert forked_map(_pid_and_square, [], processes=2) == []


def _fails_in_a_child(x: int) -> int:
    if _in_a_child(x):
        raise ValueError(f"film {x} has no runtime")
    return x


def test_an_error_in_a_child_is_raised_here_with_its_traceback() -> None:
    TAKEN.clear()
    with pytest.raises(RuntimeError, match="a curation process failed") as raised:
        forked_map(_fails_in_a_child, [0, 1, 2, 3], processes=2)
    assert "ValueError: film 1 has no runtime" in str(raised.value)


def _dies(x: int) -> int:
    if _in_a_child(x):
        os._exit(3)  # killed mid-way, without a word
    return x


def test_a_child_that_dies_is_named_not_waited_for_forever() -> None:
    TAKEN.clear()
    with pytest.raises(RuntimeError, match=r"stopped without an answer \(exit code 3\)"):
        forked_map(_dies, list(range(50)), processes=2)


def test_small_catalogs_stay_in_one_process() -> None:
    assert mapper_for(PARALLEL_FILMS - 1, processes=2) is None
    assert mapper_for(PARALLEL_FILMS, processes=1) is None
    assert mapper_for(PARALLEL_FILMS, processes=2) is not None


def test_a_proposal_spread_over_processes_is_the_one_made_in_one() -> None:
    films, vectors = random_catalog(1_500, seed=7, dimension=48)
    rules = SlotRules(slot_minutes=44)
    fits = fitting(films, rules)
    groups = cluster_films([films[i] for i in fits], vectors[fits], "subject")
    calls: list[int] = []

    def counted(fn, items):  # type: ignore[no-untyped-def]
        calls.append(len(items))
        return forked_map(fn, items, processes=2)

    alone = propose_bundles(films, groups, vectors, rules, "subject")
    spread = propose_bundles(films, groups, vectors, rules, "subject", mapper=counted)
    assert spread == alone
    assert alone.bundles and alone.unplaced
    # The groups, the group bundles beside the leftovers, the leftovers' bundles, then the
    # labels beside the diagnosis: four spreads.
    assert len(calls) == 4 and calls[1] == 2
