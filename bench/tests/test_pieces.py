"""bench.pieces times what it names, on the test database."""

from bench.pieces import timings
from testing.tickets import file_di


def test_each_piece_is_timed(agent, colleague, support):
    """M10"""
    ticket = file_di(agent)
    results = timings(agent, support, ticket, number=2, rounds=1)
    assert set(results) == {"frame", "desk_filters", "colleagues", "api_rows", "api_detail"}
    assert all(isinstance(value, int) and value > 0 for value in results.values())
