"""The engine host: the long-lived service around the matching engine (SQS in, Kinesis out, journal,
Redis hot standby). The engine itself (`castle_engine`) stays pure; everything with I/O lives here."""
