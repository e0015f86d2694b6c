"""The DI table of the portal, read by the bare project without the portal's apps: an unmanaged
model over ``support_ticket`` holding only the columns its one-row page shows."""

from django.db import models

# The labels of support.models.Status (bench/tests/test_bare.py checks that they stay the same).
STATUS_CHOICES = [
    ("to_process", "A traiter"),
    ("in_progress", "En cours"),
    ("closure_pending", "Clôture à valider"),
    ("closed", "Clôturée"),
    ("cancelled", "Annulée"),
]


class Ticket(models.Model):
    number = models.CharField(max_length=20)
    subject = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=STATUS_CHOICES)
    created_at = models.DateTimeField()
    last_activity_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "support_ticket"

    def __str__(self):
        return self.number
