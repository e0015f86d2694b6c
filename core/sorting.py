"""Sortable lists: ``?tri=<key>`` or ``?tri=-<key>``, checked against a whitelist, and the
column headers that flip the order."""


def sort_param(raw, sorts, default):
    """« numero » or « -numero » when its key is in ``sorts``; anything else gives ``default``."""
    raw = raw or ""
    return raw if raw.removeprefix("-") in sorts else default


def order_by(fields, sort):
    """The ``order_by`` arguments of ``fields`` in the direction of ``sort``, with the primary key
    last so that pages never overlap."""
    descending = sort.startswith("-")
    return (*(f"-{f}" if descending else f for f in fields), "-pk" if descending else "pk")


def columns(headers, sort):
    """The header cells of a list: ``headers`` is [(key or None, label)]; a click on the current
    column flips its order, another column starts ascending."""
    descending = sort.startswith("-")
    cells = []
    for key, label in headers:
        current = key is not None and sort.removeprefix("-") == key
        cells.append(
            {
                "label": label,
                "key": key,
                "current": current,
                "descending": current and descending,
                "next_sort": (key if descending else f"-{key}") if current else key,
            }
        )
    return cells
