"""An instrument's booking rules in plain words, for the people booking it."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from booking.models import BookingPolicy


def duration(minutes: int) -> str:
    """90 → "1 hour 30 minutes"; whole days for 1440 minutes and more."""
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if minutes or not parts:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes})
    return " ".join(parts)


def rules_in_words(policy: BookingPolicy) -> list[str]:
    """What someone booking must know, one sentence each."""
    d = duration
    words = [
        _("A booking lasts from %(shortest)s to %(longest)s, starting and ending on whole slots of %(slot)s.")
        % {"shortest": d(policy.min_minutes), "longest": d(policy.max_minutes), "slot": d(policy.granularity_minutes)},
        _("Book at least %(notice)s ahead and at most %(days)s ahead.")
        % {"notice": d(policy.min_notice_minutes), "days": d(policy.max_days_ahead * 1440)},
    ]
    if policy.buffer_minutes:
        words.append(
            _("The lab keeps %(buffer)s free after each booking, to get the instrument ready.")
            % {"buffer": d(policy.buffer_minutes)}
        )
    if policy.approval_required:
        words.append(
            _("A lab manager approves each request; one not decided within %(expiry)s expires.")
            % {"expiry": d(policy.pending_expiry_hours * 60)}
        )
    else:
        words.append(_("Bookings are approved at once."))
    words.append(
        _("You may cancel until %(deadline)s before the start.") % {"deadline": d(policy.cancel_deadline_minutes)}
    )
    who = {
        BookingPolicy.WhoMayBook.ORGANIZATIONS: _("Only listed organizations and the owning institution may book."),
        BookingPolicy.WhoMayBook.INSTITUTION: _("Only members of the owning institution may book."),
        BookingPolicy.WhoMayBook.TRAINED: _("Only users the lab has trained on the instrument may book."),
    }.get(policy.who_may_book)
    if who:
        words.append(who)
    return words
