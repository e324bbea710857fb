"""Typed errors of the core, each carrying its Binance error code and HTTP status.

Handlers never pick a status themselves: castle.http maps every CastleError in one place.
Codes follow ../shared/reference/binance-spot-api/errors.md.
"""


class CastleError(Exception):
    """Base of every error that becomes a 4xx answer: {"code": code, "msg": message}."""

    code: int = -1000
    status: int = 400
    default_message = "An unknown error occurred while processing the request."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class BadRequestError(CastleError):
    code = -1100
    default_message = "Illegal characters found in a parameter."


class MandatoryParameterError(CastleError):
    code = -1102
    default_message = "A mandatory parameter was not sent, was empty/null, or malformed."


class UnknownParameterError(CastleError):
    code = -1104
    default_message = "Not all sent parameters were read."


class BadParameterError(CastleError):
    code = -1100


class InvalidSymbolError(CastleError):
    code = -1121
    default_message = "Invalid symbol."


class InvalidTimestampError(CastleError):
    code = -1021
    default_message = "Timestamp for this request is outside of the recvWindow."


class InvalidSignatureError(CastleError):
    code = -1022
    status = 401
    default_message = "Signature for this request is not valid."


class InvalidApiKeyError(CastleError):
    code = -2015
    status = 401
    default_message = "Invalid API-key, IP, or permissions for action."


class UnauthorizedError(CastleError):
    code = -1002
    status = 401
    default_message = "You are not authorized to execute this request."


class ForbiddenError(CastleError):
    code = -2015
    status = 403
    default_message = "Invalid API-key, IP, or permissions for action."


class NotFoundError(CastleError):
    code = -2013
    status = 404
    default_message = "Order does not exist."


class UnknownOrderError(NotFoundError):
    code = -2013
    status = 400
    default_message = "Order does not exist."


class CancelRejectedError(CastleError):
    code = -2011
    default_message = "Unknown order sent."


class InsufficientBalanceError(CastleError):
    code = -2010
    default_message = "Account has insufficient balance for requested action."


class OrderRejectedError(CastleError):
    code = -2010
    default_message = "New order rejected."


class FilterFailureError(CastleError):
    code = -1013
    default_message = "Filter failure."


class DuplicateRequestError(CastleError):
    code = -2010
    default_message = "Duplicate order sent."


class TooManyRequestsError(CastleError):
    code = -1003
    status = 429
    default_message = "Too many requests; please use the websocket for live updates."

    def __init__(self, message: str | None = None, retry_after_s: int = 60) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class ServiceUnavailableError(CastleError):
    code = -1001
    status = 503
    default_message = "Internal error; unable to process your request. Please try again."


class ParamNotRequiredError(CastleError):
    code = -1106
    default_message = "A parameter was sent when not required."


class BadPrecisionError(CastleError):
    code = -1111
    default_message = "Parameter has too much precision."


class InvalidTimeInForceError(CastleError):
    code = -1115
    default_message = "Invalid timeInForce."


class InvalidOrderTypeError(CastleError):
    code = -1116
    default_message = "Invalid orderType."


class InvalidSideError(CastleError):
    code = -1117
    default_message = "Invalid side."


class InvalidCancelRestrictionsError(CastleError):
    code = -1145
    default_message = "Invalid cancelRestrictions"


class OcoOrderTypeRejectedError(CastleError):
    code = -1158
    default_message = "Order type not supported in OCO."


class ExecutionUnknownError(CastleError):
    """The command may or may not have reached the engine: the client must query the order."""

    code = -1007
    status = 503
    default_message = (
        "Timeout waiting for response from backend server. Send status unknown; execution status unknown."
    )


class CancelReplaceError(CastleError):
    """cancelReplace that failed in whole (-2022, 400) or in part (-2021, 409); `data` carries the
    per-step results Binance returns beside code and msg."""

    code = -2022
    default_message = "Order cancel-replace failed."

    def __init__(self, data: dict[str, object], partial: bool) -> None:
        super().__init__("Order cancel-replace partially failed." if partial else None)
        self.data = data
        if partial:
            self.code = -2021
            self.status = 409
