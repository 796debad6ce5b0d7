"""Application services: the use cases, persistence settings and event encoding."""
