"""Models of the labelling app."""
