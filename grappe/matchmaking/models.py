"""Models of the matchmaking app."""
