"""The simulated city: platforms, their public web, custody transfer files and ground truth.

See ``docs/simulated-city.md`` for the output layout and the truth schema.
"""

from monitor.sim.generate import generate_city

__all__ = ["generate_city"]
