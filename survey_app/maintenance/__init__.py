"""Keeping the data safe and lawful over time: online backups and the retention purge."""
