"""A clock whose operations run on their own: the e2e suite's scheduled project.

``clock.ticks.tick`` runs every TICK_INTERVAL seconds (a setting: 60 by default, 1 in
tests), ``clock.ticks.slow`` every second but takes longer than that, so its runs
would overlap if Prefect let them; each run records itself in MongoDB.
"""
