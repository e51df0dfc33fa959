"""Chain effectiveness (pure): vehicle routing for bundled deliveries, load factor and empty
running from trip logs, zero-emission zones, and street turns of empty containers.

Tables in, tables out: no file or database I/O here (see ``keten.io`` and
``keten.services.bundling``)."""
