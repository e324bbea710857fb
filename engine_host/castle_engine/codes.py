"""Integer codes the engine uses instead of strings: sides, order types, time in force, STP modes,
symbol statuses, final order statuses and event kinds. `*_NAMES[code]` gives the Binance spelling."""

from typing import Final

BUY: Final = 0
SELL: Final = 1
SIDE_NAMES: Final = ("BUY", "SELL")

LIMIT: Final = 0
MARKET: Final = 1
LIMIT_MAKER: Final = 2
STOP_LOSS_LIMIT: Final = 3
TAKE_PROFIT_LIMIT: Final = 4
ORDER_TYPE_NAMES: Final = ("LIMIT", "MARKET", "LIMIT_MAKER", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT")

GTC: Final = 0
IOC: Final = 1
FOK: Final = 2
TIF_NAMES: Final = ("GTC", "IOC", "FOK")

STP_NONE: Final = 0
STP_EXPIRE_TAKER: Final = 1
STP_EXPIRE_MAKER: Final = 2
STP_EXPIRE_BOTH: Final = 3
STP_DECREMENT: Final = 4
STP_NAMES: Final = ("NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH", "DECREMENT")

TRADING: Final = 0
HALT: Final = 1
BREAK: Final = 2
CANCEL_ONLY: Final = 3
STATUS_NAMES: Final = ("TRADING", "HALT", "BREAK", "CANCEL_ONLY")

FILLED: Final = 0
CANCELED: Final = 1
EXPIRED: Final = 2
EXPIRED_IN_MATCH: Final = 3
DONE_NAMES: Final = ("FILLED", "CANCELED", "EXPIRED", "EXPIRED_IN_MATCH")

# Event kinds, spelled as castle.contracts.events' `type` discriminators.
EV_ACCEPTED: Final = 0
EV_REJECTED: Final = 1
EV_CANCEL_REJECTED: Final = 2
EV_TRADE: Final = 3
EV_TRIGGERED: Final = 4
EV_DONE: Final = 5
EV_DEPTH: Final = 6
EV_STATUS: Final = 7
EVENT_TYPE_NAMES: Final = (
    "order_accepted",
    "order_rejected",
    "cancel_rejected",
    "trade",
    "order_triggered",
    "order_done",
    "depth",
    "symbol_status",
)

# Reject / cancel-reject reasons (the `reason` string of order_rejected / cancel_rejected).
BAD_TICK: Final = "BAD_TICK"  # price <= 0 or outside [min_price, max_price]
BAD_LOT: Final = "BAD_LOT"  # quantity <= 0 or outside [min_qty, max_qty]
BAD_STOP_PRICE: Final = "BAD_STOP_PRICE"
MIN_NOTIONAL: Final = "MIN_NOTIONAL"
UNKNOWN_ORDER: Final = "UNKNOWN_ORDER"
DUPLICATE_ORDER_ID: Final = "DUPLICATE_ORDER_ID"
DUPLICATE_CLIENT_ORDER_ID: Final = "DUPLICATE_CLIENT_ORDER_ID"
FOK_NOT_FILLABLE: Final = "FOK_NOT_FILLABLE"
POST_ONLY_WOULD_TAKE: Final = "POST_ONLY_WOULD_TAKE"
STOP_WOULD_TRIGGER_IMMEDIATELY: Final = "STOP_WOULD_TRIGGER_IMMEDIATELY"
SYMBOL_NOT_TRADING: Final = "SYMBOL_NOT_TRADING"
BAD_ORDER: Final = "BAD_ORDER"  # inconsistent fields (unknown type/side/tif/stp, OCO legs mismatch)
CANCEL_REPLACE_CANCEL_FAILED: Final = "CANCEL_REPLACE_CANCEL_FAILED"

# order_done reasons (empty for plain fills/cancels/IOC expiries).
REASON_STP: Final = "SELF_TRADE_PREVENTION"
REASON_OCO: Final = "OCO_SIBLING"
REASON_REPLACED: Final = "REPLACED"
