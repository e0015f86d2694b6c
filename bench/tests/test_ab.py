"""bench.ab's reading of its interleaved bursts (docs/performance.md, « Comparing two checkouts »)."""

import os

import pytest

from bench.ab import cpu_ms, summary


def test_each_round_gives_its_ratio_and_each_side_its_medians():
    """M10"""
    result = summary(
        {"this": [(120, 12.0), (100, 14.0), (130, 11.0)], "against": [(100, 15.0), (100, 16.0), (90, 17.0)]}
    )
    assert result["ratios"] == pytest.approx([1.2, 1.0, 130 / 90])
    assert result["ratio"] == pytest.approx(1.2)
    assert result["this"] == {"rps": 120, "cpu_ms": 12.0}
    assert result["against"] == {"rps": 100, "cpu_ms": 16.0}


def test_rounds_are_compared_in_pairs():
    """M10"""
    with pytest.raises(ValueError):
        summary({"this": [(120, 12.0)], "against": []})


def test_cpu_time_is_read_from_proc():
    """M10"""
    before = cpu_ms([os.getpid()])
    sum(i * i for i in range(300_000))
    assert cpu_ms([os.getpid()]) >= before > 0
