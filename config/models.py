"""What spans the apps: the leases of the periodic jobs."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobLease(models.Model):
    """One periodic job across all jobs workers: who runs it now (until when) and how its
    last run went. Taken and released by config.leases only."""

    name = models.CharField(_("job"), max_length=100, unique=True)
    holder = models.CharField(_("held by"), max_length=200, blank=True)  # "" while no worker runs it
    expires_at = models.DateTimeField(_("held until"), null=True, blank=True)
    last_started = models.DateTimeField(_("last started"), null=True, blank=True)
    last_finished = models.DateTimeField(_("last finished"), null=True, blank=True)
    last_result = models.CharField(_("last result"), max_length=200, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("job lease")
        verbose_name_plural = _("job leases")

    def __str__(self) -> str:
        return self.name
