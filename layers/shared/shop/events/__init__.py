"""Order and stock events: the table's stream published as domain events on the shop's EventBridge bus, and the
consumers that act on them (order e-mails, live order status over WebSockets, low-stock alerts).

    models      one pydantic model per domain event (their JSON Schemas are generated from these)
    stream      which event, if any, a stream record is
    publishing  the publisher's batch: events put on the bus in calls of 10, failed entries retried
    service     what each consumer does, on ports
    ports       what the services need, in domain types
    adapters    EventBridge, SES v2, the connections table, API Gateway's @connections, SNS, the user pool
    wiring      the adapters, composed once per container
"""
