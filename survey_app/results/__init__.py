"""Evaluator results: loading rounds into analysis frames, publishable payloads, pages, downloads.

Modules: :mod:`.queries` (rounds -> DataFrames, two queries, chunked), :mod:`.compute`
(analysis -> suppressed, JSON-ready payloads: the small-cell rule lives here),
:mod:`.snapshots` (stored results and the background computation; why, in its docstring),
:mod:`.models` (the ``result_snapshots`` table), :mod:`.charts` (SVG), :mod:`.downloads`
(files, shared by views and CLI), :mod:`.views` (``/risultati/...``) and :mod:`.cli`
(``flask --app survey_app results export|refresh|worker``).
"""

#: bump when the payload layout changes: stored payloads of an older layout are recomputed
PAYLOAD_VERSION = 2
