"""How often the clock ticks: a setting, so the environment decides."""

from pulpo import setting

TICK_INTERVAL = setting(
    "TICK_INTERVAL", 60, test=1, description="Seconds between two scheduled ticks."
)
