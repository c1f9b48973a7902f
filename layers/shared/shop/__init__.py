"""Shared code of the shop's functions, shipped as the `SharedLayer` Lambda layer.

One package per bounded context, each owning its models, errors, ports (Protocols in its own domain types),
services and adapters:

- `catalog`: products, their rules and their DynamoDB items;
- `commerce`: carts, orders and checkout;
- `search`: the search query, keeping the index equal to the table (indexing), and its administration;
- `common`: what every API function shares (the resolver and its problem answers, the caller's identity,
  settings, observability, paging cursors, clients, CORS, validation types).

Dependencies point one way: handlers (functions/*/app.py) -> a context's services, composed with its adapters
in the context's `wiring` -> ports; contexts may use `common`, never the other way round (apart from the one
table that maps every context's errors to problems).
"""
