"""A booking's history speaks the reader's language, never the stored status codes."""

import pytest
from django.urls import reverse

from booking import services
from tests import factories as f
from tests.booking.helpers import book

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "words"), [("en", "Pending → Approved"), ("zh-hans", "待审核 → 已批准")])
def test_history_names_statuses_in_the_readers_language(client, language, words):
    instrument = f.bookable()
    reservation = book(instrument)
    services.reservation_approve(reservation=reservation, by=f.lab_manager(instrument.lab))
    client.force_login(reservation.requester)
    page = client.get(reverse("booking:reservation", args=[reservation.pk]), HTTP_ACCEPT_LANGUAGE=language)
    html = page.content.decode()
    history = html[html.index('<section class="panel history">') :]
    assert words in history
    assert "pending" not in history and "approved" not in history
