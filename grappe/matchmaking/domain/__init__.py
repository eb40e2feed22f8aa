"""Pure rules of the matchmaking app (no Django)."""
