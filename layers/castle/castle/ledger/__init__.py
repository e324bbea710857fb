"""The ledger's pure core: which postings holds, fills, fees, deposits and withdrawals produce."""
