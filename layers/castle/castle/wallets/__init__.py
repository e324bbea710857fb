"""Wallet rules: networks and address formats, limits, 2FA, deposit addresses, withdrawal states.

Pure: no database, no AWS, no clock (callers pass the time in).
"""
