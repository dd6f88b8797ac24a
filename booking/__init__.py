"""Bookings: rules, availability, reservations without double booking, calendars, feeds,
notifications and settlement from measured use."""
