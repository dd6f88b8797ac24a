"""Rate cards: a lab's managers add versions of an instrument's prices (never changing one),
the page lists them with the one in force, and the instrument page shows the prices."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from billing import rates
from billing.models import RateCard
from tests import factories as f
from tests.billing import pages_world as W
from tests.billing.pages_world import EN, ROLES, login

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def terms(**changes) -> dict:
    return {
        "valid_from": (TODAY() + dt.timedelta(days=7)).isoformat(), "unit": "hour", "basis": "larger",
        "price_internal": "120.00", "price_academic": "240.50", "price_enterprise": "360", "sme_discount_percent": "20",
        "assisted_extra": "80", "minimum_charge": "50", "increment_minutes": "30", "setup_fee": "0",
        "overtime_surcharge_percent": "50", "no_show_fee": "100", "late_cancel_fee": "60", **changes,
    }  # fmt: skip


def page(w) -> str:
    return reverse("billing:rates", args=[w.instrument.code])


# The service


def test_a_card_is_made_with_every_term():
    w = W.world()
    card = rates.rate_card_create(by=w.manager, instrument=w.instrument, **terms())
    card.refresh_from_db()
    assert (card.price_internal, card.price_academic, card.price_enterprise) == (D("120"), D("240.5"), D("360"))
    assert (card.sme_discount_percent, card.assisted_extra, card.minimum_charge) == (D("20"), D("80"), D("50"))
    assert (card.increment_minutes, card.overtime_surcharge_percent, card.no_show_fee) == (30, D("50"), D("100"))
    assert card.created_by == w.manager and card.valid_from == TODAY() + dt.timedelta(days=7)


BAD = [
    pytest.param("price_enterprise", "12.345", rates.MONEY_INVALID, id="price with three decimals"),
    pytest.param("price_internal", "-1", rates.MONEY_INVALID, id="negative price"),
    pytest.param("setup_fee", "abc", rates.MONEY_INVALID, id="not a number"),
    pytest.param("minimum_charge", "1e13", rates.MONEY_TOO_LARGE, id="too large"),
    pytest.param("sme_discount_percent", "100.5", rates.PERCENT_INVALID, id="percent over 100"),
    pytest.param("overtime_surcharge_percent", "-1", rates.PERCENT_INVALID, id="negative percent"),
    pytest.param("increment_minutes", "0", rates.INCREMENT_INVALID, id="zero increment"),
    pytest.param("increment_minutes", "7.5", rates.INCREMENT_INVALID, id="fractional increment"),
    pytest.param("unit", "week", rates.CHOICE_INVALID, id="unknown unit"),
    pytest.param("price_academic", "", rates.FIELD_REQUIRED, id="price missing"),
    pytest.param("valid_from", "someday", rates.DATE_REQUIRED, id="no date"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD)
def test_bad_terms_are_field_errors_and_write_nothing(field, value, message):
    w = W.world()
    with pytest.raises(ValidationError) as error:
        rates.rate_card_create(by=w.manager, instrument=w.instrument, **terms(**{field: value}))
    assert error.value.message_dict == {field: [str(message)]}
    assert RateCard.objects.filter(instrument=w.instrument).count() == 1


def test_every_bad_field_is_named_at_once():
    w = W.world()
    with pytest.raises(ValidationError) as error:
        rates.rate_card_create(
            by=w.manager, instrument=w.instrument,
            **terms(price_internal="1.001", sme_discount_percent="101", increment_minutes="-15", basis="often"),
        )  # fmt: skip
    assert set(error.value.message_dict) == {"price_internal", "sme_discount_percent", "increment_minutes", "basis"}


def test_a_second_card_from_the_same_day_is_refused():
    w = W.world()
    with pytest.raises(ValidationError) as error:
        rates.rate_card_create(by=w.manager, instrument=w.instrument, **terms(valid_from=w.card.valid_from))
    assert error.value.message_dict == {"valid_from": [rates.SAME_DAY % {"date": w.card.valid_from.isoformat()}]}


def test_before_the_first_charge_a_card_may_start_in_the_past():
    w = W.world()
    past = TODAY() - dt.timedelta(days=30)
    assert rates.rate_card_create(by=w.manager, instrument=w.instrument, **terms(valid_from=past)).valid_from == past


def test_once_charges_exist_a_card_starts_today_or_later():
    w = W.charged(W.world())
    past = TODAY() - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        rates.rate_card_create(by=w.manager, instrument=w.instrument, **terms(valid_from=past))
    assert error.value.message_dict == {"valid_from": [rates.IN_THE_PAST % {"date": past.isoformat()}]}
    assert rates.rate_card_create(by=w.manager, instrument=w.instrument, **terms(valid_from=TODAY()))


def test_a_new_card_leaves_the_old_one_and_its_charges_as_they_were():
    w = W.charged(W.world())
    before = RateCard.objects.filter(pk=w.card.pk).values().get()
    rates.rate_card_create(by=w.manager, instrument=w.instrument, **terms(valid_from=TODAY()))
    assert RateCard.objects.filter(pk=w.card.pk).values().get() == before
    w.measured.refresh_from_db()
    assert w.measured.rate_card_id == w.card.pk and w.measured.rate["price_enterprise"] == "300.00"


@pytest.mark.parametrize("role", ["member", "customer_admin", "other_manager", "regulator", "stranger"])
def test_only_the_labs_managers_set_rates(role):
    w = W.world()
    with pytest.raises(PermissionDenied):
        rates.rate_card_create(by=w.users[role], instrument=w.instrument, **terms())
    assert RateCard.objects.filter(instrument=w.instrument).count() == 1


# The page

MAY_SET = {"manager", "provider_admin", "platform_admin"}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_the_rates_page_and_add_a_card(client, role):
    w = W.world()
    login(client, w, role)
    shown = client.get(page(w), **EN)
    added = client.post(page(w), terms(), **EN)
    if role == "anonymous":
        assert shown.status_code == added.status_code == 302
        assert shown["Location"].startswith("/accounts/login/")
    elif role in MAY_SET:
        assert shown.status_code == 200 and added.status_code == 302 and added["Location"] == page(w)
    else:
        assert shown.status_code == added.status_code == 403
    assert RateCard.objects.filter(instrument=w.instrument).count() == (2 if role in MAY_SET else 1)


def test_an_unknown_instrument_is_not_found(client):
    w = W.world()
    login(client, w, "manager")
    assert client.get(reverse("billing:rates", args=["no-such-thing"])).status_code == 404


def test_the_page_lists_every_version_with_the_one_in_force_marked(client):
    w = W.world()
    old = f.RateCardFactory(instrument=w.instrument, valid_from=w.card.valid_from - dt.timedelta(days=200))
    announced = f.RateCardFactory(instrument=w.instrument, valid_from=TODAY() + dt.timedelta(days=10))
    response = login(client, w, "manager").get(page(w), **EN)
    assert response.context["cards"] == [announced, w.card, old] and response.context["current"] == w.card
    html = response.content.decode()
    assert html.count('class="in-force"') == 1 and "announced" in html and "replaced" in html


def test_the_form_starts_from_the_card_in_force(client):
    w = W.world()
    RateCard.objects.filter(pk=w.card.pk).update(setup_fee=D("45.00"))
    form = login(client, w, "manager").get(page(w), **EN).context["form"]
    assert form.initial["setup_fee"] == D("45.00") and form.initial["valid_from"] == TODAY()


BAD_FORMS = [
    pytest.param("price_enterprise", "300.125", id="price with three decimals"),
    pytest.param("price_internal", "-10", id="negative price"),
    pytest.param("sme_discount_percent", "120", id="percent over 100"),
    pytest.param("increment_minutes", "0", id="zero increment"),
]


@pytest.mark.parametrize(("field", "value"), BAD_FORMS)
def test_bad_input_shows_on_its_field_and_writes_nothing(client, field, value):
    w = W.world()
    response = login(client, w, "manager").post(page(w), terms(**{field: value}), **EN)
    assert response.status_code == 200 and list(response.context["form"].errors) == [field]
    assert RateCard.objects.filter(instrument=w.instrument).count() == 1


def test_the_same_day_twice_is_refused_on_the_date(client):
    w = W.world()
    response = login(client, w, "manager").post(page(w), terms(valid_from=w.card.valid_from.isoformat()), **EN)
    assert response.context["form"].errors == {"valid_from": [rates.SAME_DAY % {"date": w.card.valid_from.isoformat()}]}
    assert RateCard.objects.filter(instrument=w.instrument).count() == 1


def test_a_back_dated_card_after_charges_is_refused_on_the_date(client):
    w = W.charged(W.world())
    past = (TODAY() - dt.timedelta(days=3)).isoformat()
    response = login(client, w, "manager").post(page(w), terms(valid_from=past), **EN)
    assert response.context["form"].errors == {"valid_from": [rates.IN_THE_PAST % {"date": past}]}


# The instrument page


def test_the_instrument_page_links_its_managers_to_the_rates(client):
    w = W.world()
    instrument_page = reverse("instruments:detail", args=[w.instrument.code])
    assert f'href="{page(w)}"' in login(client, w, "manager").get(instrument_page, **EN).content.decode()
    client.logout()
    assert f'href="{page(w)}"' not in login(client, w, "member").get(instrument_page, **EN).content.decode()


def test_anyone_sees_the_prices_in_force_and_those_announced(client):
    w = W.world()
    f.RateCardFactory(instrument=w.instrument, valid_from=TODAY() + dt.timedelta(days=10), price_enterprise=D("330"))
    html = client.get(reverse("instruments:detail", args=[w.instrument.code]), **EN).content.decode()
    assert "Prices" in html and "¥100.00" in html and "¥200.00" in html and "¥300.00" in html
    assert f"New prices from {(TODAY() + dt.timedelta(days=10)).isoformat()}" in html and "¥330.00" in html


def test_an_instrument_without_rates_shows_no_prices(client):
    instrument = f.InstrumentFactory()
    html = client.get(reverse("instruments:detail", args=[instrument.code]), **EN).content.decode()
    assert "rates-panel" not in html
