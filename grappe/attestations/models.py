"""Models of the attestations app."""
