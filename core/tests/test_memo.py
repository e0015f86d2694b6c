"""core.memo.Memo: what a process remembers, bounded."""

from core.memo import Memo


def test_answers_are_kept_and_all_forgotten_when_the_bound_is_reached():
    """M10: a process's remembered URLs and shapes never grow without end"""
    memo = Memo(bound=2)
    assert memo.keep("a", 1) == 1 and memo.keep("b", 2) == 2
    assert (memo.get("a"), memo.get("b"), len(memo)) == (1, 2, 2)
    memo.keep("c", 3)
    assert (memo.get("a"), memo.get("c"), len(memo)) == (None, 3, 1)
    memo.clear()
    assert not memo and memo.get("c", "absent") == "absent"
