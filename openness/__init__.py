"""The regulators' openness audit: measured figures per instrument and period, and their
roll-ups by region, institution and lab. It only reads the apps below it."""
