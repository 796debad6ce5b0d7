"""HTTP API and CLI: thin entry points over the services and projections."""
