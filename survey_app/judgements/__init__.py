"""The evaluator's judgement of each objective and indicator of a plan: reading, saving with history, pages."""
