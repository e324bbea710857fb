"""Trading analytics: hourly candles, volume by user and symbol, fee revenue (pure aggregation)."""
