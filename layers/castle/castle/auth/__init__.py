"""Who is calling: Binance HMAC-signed requests with API keys, and Cognito-authenticated users."""
