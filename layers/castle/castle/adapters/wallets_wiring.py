"""The wallet use cases assembled from settings: one of each per process, built on first use."""

from functools import lru_cache
from typing import TYPE_CHECKING

import boto3
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from castle.adapters.postgres.ledger_store import get_ledger
from castle.adapters.postgres.pool import get_pool
from castle.adapters.postgres.wallet_store import PostgresWalletStore
from castle.adapters.sfn_workflow import StepFunctionsWorkflow
from castle.custody.simulated import SimulatedChain
from castle.settings import get_settings
from castle.wallets.steps import WithdrawalSteps

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient


class WalletSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CASTLE_", extra="ignore")

    withdrawal_state_machine_arn: str = ""
    # A stub for the custody provider's master key (Secrets Manager / HSM in production).
    deposit_master_key: str = Field(default="castle-dev-deposit-master-key-stub", min_length=16)
    # The workflow's timings travel in each execution's input (tests and local runs shorten them).
    approval_timeout_s: int = Field(default=86_400, ge=1)
    confirmation_wait_s: int = Field(default=30, ge=0)
    max_confirmation_polls: int = Field(default=120, ge=1)
    # Blocks the simulated chain adds per confirmations poll.
    simulated_blocks_per_poll: int = Field(default=1, ge=1)


@lru_cache(maxsize=1)
def get_wallet_settings() -> WalletSettings:
    return WalletSettings()


def get_wallet_store() -> PostgresWalletStore:
    return PostgresWalletStore(get_pool())


@lru_cache(maxsize=1)
def get_custody() -> SimulatedChain:
    """The simulated chain (the only custody Castle has until a provider is plugged in)."""
    return SimulatedChain(blocks_per_poll=get_wallet_settings().simulated_blocks_per_poll)


def get_withdrawal_steps() -> WithdrawalSteps:
    return WithdrawalSteps(store=get_wallet_store(), ledger=get_ledger(), custody=get_custody())


@lru_cache(maxsize=1)
def get_sfn_client() -> "SFNClient":
    settings = get_settings()
    return boto3.client(
        "stepfunctions", region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url
    )


def clear_caches() -> None:
    """Tests: forget settings, the simulated chain and clients."""
    for getter in (get_wallet_settings, get_custody, get_sfn_client):
        getter.cache_clear()


def get_workflow() -> StepFunctionsWorkflow:
    settings = get_wallet_settings()
    timings = {
        "approval_timeout_s": settings.approval_timeout_s,
        "confirmation_wait_s": settings.confirmation_wait_s,
        "max_confirmation_polls": settings.max_confirmation_polls,
    }
    return StepFunctionsWorkflow(get_sfn_client(), settings.withdrawal_state_machine_arn, timings)
