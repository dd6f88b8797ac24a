"""Every operation of the REST API, fed generated requests (schemathesis), as an anonymous
caller and as a signed-in lab manager with data behind every kind of id: no answer may be
a server error, every status must be documented (errors too, config/openapi.py) and every
answer must match the published OpenAPI schema.

The schema is the one /api/schema/ serves, generated in-process; requests go through
Django's WSGI handler inside the test's transaction, so that each operation starts from
the same data. Generation is seeded and bounded: a run is the same on every machine.
"""

import datetime as dt

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from openness.models import Flag
from tests import factories as f
from tests.billing import api_world

# Generated requests per operation and caller. Anonymous callers are mostly turned away at
# the door, so fewer of theirs say as much.
SIGNED_IN_EXAMPLES = 25
ANONYMOUS_EXAMPLES = 10

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20261130,
        "generation": {"deterministic": True, "database": "none"},
        # The boundary-value phase would send hundreds of requests per operation (about 500 for
        # POST /api/v1/instruments/ alone): left out, so that a run stays short.
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    }
)
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True), config=CONFIG)
schema.app = WSGIHandler()

# The objects of the running test's data, by the kind of id that names them.
_ids: dict[str, object] = {}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Half of the generated ids name a real object of the test's data, so that detail
    views and actions get past their lookup."""
    if not path_parameters:
        return st.just(path_parameters)
    path = context.operation.path
    real = {name: _ids[key] for name in path_parameters if (key := _id_kind(path, name)) in _ids}
    if not real:
        return st.just(path_parameters)
    return st.sampled_from([path_parameters, {**path_parameters, **real}])


def _id_kind(path: str, name: str) -> str:
    if name == "line_pk":
        return "claim-lines"
    return path.removeprefix("/api/v1/").split("/{")[0]


@pytest.fixture
def in_transaction():
    """As in Django's test client: a request must not close the test's connection. The
    throttles' counters (in this process's memory) are dropped afterwards, so that the
    generated requests do not use up the allowance of the tests that follow."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    _ids.clear()
    if django_settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        cache.clear()


@pytest.fixture
def public_data(db, in_transaction):
    """What an anonymous caller can name: a bookable instrument."""
    _ids["instruments"] = f.bookable().pk


@pytest.fixture
def manager_token(db, in_transaction) -> str:
    """A lab manager's token, with a booking, charges, an invoice, vouchers, a sample order,
    a rating, a credit mark and an openness flag around the manager's instrument."""
    w = api_world.full()
    reservation = w.charge.reservation
    flag = Flag.objects.create(
        instrument=w.instrument, kind=Flag.Kind.IDLE, period_start=w.now - dt.timedelta(days=30), period_end=w.now,
        evidence={}, detected_at=timezone.now(), updated_at=timezone.now(),
    )  # fmt: skip
    _ids.update(
        {
            "instruments": w.instrument.pk,
            "reservations": reservation.pk,
            "gateways": w.instrument.binding.gateway.code,
            "rate-cards": w.card.pk,
            "charges": w.charge.pk,
            "invoices": w.invoice.pk,
            "voucher-programmes": w.programme.pk,
            "voucher-grants": w.grant.pk,
            "voucher-claims": w.claim.pk,
            "claim-lines": w.claim.lines.first().pk,
            "sample-orders": f.SampleOrderFactory(instrument=w.instrument).pk,
            "credit-marks": f.CreditMarkFactory(user=w.member, organization=w.customer).pk,
            "ratings": f.RatingFactory(reservation=reservation).pk,
            "openness/flags": flag.pk,
        }
    )
    return Token.objects.create(user=w.manager).key


@schema.parametrize()
@settings(max_examples=ANONYMOUS_EXAMPLES, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_anonymous(case, public_data):
    case.call_and_validate(headers={"Accept-Language": "en"}, checks=CHECKS)


@schema.parametrize()
@settings(max_examples=SIGNED_IN_EXAMPLES, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_signed_in(case, manager_token):
    headers = {"Accept-Language": "en", "Authorization": f"Token {manager_token}"}
    case.call_and_validate(headers=headers, checks=CHECKS)
