from django.db import models
from django.utils.translation import gettext_lazy as _

from instruments.models import Instrument, Lab

STATES = [
    ("off", _("Off")),
    ("idle", _("Idle")),
    ("running", _("Running")),
    ("fault", _("Fault")),
]


class Gateway(models.Model):
    """An agent on a lab PC or box. Its `code` is its MQTT user name and the
    {gateway_id} of its topics."""

    lab = models.ForeignKey(Lab, models.PROTECT, related_name="gateways", verbose_name=_("lab"))
    code = models.SlugField(_("gateway id"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    # The secret is shown once; we keep a Django hash (to check it ourselves) and a
    # Mosquitto PBKDF2-SHA512 hash (for the broker's password file).
    secret_hash = models.CharField(max_length=200, editable=False)
    broker_hash = models.CharField(max_length=200, editable=False)
    heartbeat_seconds = models.PositiveIntegerField(_("heartbeat (seconds)"), default=60)
    timeout_heartbeats = models.PositiveSmallIntegerField(_("silent after this many missed heartbeats"), default=3)
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("gateway")
        verbose_name_plural = _("gateways")

    def __str__(self) -> str:
        return self.code

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def timeout_seconds(self) -> int:
        return self.heartbeat_seconds * self.timeout_heartbeats


class Binding(models.Model):
    """Which gateway reports for an instrument (at most one at a time)."""

    instrument = models.OneToOneField(Instrument, models.CASCADE, related_name="binding")
    gateway = models.ForeignKey(Gateway, models.CASCADE, related_name="bindings")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("gateway binding")
        verbose_name_plural = _("gateway bindings")

    def __str__(self) -> str:
        return f"{self.instrument.code} ← {self.gateway.code}"


class Event(models.Model):
    """One reported state. (gateway, seq) identifies it: a repeat is a duplicate."""

    id = models.BigAutoField(primary_key=True)
    # No foreign-key constraints in the database on this hot table: checking them cost as
    # much as inserting the row. The ingest worker writes only ids of gateways and bound
    # instruments it has just read, and PROTECT still stops deleting a referenced row.
    # Nor the single-column indexes Django would add: (gateway, seq) and (instrument, ts)
    # below serve those lookups, and every index costs each insert.
    gateway = models.ForeignKey(Gateway, models.PROTECT, related_name="+", db_constraint=False, db_index=False)
    seq = models.BigIntegerField()
    instrument = models.ForeignKey(Instrument, models.PROTECT, related_name="+", db_constraint=False, db_index=False)
    ts = models.DateTimeField()
    state = models.CharField(max_length=8, choices=STATES)
    power_w = models.FloatField(null=True, blank=True)
    readings = models.JSONField(null=True, blank=True)
    received_at = models.DateTimeField()

    class Meta:
        verbose_name = _("telemetry event")
        verbose_name_plural = _("telemetry events")
        constraints = [models.UniqueConstraint(fields=["gateway", "seq"], name="event_once_per_gateway_seq")]
        indexes = [models.Index(fields=["instrument", "ts"])]

    def __str__(self) -> str:
        return f"{self.gateway_id}#{self.seq} {self.state}"


class DeadLetter(models.Model):
    """A rejected message or event, kept with its reason."""

    received_at = models.DateTimeField()
    topic = models.CharField(max_length=300)
    gateway_code = models.CharField(max_length=64, blank=True)
    seq = models.BigIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=40, db_index=True)
    detail = models.TextField(blank=True)
    payload = models.BinaryField(blank=True)  # the first 4 KiB, for a person to look at

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("rejected message")
        verbose_name_plural = _("rejected messages")

    def __str__(self) -> str:
        return f"{self.reason} {self.gateway_code}"


class Counter(models.Model):
    """Ingest counters: received, stored, duplicate, rejected:<reason>; `value` only grows."""

    name = models.CharField(max_length=60, primary_key=True)
    value = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ingest counter")
        verbose_name_plural = _("ingest counters")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class InstrumentStatus(models.Model):
    """What an instrument is doing now, as last reported, and where the usage
    derivation stands (the state of the last event by time)."""

    instrument = models.OneToOneField(Instrument, models.CASCADE, primary_key=True, related_name="live_status")
    gateway = models.ForeignKey(Gateway, models.SET_NULL, null=True, related_name="+")
    state = models.CharField(max_length=8, choices=STATES)
    since = models.DateTimeField()
    last_ts = models.DateTimeField()
    last_heard_at = models.DateTimeField()
    open_session = models.ForeignKey("UsageSession", models.SET_NULL, null=True, related_name="+")
    # Set by the jobs worker when the gateway fell silent past its timeout; cleared by
    # the next event. Changing it bumps updated_at, so dashboards notice.
    silent = models.BooleanField(default=False)
    updated_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("instrument status")
        verbose_name_plural = _("instrument statuses")

    def __str__(self) -> str:
        return f"{self.instrument_id}: {self.state}"


class UsageSession(models.Model):
    """A maximal interval in which the instrument reported `running`. An open session
    is still running as far as we know; its end is the last event heard."""

    instrument = models.ForeignKey(Instrument, models.CASCADE, related_name="usage_sessions")
    gateway = models.ForeignKey(Gateway, models.SET_NULL, null=True, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    is_open = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("usage session")
        verbose_name_plural = _("usage sessions")
        ordering = ["start"]
        indexes = [models.Index(fields=["instrument", "start"]), models.Index(fields=["instrument", "end"])]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M}"

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60


class ReportingGap(models.Model):
    """Time in which the instrument's gateway was silent past its timeout: unknown,
    never counted as usage."""

    instrument = models.ForeignKey(Instrument, models.CASCADE, related_name="reporting_gaps")
    start = models.DateTimeField()
    end = models.DateTimeField()

    class Meta:
        verbose_name = _("reporting gap")
        verbose_name_plural = _("reporting gaps")
        ordering = ["start"]
        indexes = [models.Index(fields=["instrument", "start"])]

    def __str__(self) -> str:
        return f"{self.instrument_id} silent {self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M}"


class GatewayStatus(models.Model):
    """The agent's own retained status message (online, or offline by its last will)."""

    gateway = models.OneToOneField(Gateway, models.CASCADE, primary_key=True, related_name="status")
    online = models.BooleanField(default=False)
    details = models.JSONField(default=dict)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("gateway status")
        verbose_name_plural = _("gateway statuses")

    def __str__(self) -> str:
        return f"{self.gateway_id}: {'online' if self.online else 'offline'}"


class Acknowledged(models.Model):
    """How far the server has committed a gateway's events: every seq up to `seq` is
    stored or dead-lettered. `ranges` holds committed (after, last] ranges above it that
    wait for a gap to fill (a message lost by the broker, or committed out of order by
    another worker); the agent re-sends the gap and the ranges then merge."""

    gateway = models.OneToOneField(Gateway, models.CASCADE, primary_key=True, related_name="acknowledged")
    seq = models.BigIntegerField(default=0)
    ranges = models.JSONField(default=list)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")

    def __str__(self) -> str:
        return f"{self.gateway_id} through {self.seq}"
