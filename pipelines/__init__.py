"""Voice-of-customer pipeline: connectors, warehouse, Prefect flows and the CLI."""
