"""Market data, pure: klines, rolling tickers, the L2 book, aggregate trades and Binance payloads.

No AWS, no clock: the Kinesis consumer feeds engine events in, adapters store what comes out.
"""
