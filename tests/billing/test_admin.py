"""The admin shows money rows and changes none of them: every write goes through the services."""

import pytest
from django.urls import reverse

from billing import charges
from tests import factories as f
from tests.billing.helpers import rate_card, settled

pytestmark = pytest.mark.django_db


def test_money_rows_are_read_only_in_the_admin(client):
    instrument = f.InstrumentFactory()
    card = rate_card(instrument)
    charge = charges.charge_reservation(settled(instrument))
    client.force_login(f.platform_admin())
    for model, pk in (("charge", charge.pk), ("ratecard", card.pk)):
        page = client.get(reverse(f"admin:billing_{model}_change", args=[pk]))
        assert page.status_code == 200
        assert client.post(reverse(f"admin:billing_{model}_change", args=[pk]), {"net": "0"}).status_code == 403
        assert client.get(reverse(f"admin:billing_{model}_delete", args=[pk])).status_code == 403
        assert client.get(reverse(f"admin:billing_{model}_add")).status_code == 403
    charge.refresh_from_db()
    assert charge.net > 0
    for name in ("invoice", "payment", "voucherprogramme", "vouchergrant", "voucherpayment", "voucherclaim",
                 "rating", "ledgerentry"):  # fmt: skip
        assert client.get(reverse(f"admin:billing_{name}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:billing_{name}_add")).status_code == 403
