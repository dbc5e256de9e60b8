"""Questionnaires: the JSON format, its validation, and loading versions into the database."""
