"""bench.profile's reading of py-spy's raw output (the profiles of docs/performance.md)."""

from bench.profile import shares

RAW = [
    "<module> (gunicorn:8);handle_request (gunicorn/workers/sync.py:180);get_user (accounts/auth.py:90);get (redis/client.py:1) 3",
    "<module> (gunicorn:8);handle_request (gunicorn/workers/sync.py:181);log (core/observability.py:70) 1",
    "<module> (gunicorn:8);accept (gunicorn/workers/sync.py:30) 6",
    "",
]


def test_shares_count_only_the_samples_inside_a_request_each_function_once_per_sample():
    """M10"""
    total, inclusive, own = shares(RAW)
    assert total == 4
    by_name = {name: share for share, name in inclusive}
    assert by_name["handle_request (gunicorn/workers/sync.py)"] == 1.0  # two lines, one function
    assert by_name["get_user (accounts/auth.py)"] == 0.75
    assert "accept (gunicorn/workers/sync.py)" not in by_name  # waiting for a connection
    assert own[0] == (0.75, "get (redis/client.py)")


def test_no_sample_inside_a_request_gives_empty_tables():
    """M10"""
    assert shares(RAW[2:]) == (0, [], [])
