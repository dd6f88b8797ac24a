"""Telemetry: gateways and their credentials, the ingest of MQTT events, usage sessions and
reporting gaps, live status, and the embedded broker."""
