"""Every figure of openness.metrics equals a brute-force count, second by second, of the
rules in DESIGN.md on random stories: sessions, gaps, bookings of the owner and of
outsiders (overlapping ones too, and touching sessions), any period."""

import datetime as dt
from fractions import Fraction
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from booking.models import Reservation
from openness.metrics import Booking, Story, figures_compute, reference_hours
from openness.totals import Totals

T = 80  # the timeline: seconds 0 … T-1
OWNER = 0  # organization 0 owns the instrument
USED = [Reservation.Status.APPROVED, Reservation.Status.COMPLETED, Reservation.Status.NO_SHOW]


@st.composite
def sessions(draw) -> list[tuple[int, int]]:
    """Disjoint sessions in time order; a zero pause makes two sessions touch."""
    out, cursor = [], draw(st.integers(0, 10))
    for pause, length in draw(st.lists(st.tuples(st.integers(0, 12), st.integers(1, 15)), max_size=5)):
        start = cursor + (pause if out else 0)
        if start + length > T:
            break
        out.append((start, start + length))
        cursor = start + length
    return out


interval = st.tuples(st.integers(0, T - 1), st.integers(1, 25)).map(lambda p: (p[0], min(T, p[0] + p[1])))
# Bookings start on a coarse grid, so that some start together and the tie rule is tried
# (a finer grid let a reversed tie rule pass 400 examples).
booking_period = st.tuples(st.integers(0, T // 16 - 1), st.integers(1, 25)).map(
    lambda p: (16 * p[0], min(T, 16 * p[0] + p[1]))
)


@st.composite
def stories(draw) -> Story:
    bookings = [
        Booking(pk, s, e, draw(st.sampled_from(USED)), org, org != OWNER, draw(st.sampled_from([None, True, False])))
        for pk, ((s, e), org) in enumerate(draw(st.lists(st.tuples(booking_period, st.integers(0, 3)), max_size=5)))
    ]
    events = draw(st.none() | st.tuples(st.integers(0, T), st.integers(0, T)).map(sorted))
    first, last = events if events else (None, None)
    return Story(draw(sessions()), draw(st.lists(interval, max_size=3)), bookings, first, last)


def brute_force(story: Story, start: int, end: int) -> dict:
    def session_of(t):
        return next((i for i, (s, e) in enumerate(story.sessions) if s <= t < e), None)

    def owner(t):  # booking.usage: the first booking, by (start, id), covering the instant
        covering = [b for b in story.bookings if b.start <= t < b.end]
        return min(covering, key=lambda b: (b.start, b.pk)) if covering else None

    def overrun(t):  # walking back through unbooked running time of the same session
        j = t - 1
        while j >= 0 and session_of(j) == session_of(t):
            if owner(j) is not None:
                return True
            j -= 1
        return False

    period = range(start, end)
    running = [t for t in period if session_of(t) is not None]
    in_gap = {t for t in period if any(s <= t < e for s, e in story.gaps)}
    first, last = story.first_event, story.last_event
    known = sum(1 for t in period if first is not None and first <= t < last and t not in in_gap)
    starting = [b for b in story.bookings if start <= b.start < end]
    out = {
        "known": known, "unknown": len(in_gap),
        "booked": sum(1 for b in story.bookings for t in period if b.start <= t < b.end),
        "booked_external": sum(1 for b in story.bookings for t in period if b.start <= t < b.end and b.external),
        "completed": sum(1 for b in starting if b.status == "completed" and b.verified is True),
        "unverified": sum(1 for b in starting if b.status == "completed" and b.verified is not True),
        "no_show": sum(1 for b in starting if b.status == "no_show"),
        "effective": None, "external": None, "in_bookings": None, "unbooked": None, "overrun": None,
        "external_organizations": None,
    }  # fmt: skip
    if known:
        out.update(
            effective=len(running),
            in_bookings=sum(1 for t in running if owner(t) is not None),
            external=sum(1 for t in running if owner(t) is not None and owner(t).external),
            unbooked=sum(1 for t in running if owner(t) is None),
            overrun=sum(1 for t in running if owner(t) is None and overrun(t)),
            external_organizations=frozenset(
                owner(t).organization for t in running if owner(t) is not None and owner(t).external
            ),
        )
    return out


periods = st.tuples(st.integers(0, T - 1), st.integers(1, T)).map(lambda p: (p[0], min(T, p[0] + p[1])))


@settings(max_examples=400, deadline=None)
@given(story=stories(), period=periods)
def test_every_figure_equals_the_brute_force_count(story, period):
    start, end = period
    figures = figures_compute(story=story, start=start, end=end)
    expected = brute_force(story, start, end)
    assert {name: getattr(figures, name) for name in expected} == expected
    assert figures.measured is (expected["known"] > 0)
    if figures.measured:
        assert figures.in_bookings + figures.unbooked == figures.effective
        assert figures.overrun <= figures.unbooked


@settings(max_examples=200, deadline=None)
@given(story=stories(), cut=st.integers(1, T - 1))
def test_figures_of_two_adjacent_periods_add_up(story, cut):
    whole, left, right = (figures_compute(story=story, start=s, end=e) for s, e in [(0, T), (0, cut), (cut, T)])
    for name in ("known", "unknown", "booked", "completed", "no_show", "unverified"):
        assert getattr(left, name) + getattr(right, name) == getattr(whole, name)
    if left.measured and right.measured:
        for name in ("effective", "external", "in_bookings", "unbooked", "overrun"):
            assert getattr(left, name) + getattr(right, name) == getattr(whole, name)


@settings(max_examples=100, deadline=None)
@given(many=st.lists(stories(), min_size=1, max_size=4), period=periods)
def test_a_rollup_sums_hours_and_recomputes_rates_from_the_sums(many, period):
    start, end = period
    totals, all_figures = Totals(), [figures_compute(story=s, start=start, end=end) for s in many]
    for figures in all_figures:
        totals.add(figures, Fraction(1))
    measured = [f for f in all_figures if f.measured]
    assert totals.measured_instruments == len(measured)
    assert totals.effective == sum(f.effective for f in measured)
    assert totals.booked == sum(f.booked for f in all_figures)
    expected_rate = Fraction(totals.external, totals.effective) if totals.effective else None
    assert totals.sharing_rate == expected_rate
    assert totals.coverage == Fraction(sum(f.known for f in all_figures), (end - start) * len(many))


SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def test_reference_hours_of_a_whole_year_leap_or_not_are_the_annual_figure():
    for year in (2024, 2025):
        whole = reference_hours(start=local(year, 1, 1), end=local(year + 1, 1, 1), annual_hours=1400, tz=SHANGHAI)
        assert whole == 1400


def test_reference_hours_are_pro_rated_by_the_share_of_each_year():
    july = reference_hours(start=local(2025, 7, 1), end=local(2025, 8, 1), annual_hours=800, tz=SHANGHAI)
    assert july == Fraction(800 * 31, 365)
    across = reference_hours(start=local(2024, 12, 31), end=local(2025, 1, 2), annual_hours=1400, tz=SHANGHAI)
    assert across == Fraction(1400, 366) + Fraction(1400, 365)
