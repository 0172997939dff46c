"""The monitor: local financial risk monitoring for a city finance bureau."""

__version__ = "0.1.0"
