"""The suite runs twice: interpreted, and with CASTLE_ENGINE_COMPILED=1 against the mypyc build
(scripts/build_engine.sh, PYTHONPATH=.build/engine). This checks which one is actually loaded."""

import os

import castle_engine
from castle_engine import (
    canonical_line,
    engine,
    events,
    id_set,
    int_index,
    order_book,
    orders,
    price_ladder,
    replay_core,
)

CORE_MODULES = (
    canonical_line,
    engine,
    events,
    order_book,
    id_set,
    int_index,
    orders,
    price_ladder,
    replay_core,
)


def test_the_engine_modules_are_the_build_under_test() -> None:
    compiled = os.environ.get("CASTLE_ENGINE_COMPILED") == "1"
    suffixes = {str(module.__file__).rsplit(".", 1)[-1] for module in CORE_MODULES}

    assert suffixes == ({"so"} if compiled else {"py"})
    assert castle_engine.is_compiled() is compiled
