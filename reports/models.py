from django.db import models
from django.utils.translation import gettext_lazy as _

from support.models import Team

ALL_TEAMS = ""  # the row of every team together


class MonthlyFigures(models.Model):
    """The service-level figures of the DIs filed in one month, for a team (or every team:
    ``team == ""``) and a product (or all its products: ``product`` None). Computed from the DIs
    by ``reports.services.compute_month`` — the report page reads these rows only, so it costs
    the same at a million DIs as at a hundred (SPEC M13.5, M13.6)."""

    month = models.DateField(_("mois"))  # its first day
    team = models.CharField(_("équipe"), max_length=10, choices=Team.choices, blank=True)
    product = models.ForeignKey(
        "establishments.Product", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    filed = models.PositiveIntegerField(_("DIs déposées"), default=0)
    # First response: answered DIs, their working-time median and 90th percentile (minutes);
    # within target among the DIs with a level whose target is decided (answered, or past due).
    answered = models.PositiveIntegerField(default=0)
    first_response_p50 = models.PositiveIntegerField(null=True)
    first_response_p90 = models.PositiveIntegerField(null=True)
    first_response_decided = models.PositiveIntegerField(default=0)
    first_response_met = models.PositiveIntegerField(default=0)
    # Resolution: closed DIs (not cancelled), the same figures on the clock's working time.
    resolved = models.PositiveIntegerField(default=0)
    resolution_p50 = models.PositiveIntegerField(null=True)
    resolution_p90 = models.PositiveIntegerField(null=True)
    resolution_decided = models.PositiveIntegerField(default=0)
    resolution_met = models.PositiveIntegerField(default=0)
    # Satisfaction: the questionnaires of these DIs and the average of every rating (1 to 5).
    surveys = models.PositiveIntegerField(default=0)
    satisfaction = models.FloatField(null=True)
    computed_at = models.DateTimeField(_("calculé le"))

    class Meta:
        verbose_name = _("chiffres du mois")
        verbose_name_plural = _("chiffres par mois")
        indexes = [models.Index(fields=["team", "product", "month"], name="monthlyfigures_selection")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.team or '*'} {self.product_id or '*'}"

    @staticmethod
    def _share(met, decided):
        return None if not decided else met / decided

    @property
    def first_response_share(self):
        return self._share(self.first_response_met, self.first_response_decided)

    @property
    def resolution_share(self):
        return self._share(self.resolution_met, self.resolution_decided)


class RefreshMark(models.Model):
    """When the figures were last refreshed from the DIs that changed (one row)."""

    refreshed_at = models.DateTimeField()

    def __str__(self):
        return f"{self.refreshed_at:%Y-%m-%d %H:%M}"
