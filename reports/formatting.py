"""Figures as the report shows them, in French."""


def hours(minutes):
    """Working minutes as « 45 min », « 3 h 20 », « 26 h »; « — » for none."""
    if minutes is None:
        return "—"
    minutes = int(minutes)
    if minutes < 60:
        return f"{minutes} min"
    h, m = divmod(minutes, 60)
    return f"{h} h {m:02d}" if m and h < 10 else f"{h} h"


def share(value):
    """0.875 -> « 88 % »; « — » for none."""
    return "—" if value is None else f"{round(value * 100)}\u202f%"


def rating(value):
    """4.25 -> « 4,3 sur 5 » (the portal's one wording of the scale); « — » for none."""
    return "—" if value is None else f"{value:.1f}".replace(".", ",") + "\xa0sur\xa05"


def decimal_hours(minutes):
    """Working minutes as decimal hours for the exports (one decimal), None for none."""
    return None if minutes is None else round(minutes / 60, 1)
