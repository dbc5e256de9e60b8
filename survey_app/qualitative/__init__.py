"""Qualitative evaluation of a plan's objectives: interviews, focus groups and participatory
workshops with their notes or transcripts, an objective's codebook of themes, coded passages
of sessions and of reviewed free comments, quotes published for reports
(:func:`survey_app.qualitative.queries.objective_themes`), and the REFI-QDA export.
"""
