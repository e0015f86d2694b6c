"""core.templatetags.moments: a moment as the pages show it."""

from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.utils import timezone

DJANGO_S = Template("""<time datetime="{{ v|date:'c' }}">{{ v|date:"d/m/Y à H:i" }}</time>""")
OURS = Template("{% load moments %}{{ v|moment }}")


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 11, 30, 15, 4, 5, 123456, tzinfo=UTC),
        datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC),  # the night Paris goes to summer time
        datetime(2026, 3, 29, 1, 0, 0, tzinfo=UTC),
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # and back
        datetime(1999, 12, 31, 23, 59, tzinfo=UTC),
    ],
)
@pytest.mark.parametrize("zone", ["Europe/Paris", "America/Cayenne", "UTC"])
def test_a_moment_is_written_as_django_s_date_filter_writes_it_in_the_current_zone(value, zone):
    """M3.4: the DI's dates (« Déposée le », « Dernière activité », the service level's)"""
    with timezone.override(zone):
        ours = OURS.render(Context({"v": value}))
        assert ours == DJANGO_S.render(Context({"v": value}))
    assert ours.startswith('<time datetime="') and " à " in ours


def test_no_moment_writes_nothing():
    """M3.4"""
    assert OURS.render(Context({"v": None})) == ""
