"""Pure rules of the attestations app (no Django)."""
