"""The public respondent pages: landing, form, thank-you; and storing a submission."""
