"""The collector settings of bulk loads."""

from __future__ import annotations

import gc

import pytest

from cxhub.kit import collector


def test_a_bulk_load_freezes_the_heap_and_collects_less_often_then_sets_both_back() -> None:
    before = gc.get_threshold()
    with collector.fewer_collections(young=12_345):
        assert gc.get_threshold()[0] == 12_345
        assert gc.get_freeze_count() > 0
        with collector.fewer_collections():  # a nested load changes nothing and restores nothing
            assert gc.get_threshold()[0] == 12_345
        assert gc.get_threshold()[0] == 12_345
        cycle: list[object] = []
        cycle.append(cycle)
        del cycle
        assert gc.collect() >= 1  # garbage cycles are still found
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_thresholds_are_set_back_when_the_load_fails() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), collector.fewer_collections():
        raise RuntimeError("batch failed")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
