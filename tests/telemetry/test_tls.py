"""Agents talk to the broker over TLS (mqtts://) and refuse a broker they cannot verify."""

import datetime as dt
import ipaddress
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gateway.agent import Agent, Watched
from gateway.outbox import Outbox
from gateway.probes import Probe, Reading
from telemetry import services
from telemetry.credentials import acl_text, broker_hash, password_lines
from telemetry.models import Event
from telemetry.worker import Worker
from tests import factories as f
from tests.servers import MosquittoServer
from tests.telemetry.conftest import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def certificate(subject: str, key, issuer=None, issuer_key=None, *, ca: bool = False) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder().subject_name(name).issuer_name(issuer or name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )  # fmt: skip
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
    return builder.sign(issuer_key or key, hashes.SHA256())


def write_pki(directory):
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = certificate("Test CA", ca_key, ca=True)
    server = certificate("127.0.0.1", server_key, ca.subject, ca_key)
    paths = [directory / n for n in ("ca.pem", "server.pem", "server.key", "other-ca.pem")]
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(server_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))  # fmt: skip
    other_key = ec.generate_private_key(ec.SECP256R1())
    paths[3].write_bytes(certificate("Other CA", other_key, ca=True).public_bytes(serialization.Encoding.PEM))
    return paths


class Running(Probe):
    def read(self, now):
        return Reading("running")


def test_events_travel_over_tls_and_an_unknown_broker_is_refused(tmp_path):
    lab = f.LabFactory()
    gateway, secret = services.gateway_register(lab=lab, code="gw-tls", by=None)
    instrument = f.InstrumentFactory(lab=lab, code="inst-tls")
    services.instrument_bind(instrument=instrument, gateway=gateway, by=None)
    ca, cert, key, other_ca = write_pki(tmp_path)
    (tmp_path / "passwords").write_text(password_lines({"gw-tls": broker_hash(secret), "ingest": broker_hash("pw")}))
    (tmp_path / "acl").write_text(acl_text("ingest"))
    broker = MosquittoServer(
        password_file=tmp_path / "passwords", acl_file=tmp_path / "acl", tls=(ca, cert, key)
    ).start()
    worker = Worker(url=broker.url, client_id="ingest-tls", username="ingest", password="pw", ca_file=str(ca))
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        assert worker.subscribed.wait(15)

        def agent(ca_file, name):
            return Agent(gateway="gw-tls", password=secret, host="127.0.0.1", port=broker.port, tls=True,
                         ca_file=str(ca_file), outbox=Outbox(tmp_path / f"{name}.sqlite3"),
                         watched=[Watched("inst-tls", Running())])  # fmt: skip

        doubtful = agent(other_ca, "doubtful")  # a broker signed by another CA: no connection, nothing sent
        doubtful.start(sampling=False)
        doubtful.sample()
        trusted = agent(ca, "trusted")
        trusted.start(sampling=False)
        trusted.sample()
        wait_until(lambda: Event.objects.filter(instrument=instrument).count() == 1)
        assert doubtful.outbox.stats()["pending"] == 1 and not doubtful._connected
        trusted.stop()
        doubtful.stop(timeout=0)
    finally:
        worker.stop()
        thread.join(10)
        broker.stop()
