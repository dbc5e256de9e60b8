"""Panel rounds: single-use respondent codes that pair a person's answers across rounds."""
