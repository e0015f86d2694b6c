"""The download's goal (issue 18, item 6): alternated pairs, each with its own ratio."""

from bench import run


def _run(speed):
    return {"mb_per_s": speed, "runs_mb_per_s": [speed], "bytes": 1, "status": 200, "rss_growth_mb": 0.0}


def test_each_pair_gives_its_ratio_and_the_goal_reads_their_median():
    """M6 M10: a slow first run of one server cannot decide the figure"""
    django = [_run(s) for s in (1300.0, 3300.0, 2900.0, 2800.0, 3400.0)]
    raw = [_run(s) for s in (1400.0, 3500.0, 3000.0, 3400.0, 3500.0)]
    ratios = run.pair_ratios(django, raw)
    assert ratios == [0.929, 0.943, 0.967, 0.824, 0.971]
    download = {
        "django": run.combine_downloads(django),
        "raw": run.combine_downloads(raw),
        "size": 1,
        "pair_ratios": ratios,
    }
    (goal,) = run.goals([], {}, download)
    assert goal["share_of_raw"] == 0.94 and goal["share_ok"] and goal["pair_ratios"] == ratios


def test_below_the_goal_the_download_is_reported_missed():
    """M6 M10"""
    download = {"django": _run(2000.0), "raw": _run(3000.0), "size": 1, "pair_ratios": [0.66, 0.7, 0.8]}
    (goal,) = run.goals([], {}, download)
    assert goal["share_of_raw"] == 0.7 and not goal["share_ok"]
