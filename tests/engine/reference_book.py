"""A deliberately naive order book: plain lists, sort on every match, no cleverness.

It implements LIMIT GTC/IOC/FOK, LIMIT_MAKER, MARKET (by quantity and/or quote budget), cancel and
the five STP modes, and records the outcomes as plain tuples in the same order the engine emits
its events, so the stateful tests can compare the two step by step.
"""

import copy
from dataclasses import dataclass

from castle_engine import codes

Outcome = tuple[object, ...]


@dataclass
class RefOrder:
    order_id: int
    user: str
    side: int
    price: int  # 0 for market orders
    quantity: int
    remaining: int
    stp: int
    arrival: int
    executed: int = 0
    cumulative_quote: int = 0
    prevented: int = 0


class ReferenceBook:
    def __init__(self, min_notional: int = 0) -> None:
        self.min_notional = min_notional
        self.resting: list[RefOrder] = []
        self.seen: set[int] = set()
        self.arrival = 0
        self.out: list[Outcome] = []

    # ---- commands ----
    def limit(self, order_id: int, user: str, side: int, price: int, qty: int, tif: int, stp: int) -> None:
        if self._rejected(order_id, price, qty, price * qty):
            return
        taker = RefOrder(order_id, user, side, price, qty, qty, stp, 0)
        if tif == codes.FOK and not self._fok_fills(taker):
            self._reject(order_id, codes.FOK_NOT_FILLABLE)
            return
        self.seen.add(order_id)
        self.out.append(("A", order_id))
        stp_expired, _ = self._match(taker, budget=-1)
        if taker.remaining == 0:
            self._done(taker, codes.EXPIRED_IN_MATCH if stp_expired else codes.FILLED)
        elif stp_expired:
            taker.prevented += taker.remaining
            taker.remaining = 0
            self._done(taker, codes.EXPIRED_IN_MATCH)
        elif tif == codes.GTC:
            self._rest(taker)
        else:
            self._done(taker, codes.EXPIRED)

    def limit_maker(self, order_id: int, user: str, side: int, price: int, qty: int) -> None:
        if self._rejected(order_id, price, qty, price * qty):
            return
        if any(self._crosses(side, price, maker) for maker in self.resting):
            self._reject(order_id, codes.POST_ONLY_WOULD_TAKE)
            return
        self.seen.add(order_id)
        self.out.append(("A", order_id))
        self._rest(RefOrder(order_id, user, side, price, qty, qty, codes.STP_NONE, 0))

    def market(self, order_id: int, user: str, side: int, qty: int, quote: int, stp: int) -> None:
        if order_id in self.seen:
            self._reject(order_id, codes.DUPLICATE_ORDER_ID)
            return
        if qty < 0 or quote < 0 or (qty == 0 and quote == 0):
            self._reject(order_id, codes.BAD_LOT)
            return
        if qty == 0 and quote < self.min_notional:
            self._reject(order_id, codes.MIN_NOTIONAL)
            return
        self.seen.add(order_id)
        self.out.append(("A", order_id))
        taker = RefOrder(order_id, user, side, 0, qty, qty if qty else 1 << 62, stp, 0)
        stp_expired, out_of_budget = self._match(taker, budget=quote if quote else -1)
        if stp_expired:
            self._done(taker, codes.EXPIRED_IN_MATCH)
        elif taker.remaining == 0 or (qty == 0 and out_of_budget and taker.executed > 0):
            self._done(taker, codes.FILLED)
        else:
            self._done(taker, codes.EXPIRED)

    def cancel(self, order_id: int, user: str) -> None:
        for order in self.resting:
            if order.order_id == order_id and order.user == user:
                self.resting.remove(order)
                self._done(order, codes.CANCELED)
                return
        self.out.append(("CR", order_id, codes.UNKNOWN_ORDER))

    # ---- queries ----
    def levels(self, side: int) -> list[tuple[int, int]]:
        """(price, total) best first."""
        totals: dict[int, int] = {}
        for order in self.resting:
            if order.side == side:
                totals[order.price] = totals.get(order.price, 0) + order.remaining
        return sorted(totals.items(), reverse=side == codes.BUY)

    def queue(self) -> list[tuple[int, int]]:
        """(order id, remaining) of every resting order in priority order, bids then asks."""
        return [(o.order_id, o.remaining) for o in self._priority(codes.SELL) + self._priority(codes.BUY)]

    # ---- internals ----
    def _rejected(self, order_id: int, price: int, qty: int, notional: int) -> bool:
        if order_id in self.seen:
            self._reject(order_id, codes.DUPLICATE_ORDER_ID)
        elif price <= 0:
            self._reject(order_id, codes.BAD_TICK)
        elif qty <= 0:
            self._reject(order_id, codes.BAD_LOT)
        elif notional < self.min_notional:
            self._reject(order_id, codes.MIN_NOTIONAL)
        else:
            return False
        return True

    def _reject(self, order_id: int, reason: str) -> None:
        if reason != codes.DUPLICATE_ORDER_ID:
            self.seen.add(order_id)
        self.out.append(("R", order_id, reason))

    def _rest(self, order: RefOrder) -> None:
        self.arrival += 1
        order.arrival = self.arrival
        self.resting.append(order)

    def _done(self, order: RefOrder, status: int) -> None:
        self.out.append(("D", order.order_id, status, order.executed, order.cumulative_quote))

    @staticmethod
    def _crosses(taker_side: int, taker_price: int, maker: RefOrder) -> bool:
        if maker.side == taker_side:
            return False
        if taker_price == 0:
            return True
        return maker.price <= taker_price if taker_side == codes.BUY else maker.price >= taker_price

    def _priority(self, taker_side: int) -> list[RefOrder]:
        """Resting orders of the side a `taker_side` order trades against, best first."""
        makers = [o for o in self.resting if o.side != taker_side]
        if taker_side == codes.BUY:
            return sorted(makers, key=lambda o: (o.price, o.arrival))
        return sorted(makers, key=lambda o: (-o.price, o.arrival))

    def _match(self, taker: RefOrder, budget: int) -> tuple[bool, bool]:
        """Returns (taker expired by STP, stopped for lack of budget)."""
        while taker.remaining > 0:
            # Re-sort the whole book for every single match: slow and obviously right.
            makers = self._priority(taker.side)
            if not makers or not self._crosses(taker.side, taker.price, makers[0]):
                break
            maker = makers[0]
            if maker.user == taker.user and taker.stp != codes.STP_NONE:
                if taker.stp == codes.STP_EXPIRE_TAKER:
                    return True, False
                if taker.stp == codes.STP_DECREMENT:
                    prevented = min(maker.remaining, taker.remaining)
                    maker.remaining -= prevented
                    taker.remaining -= prevented
                    maker.prevented += prevented
                    taker.prevented += prevented
                    if maker.remaining == 0:
                        self.resting.remove(maker)
                        self._done(maker, codes.EXPIRED_IN_MATCH)
                    if taker.remaining == 0:
                        return True, False
                    continue
                maker.prevented += maker.remaining
                maker.remaining = 0
                self.resting.remove(maker)
                self._done(maker, codes.EXPIRED_IN_MATCH)
                if taker.stp == codes.STP_EXPIRE_BOTH:
                    return True, False
                continue
            fill = min(maker.remaining, taker.remaining)
            if budget >= 0:
                fill = min(fill, (budget - taker.cumulative_quote) // maker.price)
                if fill <= 0:
                    return False, True
            self.out.append(("T", maker.price, fill, maker.order_id, taker.order_id))
            for order in (maker, taker):
                order.remaining -= fill
                order.executed += fill
                order.cumulative_quote += fill * maker.price
            if maker.remaining == 0:
                self.resting.remove(maker)
                self._done(maker, codes.FILLED)
        return False, False

    def _fok_fills(self, taker: RefOrder) -> bool:
        trial = copy.deepcopy(self)
        trial_taker = copy.deepcopy(taker)
        stp_expired, _ = trial._match(trial_taker, budget=-1)
        return not stp_expired and trial_taker.executed == taker.quantity
