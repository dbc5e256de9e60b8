"""Tests of the pure analysis package (survey_app.analysis)."""
