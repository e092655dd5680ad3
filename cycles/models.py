"""Impact Cycles, PEERS goals, progress measures and reflections (models arrive with the cycles work)."""
