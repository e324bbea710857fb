"""Wallet endpoints: deposit addresses, deposits, balances, 2FA enrolment, the simulated chain watcher."""
