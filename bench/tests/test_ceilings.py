"""Each page against the ceilings of its own moment in the run (bench.run.ceilings_for): the
machine drifts during a run, so the four ceilings are measured before the pages and again after
them, and each page gets them interpolated to its place."""

from bench.run import AGAIN, CEILINGS, ceilings_for, goals, table


def _row(key, rps):
    return {"key": key, "label": key, "rps": rps, "p50_ms": 1.0, "p99_ms": 2.0, "errors": 0, "load_before": 1.0}


def _run(start, pages, end=None):
    rows = [_row(key, rps) for key, rps in zip(CEILINGS, start, strict=True)]
    rows += [_row(key, rps) for key, rps in pages]
    if end:
        rows += [_row(key + AGAIN, rps) for key, rps in zip(CEILINGS, end, strict=True)]
    return rows


def test_pages_get_the_ceilings_interpolated_to_their_place_in_the_run():
    """M10"""
    rows = _run([4000, 1000, 2000, 800], [("a", 150), ("b", 150)], end=[3000, 600, 1600, 600])
    at = ceilings_for(rows)
    assert at["a"]["bare_row"] == 900 and at["b"]["bare_row"] == 700  # a quarter and three quarters of the way
    assert at["bare_row"]["bare_row"] == 1000 and at["bare_row" + AGAIN]["bare_row"] == 600
    checks = {c["endpoint"]: c for c in goals(rows, at, None) if "bare_ratio" in c}
    assert checks["a"]["bare_ratio"] == round(150 / 900, 2) and checks["a"]["bare_ratio_ok"]
    assert checks["b"]["bare_ratio"] == round(150 / 700, 2)
    assert set(checks) == {"a", "b"}  # the ceilings are not pages
    assert "| a | 150 |" in table(rows, at) and "0.17" in table(rows, at)


def test_without_a_second_measure_every_page_gets_the_first():
    """M10"""
    rows = _run([4000, 1000, 2000, 800], [("a", 150)])
    assert ceilings_for(rows)["a"] == {"bare_fixed": 4000, "bare_row": 1000, "ceiling_fixed": 2000, "ceiling_row": 800}


def test_the_portal_s_fixed_page_is_checked_at_both_ends():
    """M10: item 2 of issue 18 read at the start and at the end of the run"""
    rows = _run([4000, 1000, 2000, 800], [("a", 150)], end=[3000, 600, 1400, 600])
    shares = [c["share_of_bare_fixed"] for c in goals(rows, ceilings_for(rows), None) if "share_of_bare_fixed" in c]
    assert shares == [0.5, round(1400 / 3000, 2)]
