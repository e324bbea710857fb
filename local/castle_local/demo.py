"""The demo market: users with balances, market makers and takers trading through the public API.

Users sign up through the gateway's Cognito proxy, are funded through the ledger's deposit path
(`credit_deposit`, idempotent by a fixed tx id so re-seeding never credits twice), get API keys from
`/v1/api-keys`, and then trade with signed `/api/v3/order` requests like any Binance client.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

from castle.domain.markets import MARKETS, Market
from castle.domain.money import MINOR_UNITS_PER_UNIT

DEMO_PASSWORD = "Castle-demo-1"
REFERENCE_PRICES = {"BTCUSDT": Decimal("65000"), "ETHUSDT": Decimal("3200"), "ETHBTC": Decimal("0.049")}
FUNDING: dict[str, dict[str, Decimal]] = {
    # Two market makers, one per side, so quotes never cross their own (no wash trades in the demo).
    "maker": {"BTC": Decimal(100), "ETH": Decimal(2000), "USDT": Decimal(10_000_000)},
    "dealer": {"BTC": Decimal(100), "ETH": Decimal(2000), "USDT": Decimal(10_000_000)},
    "taker": {"BTC": Decimal(20), "ETH": Decimal(400), "USDT": Decimal(2_000_000)},
    "trader": {"BTC": Decimal(1), "ETH": Decimal(10), "USDT": Decimal(100_000)},
}


class DemoError(RuntimeError):
    """The demo could not set itself up (a missing endpoint, a refused request)."""


@dataclass
class DemoUser:
    role: str
    username: str
    user_id: str = ""
    id_token: str = ""
    api_key: str = ""
    secret: str = ""


@dataclass
class Counters:
    orders: deque[float] = field(default_factory=lambda: deque(maxlen=5000))
    trades: deque[float] = field(default_factory=lambda: deque(maxlen=5000))
    errors: int = 0
    last_error: str = ""

    def rate(self, which: deque[float], window_s: float = 10.0) -> float:
        cutoff = time.time() - window_s
        return sum(1 for t in which if t >= cutoff) / window_s


def username(role: str) -> str:
    return f"{role}@castle.local"


class DemoMarket:
    def __init__(self, url: str, *, rate_per_s: float = 4.0, say: Callable[[str], None] = print) -> None:
        self.url = url.rstrip("/")
        self.rate_per_s = rate_per_s
        self.say = say
        self.http = httpx.Client(base_url=self.url, timeout=10)
        self.users: dict[str, DemoUser] = {role: DemoUser(role, username(role)) for role in FUNDING}
        self.mid = dict(REFERENCE_PRICES)
        self.counters = Counters()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._rng = random.Random(7)
        self._last_trade_id: dict[str, int] = {}

    @property
    def trader_login(self) -> str:
        return f"{username('trader')} / {DEMO_PASSWORD}"

    # ---- seeding ---------------------------------------------------------------------------------
    def seed(self) -> None:
        for user in self.users.values():
            self._log_in(user)
            self._fund(user)
            self._api_key(user)
        self.say(
            f"demo: {len(self.users)} users funded ({', '.join(u.username for u in self.users.values())})"
        )

    def _log_in(self, user: DemoUser) -> None:
        body = {"username": user.username, "password": DEMO_PASSWORD}
        answer = self.http.post("/v1/auth/signup", json=body)
        if answer.status_code == 409:
            answer = self.http.post("/v1/auth/login", json=body)
        if answer.status_code != 200:
            raise DemoError(f"cannot sign up {user.username}: {answer.status_code} {answer.text}")
        user.id_token = answer.json()["idToken"]
        user.user_id = str(jwt.decode(user.id_token, options={"verify_signature": False})["sub"])

    def _fund(self, user: DemoUser) -> None:
        # The deposit path the chain watcher uses; runs in the `castle up` process (same database).
        from castle.adapters.postgres.ledger_store import get_ledger

        ledger = get_ledger()
        for asset, amount in FUNDING[user.role].items():
            minor = int(amount * MINOR_UNITS_PER_UNIT)
            ledger.credit_deposit(f"demo-seed-{user.user_id}-{asset}", user.user_id, asset, minor)

    def _api_key(self, user: DemoUser) -> None:
        answer = self.http.post(
            "/v1/api-keys",
            json={"label": "demo", "permissions": ["read", "trade"]},
            headers={"Authorization": user.id_token},
        )
        if answer.status_code not in (200, 201):
            raise DemoError(
                f"cannot create an API key for {user.username}: {answer.status_code} {answer.text}"
            )
        data = answer.json()
        user.api_key, user.secret = data["apiKey"], data["secretKey"]

    # ---- trading ---------------------------------------------------------------------------------
    def signed(self, user: DemoUser, method: str, path: str, params: dict[str, Any]) -> httpx.Response:
        query = urlencode({**params, "timestamp": int(time.time() * 1000), "recvWindow": 10000})
        signature = hmac.new(user.secret.encode(), query.encode(), hashlib.sha256).hexdigest()
        return self.http.request(
            method, f"{path}?{query}&signature={signature}", headers={"X-MBX-APIKEY": user.api_key}
        )

    def _record(self, answer: httpx.Response) -> None:
        now = time.time()
        if answer.status_code == 200:
            self.counters.orders.append(now)
        else:
            self.counters.errors += 1
            self.counters.last_error = f"{answer.status_code} {answer.text[:120]}"

    def _step_price(self, market: Market) -> Decimal:
        drift = Decimal(str(self._rng.gauss(0, 0.0008)))
        mid = self.mid[market.symbol] * (1 + drift)
        ref = REFERENCE_PRICES[market.symbol]
        mid = min(max(mid, ref * Decimal("0.8")), ref * Decimal("1.2"))
        self.mid[market.symbol] = mid
        return mid

    def _quantity(self, market: Market, notional_quote: Decimal, price: Decimal) -> Decimal:
        raw = notional_quote / price
        lots = (raw / market.lot_size).to_integral_value(ROUND_DOWN)
        return max(lots, Decimal(1)) * market.lot_size

    def _price(self, market: Market, value: Decimal) -> Decimal:
        return (value / market.tick_size).to_integral_value(ROUND_DOWN) * market.tick_size

    def make(self, market: Market) -> None:
        """The makers quote a bid (maker) and an ask (dealer) around the drifting mid."""
        mid = self._step_price(market)
        spread = Decimal(str(0.0004 + self._rng.random() * 0.002))
        notional = market.min_notional * Decimal(self._rng.randint(3, 40))
        for side, factor, maker in (
            ("BUY", 1 - spread, self.users["maker"]),
            ("SELL", 1 + spread, self.users["dealer"]),
        ):
            price = self._price(market, mid * factor)
            params = {
                "symbol": market.symbol,
                "side": side,
                "type": "LIMIT",
                "timeInForce": "GTC",
                "price": f"{price:f}",
                "quantity": f"{self._quantity(market, notional, price):f}",
                "newOrderRespType": "ACK",
            }
            self._record(self.signed(maker, "POST", "/api/v3/order", params))

    def take(self, market: Market) -> None:
        """The taker crosses the spread with market orders; buys spend a quote amount (quoteOrderQty)
        so that each holds only what it may spend, not the taker's whole quote balance."""
        taker = self.users["taker"]
        side = self._rng.choice(("BUY", "SELL"))
        notional = market.min_notional * Decimal(self._rng.randint(2, 15))
        params: dict[str, Any] = {
            "symbol": market.symbol,
            "side": side,
            "type": "MARKET",
            "newOrderRespType": "FULL",
        }
        if side == "BUY":
            params["quoteOrderQty"] = f"{notional:f}"
        else:
            params["quantity"] = f"{self._quantity(market, notional, self.mid[market.symbol]):f}"
        self._record(self.signed(taker, "POST", "/api/v3/order", params))

    def prune(self, market: Market) -> None:
        """Cancel a maker's orders when too many rest, so the book stays readable."""
        for maker in (self.users["maker"], self.users["dealer"]):
            answer = self.signed(maker, "GET", "/api/v3/openOrders", {"symbol": market.symbol})
            if answer.status_code == 200 and len(answer.json()) > 40:
                self.signed(maker, "DELETE", "/api/v3/openOrders", {"symbol": market.symbol})

    def count_trades(self, markets: list[Market]) -> None:
        """Trades from the public tape (ids grow by one per trade and symbol), whoever traded."""
        now = time.time()
        for market in markets:
            answer = self.http.get("/api/v3/trades", params={"symbol": market.symbol, "limit": 1})
            if answer.status_code != 200 or not answer.json():
                continue
            last = int(answer.json()[-1]["id"])
            seen = self._last_trade_id.get(market.symbol)
            self._last_trade_id[market.symbol] = last
            if seen is not None:
                self.counters.trades.extend([now] * max(0, last - seen))

    def _loop(self) -> None:
        markets = [MARKETS[s] for s in REFERENCE_PRICES if s in MARKETS]
        tick = 0
        while not self._stop.is_set():
            started = time.monotonic()
            market = markets[tick % len(markets)]
            try:
                self.make(market)
                if self._rng.random() < 0.5:
                    self.take(market)
                if tick % 50 == 0:
                    self.prune(market)
                if tick % 6 == 0:
                    self.count_trades(markets)
            except httpx.HTTPError as exc:
                self.counters.errors += 1
                self.counters.last_error = str(exc)
            tick += 1
            pause = max(0.0, 2.0 / self.rate_per_s - (time.monotonic() - started))
            self._stop.wait(pause)

    def start(self) -> None:
        thread = threading.Thread(target=self._loop, name="demo-market", daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(5)
        self.http.close()

    def status_line(self, stack: Any) -> str:
        c = self.counters
        lag = engine_lag(stack)
        error = f"  last error: {c.last_error}" if c.errors else ""
        return (
            f"orders/s {c.rate(c.orders):5.1f}  trades/s {c.rate(c.trades):5.1f}  "
            f"engine lag {lag}  errors {c.errors}{error}"
        )[:200]


def engine_lag(stack: Any) -> str:
    """How far the active engine is behind its order queue (its health report), and what waits."""
    parts: list[str] = []
    engines = getattr(stack, "engines", None)
    if engines is not None:
        for host in engines.health():
            health = host.get("health") or {}
            if health.get("role") == "active":
                parts.append(f"{health.get('queue_lag_ms', '?')} ms")
    url = getattr(stack, "environment", {}).get("CASTLE_ORDER_QUEUE_URL")
    factory = getattr(stack, "factory", None)
    if url and factory is not None:
        try:
            attrs = factory.client("sqs").get_queue_attributes(
                QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
            )["Attributes"]
            parts.append(f"{attrs.get('ApproximateNumberOfMessages', '?')} queued")
        except Exception:  # the status line must never take the stack down
            pass
    return ", ".join(parts) or "n/a"
