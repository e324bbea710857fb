"""The fraud use case: observe one event against the stored profiles; store alerts, freezes, profiles.

Order of writes: alerts first (idempotent, deterministic ids), then search index, then the profiles
in one conditional transaction, which is what marks the event as seen. A crash in between re-runs the
event later and rewrites the same alerts; a concurrent change of a profile re-reads and re-observes.
"""

import json

from castle.contracts.activity import ACTIVITY_TYPES, decode_activity
from castle.contracts.events import decode_event
from castle.fraud.detector import FraudInput, observe, profiles_needed
from castle.fraud.ports import AlertIndex, AlertStore, ConcurrentProfileUpdateError, ProfileStore
from castle.fraud.rules import DEFAULT_THRESHOLDS, Alert, Thresholds

MAX_ATTEMPTS = 3


def decode_fraud_input(data: bytes) -> FraudInput:
    """Activity and engine events share the consumer; their `type` names never overlap."""
    kind = json.loads(data).get("type")
    return decode_activity(data) if kind in ACTIVITY_TYPES else decode_event(data)


def process_event(
    event: FraudInput,
    alerts: AlertStore,
    profiles: ProfileStore,
    index: AlertIndex,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> list[Alert]:
    users = profiles_needed(event)
    if not users:
        return []
    for attempt in range(MAX_ATTEMPTS):
        stored = profiles.load_profiles(users)
        seen = observe(event, {user: s.profile for user, s in stored.items()}, thresholds)
        if not seen.profiles:
            return []  # already observed
        alerts.put_alerts(seen.alerts)
        index.index_alerts(seen.alerts)
        try:
            profiles.save_profiles(
                seen.profiles,
                {user: s.version for user, s in stored.items()},
                [alert for alert in seen.alerts if alert.freeze_withdrawals],
            )
        except ConcurrentProfileUpdateError:
            if attempt == MAX_ATTEMPTS - 1:
                raise
            continue
        return seen.alerts
    return []
