"""What every function shares: the resolver and its problems, identity, settings, observability, paging, clients."""
