"""Demo data: realistic partnerships from the source documents, written through the use cases."""

from services.demo.data import DEMO_PASSWORD
from services.demo.loader import DemoSummary, is_loaded, load_demo

__all__ = ["DEMO_PASSWORD", "DemoSummary", "is_loaded", "load_demo"]
