"""Read side: pure event → row projections, the runner that applies them, and queries."""
