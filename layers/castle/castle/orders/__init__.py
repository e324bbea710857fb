"""Order use cases: validate against the symbol's filters, hold funds, send engine commands."""
