"""Fault suites: the REST surface and the Kinesis consumers in-process (tests.security.exchange)."""

from collections.abc import Iterator

import pytest

from tests.security.exchange import Exchange, open_exchange


@pytest.fixture(scope="module")
def exchange(database_url: str) -> Iterator[Exchange]:
    with open_exchange(database_url) as opened:
        yield opened
