"""Survey rounds: opening them, finding them, and their public links."""
