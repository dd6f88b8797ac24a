"""Roll-ups: sums of instrument figures, with every rate recomputed from the sums (an
average of rates would weigh an idle instrument like a busy one). Pure, like metrics."""

from collections import Counter
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
    # Reference hours of the measured instruments, counted by value: instruments of one type
    # share one value over a period, and adding Fractions one by one is slow at 10,000.
    references: Counter = field(default_factory=Counter)
    organizations: set[int] = field(default_factory=set)

    def add(self, figures: Figures, reference: Fraction) -> None:
        # Field by field rather than in a loop over names: a province report adds 10,000
        # instruments at each of seven levels.
        self.instruments += 1
        self.period = figures.period
        self.known += figures.known
        self.unknown += figures.unknown
        self.booked += figures.booked
        self.booked_external += figures.booked_external
        self.completed += figures.completed
        self.no_show += figures.no_show
        self.unverified += figures.unverified
        if figures.effective is None:
            return
        self.measured_instruments += 1
        self.effective += figures.effective
        self.external += figures.external or 0
        self.in_bookings += figures.in_bookings or 0
        self.unbooked += figures.unbooked or 0
        self.overrun += figures.overrun or 0
        self.references[reference] += 1
        if figures.external_organizations:
            self.organizations |= figures.external_organizations

    def merge(self, other: "Totals") -> None:
        """Add the totals of another group (a lab's into its institution's, …)."""
        self.period = other.period or self.period
        for name in ("instruments", "measured_instruments", "known", "unknown", "booked", "booked_external",
                     "completed", "no_show", "unverified", "effective", "external", "in_bookings", "unbooked",
                     "overrun"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.references.update(other.references)
        self.organizations |= other.organizations

    @property
    def reference(self) -> Fraction:
        """Reference hours of the measured instruments."""
        return sum((value * count for value, count in self.references.items()), Fraction(0))

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
