"""Commerce: one cart per user, checkout into orders (at most once per Idempotency-Key), and fulfilment."""
