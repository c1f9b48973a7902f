"""Keeping the index equal to the table: the stream indexer's batch, reconcile and rebuild."""
