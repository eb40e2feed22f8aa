"""Pure rules of the labelling app (no Django)."""
