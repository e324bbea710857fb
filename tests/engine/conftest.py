"""Hypothesis profiles for the engine suite: small by default so both builds run in well under a
minute; CASTLE_ENGINE_HYPOTHESIS=thorough for a longer local run."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "engine",
    max_examples=60,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("engine-thorough", max_examples=1000, stateful_step_count=150, deadline=None)
ENGINE_SETTINGS = settings.get_profile(
    "engine-thorough" if os.environ.get("CASTLE_ENGINE_HYPOTHESIS") == "thorough" else "engine"
)
