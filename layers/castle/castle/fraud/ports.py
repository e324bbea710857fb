"""What fraud detection needs from the outside world: alert and profile storage, an alert index."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from castle.fraud.profile import UserProfile
from castle.fraud.rules import Alert


class ConcurrentProfileUpdateError(RuntimeError):
    """Another consumer changed one of the profiles since it was read: re-read and re-observe."""


@dataclass(frozen=True)
class StoredProfile:
    profile: UserProfile
    version: int  # 0: never stored


class AlertStore(Protocol):
    def put_alerts(self, alerts: Sequence[Alert]) -> None: ...


class ProfileStore(Protocol):
    def load_profiles(self, user_ids: Sequence[str]) -> dict[str, StoredProfile]: ...

    def save_profiles(
        self, profiles: Mapping[str, UserProfile], versions: Mapping[str, int], freezes: Sequence[Alert]
    ) -> None:
        """All or nothing, each conditional on its version; freezes set the users' withdrawal flag."""
        ...


class AlertIndex(Protocol):
    """A search index of alerts (OpenSearch on AWS); optional, the alert store is the record."""

    def index_alerts(self, alerts: Sequence[Alert]) -> None: ...


class NoAlertIndex:
    """Where no search index is configured (locally, dev): the DynamoDB alert store alone."""

    def index_alerts(self, alerts: Sequence[Alert]) -> None:
        return None
