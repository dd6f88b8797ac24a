"""Reminding customers of overdue invoices, once each, by email to their organization's admins
(the jobs worker). A mail server error leaves the invoice to be reminded on the next run."""

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from billing.models import Invoice

log = logging.getLogger(__name__)


def invoices_remind(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    overdue = Invoice.objects.filter(
        status=Invoice.Status.ISSUED, kind=Invoice.Kind.INVOICE, due_date__lt=timezone.localtime(now).date(),
        reminded_at__isnull=True,
    ).select_related("provider", "customer")  # fmt: skip
    sent = 0
    for invoice in overdue[:200]:
        admins = User.objects.filter(organization=invoice.customer, role=User.Role.ORG_ADMIN, is_active=True)
        emails = [email for email in admins.values_list("email", flat=True) if email]
        if emails:
            with translation.override(settings.LANGUAGE_CODE):
                subject = _("Invoice %(number)s is overdue") % {"number": invoice.number}
                body = render_to_string("billing/overdue_email.txt", {
                    "invoice": invoice, "url": settings.SITE_URL + reverse("billing:invoice", args=[invoice.pk]),
                })  # fmt: skip
            try:
                send_mail(subject, body, None, emails)
            except Exception:  # a mail server error must not stop the other reminders
                log.exception("could not remind of invoice %s", invoice.number)
                continue
        Invoice.objects.filter(pk=invoice.pk).update(reminded_at=now)
        sent += bool(emails)
    return sent
