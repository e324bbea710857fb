"""Generate a realistic operations file for the replay tool (deterministic for a seed).

    python -m castle_engine.workload --ops N --seed S > FILE.jsonl

Mix: ~60% GTC limit orders around a drifting mid (most passive, some marketable), ~10% market or
IOC orders, ~30% cancels of orders that are live at that moment (tracked by running the engine),
~2% of orders carry an STP mode. Prices on a 0.01 tick, quantities on a 0.0001 lot.
"""

import argparse
import random
import sys

from castle_engine import Engine, Order, SymbolSpec, codes
from castle_engine.events import OrderDone

SYMBOL = "BTCUSDT"


def _price(ticks: int) -> str:
    return f"{ticks // 100}.{ticks % 100:02d}"


def _qty(lots: int) -> str:
    return f"{lots // 10000}.{lots % 10000:04d}"


def generate(ops: int, seed: int, out: list[str]) -> None:
    """Append `ops` JSON lines to `out`."""
    rng = random.Random(seed)
    engine = Engine()
    engine.add_symbol(SymbolSpec(SYMBOL))
    live: list[int] = []
    live_index: dict[int, int] = {}
    users = [f"u{i}" for i in range(1, 2001)]
    owner: dict[int, str] = {}
    mid = 3_000_000  # 30000.00
    next_id = 0

    def forget(order_id: int) -> None:
        index = live_index.pop(order_id, None)
        if index is None:
            return
        last = live.pop()
        if last != order_id:
            live[index] = last
            live_index[last] = index

    for _ in range(ops):
        mid = max(10_000, mid + rng.choice((-2, -1, 0, 0, 1, 2)))
        roll = rng.random()
        if roll < 0.30 and live:
            order_id = live[rng.randrange(len(live))]
            out.append(f'{{"op":"cancel","id":"{order_id}"}}')
            engine.cancel(SYMBOL, order_id, owner[order_id])
        else:
            next_id += 1
            user = rng.choice(users)
            owner[next_id] = user
            side = rng.randrange(2)
            side_name = "buy" if side == codes.BUY else "sell"
            lots = rng.randint(1, 2000)
            stp = ""
            stp_mode = codes.STP_NONE
            if rng.random() < 0.02:
                stp_mode = rng.choice((codes.STP_EXPIRE_TAKER, codes.STP_EXPIRE_MAKER, codes.STP_DECREMENT))
                stp = f',"stp":"{codes.STP_NAMES[stp_mode]}"'
            direction = -1 if side == codes.BUY else 1  # passive side of the mid
            if roll < 0.35:
                out.append(
                    f'{{"op":"market","id":"{next_id}","user":"{user}","side":"{side_name}",'
                    f'"qty":"{_qty(lots)}"{stp}}}'
                )
                order = Order(next_id, user, side, codes.MARKET, quantity=lots, stp_mode=stp_mode)
            else:
                if roll < 0.40:
                    tif = codes.IOC
                    ticks = mid - direction * rng.randint(0, 20)
                elif rng.random() < 0.08:
                    tif = codes.GTC
                    ticks = mid - direction * rng.randint(0, 10)  # marketable
                else:
                    tif = codes.GTC
                    ticks = mid + direction * (1 + int(rng.expovariate(1 / 400)))
                ticks = max(1, ticks)
                out.append(
                    f'{{"op":"limit","id":"{next_id}","user":"{user}","side":"{side_name}",'
                    f'"price":"{_price(ticks)}","qty":"{_qty(lots)}","tif":"{codes.TIF_NAMES[tif]}"{stp}}}'
                )
                order = Order(next_id, user, side, codes.LIMIT, ticks, lots, tif, stp_mode=stp_mode)
            engine.submit(SYMBOL, order)
            if order.remaining > 0 and engine.find_order(SYMBOL, next_id) is order:
                live_index[next_id] = len(live)
                live.append(next_id)
        for event in engine.drain():
            if isinstance(event, OrderDone):
                forget(event.order_id)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m castle_engine.workload", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--ops", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    lines: list[str] = []
    generate(args.ops, args.seed, lines)
    sys.stdout.write("\n".join(lines) + "\n" if lines else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
