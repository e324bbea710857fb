"""Port to the matching engine's command queue."""

from typing import Protocol

from castle.contracts.commands import EngineCommand


class CommandSendError(Exception):
    """The command could not be handed to the queue; the engine will not see it."""


class CommandSender(Protocol):
    def send(self, command: EngineCommand) -> None:
        """Enqueue one command (FIFO per symbol, de-duplicated by command_id)."""
        ...
