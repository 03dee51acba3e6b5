"""What every platform adapter shares: its token pool, bounded concurrency and the intent discipline
(an intent in the ledger before a create, the id after, adoption after a crash)."""
