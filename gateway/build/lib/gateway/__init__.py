"""The Instrument Commons gateway agent: reports instrument state over MQTT.

Deployed on lab gateways on its own (`pip install ./gateway`); it uses paho-mqtt and
the standard library, and none of the server's code.
"""

__version__ = "1.0.0"
