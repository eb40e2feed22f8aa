"""Partner matchmaking: ranked, explained partner suggestions from competences and history."""
