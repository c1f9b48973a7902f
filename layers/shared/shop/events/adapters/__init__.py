"""The events context's adapters: one module per AWS service, each on a client created once per container."""
