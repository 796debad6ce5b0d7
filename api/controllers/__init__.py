"""HTTP controllers: one per resource, handlers of a few lines each."""
