"""The data a stack test starts from, made with the test factories in a process of its own
(the stack's database is not the test database): `manage.py shell -c` runs `main`, which
prints what the test needs as one line of JSON."""

import json

from rest_framework.authtoken.models import Token

from telemetry import services
from tests import factories as f
from tests.booking.helpers import at


def main(options: dict) -> None:
    instrument = f.bookable()
    manager = f.lab_manager(instrument.lab)
    requester = f.UserFactory()
    made = {
        "instrument": instrument.pk,
        "instrument_code": instrument.code,
        "lab": instrument.lab_id,
        "requester": Token.objects.create(user=requester).key,
        "manager": Token.objects.create(user=manager).key,
        "window": [at(1, 0).isoformat(), at(6, 0).isoformat()],
        "slots": [
            [at(day, hour).isoformat(), at(day, hour + 1).isoformat()] for day in (2, 3, 4, 5) for hour in range(8, 20)
        ],
    }
    if options.get("gateway"):
        gateway, secret = services.gateway_register(lab=instrument.lab, code="gw-stack", by=None, heartbeat_seconds=60)
        others = [f.InstrumentFactory(lab=instrument.lab) for _ in range(2)]
        for bound in [instrument, *others]:
            services.instrument_bind(instrument=bound, gateway=gateway, by=None)
        made.update(gateway=gateway.code, secret=secret, bound=[instrument.code, *(i.code for i in others)])
    print(json.dumps(made))
