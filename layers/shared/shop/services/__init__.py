"""Business rules. Handlers call these; these call adapters."""
