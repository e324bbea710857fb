"""Port to the matching engine's command queue."""

from typing import Protocol

from castle.contracts.commands import EngineCommand


class CommandSendError(Exception):
    """The command could not be handed to the queue.

    `not_sent` is True when the queue certainly did not take it (refused, or never reached), so a
    hold may be released; False when the outcome is unknown (e.g. a timeout after sending).
    """

    def __init__(self, message: str, *, not_sent: bool) -> None:
        super().__init__(message)
        self.not_sent = not_sent


class CommandSender(Protocol):
    def send(self, command: EngineCommand) -> None:
        """Enqueue one command (FIFO per symbol, de-duplicated by command_id)."""
        ...
