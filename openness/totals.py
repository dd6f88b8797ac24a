"""Roll-ups: sums of instrument figures, with every rate recomputed from the sums (an
average of rates would weigh an idle instrument like a busy one). Pure, like metrics."""

from dataclasses import dataclass, field
from fractions import Fraction

from openness.metrics import TICKS_PER_HOUR, Figures, ratio


@dataclass
class Totals:
    """In-scope instruments only. Measured figures sum over measured instruments (an
    unmeasured one adds nothing, not zero hours); declared ones over all."""

    instruments: int = 0
    measured_instruments: int = 0
    period: int = 0  # ticks per instrument; the same for every row of one report
    known: int = 0
    unknown: int = 0
    booked: int = 0
    booked_external: int = 0
    completed: int = 0
    no_show: int = 0
    unverified: int = 0
    effective: int = 0
    external: int = 0
    in_bookings: int = 0
    unbooked: int = 0
    overrun: int = 0
    reference: Fraction = Fraction(0)  # hours, of the measured instruments
    organizations: set[int] = field(default_factory=set)

    def add(self, figures: Figures, reference: Fraction) -> None:
        self.instruments += 1
        self.period = figures.period
        for name in ("known", "unknown", "booked", "booked_external", "completed", "no_show", "unverified"):
            setattr(self, name, getattr(self, name) + getattr(figures, name))
        if not figures.measured:
            return
        self.measured_instruments += 1
        for name in ("effective", "external", "in_bookings", "unbooked", "overrun"):
            setattr(self, name, getattr(self, name) + getattr(figures, name))
        self.reference += reference
        self.organizations |= figures.external_organizations or set()

    @property
    def sharing_rate(self) -> Fraction | None:
        return ratio(self.external, self.effective)

    @property
    def utilization(self) -> Fraction | None:
        return ratio(Fraction(self.effective, TICKS_PER_HOUR), self.reference) if self.measured_instruments else None

    @property
    def coverage(self) -> Fraction | None:
        """Share of the instruments' time in which their gateways were reporting."""
        return ratio(self.known, self.period * self.instruments)

    @property
    def instrument_coverage(self) -> Fraction | None:
        """Share of the instruments measured at all in the period (Zhejiang's indicator)."""
        return ratio(self.measured_instruments, self.instruments)
