"""Setting aside, from the analysis, the responses of a suspicious burst (a window of hours or a point).

Modules: :mod:`.queries` (which responses a set-aside covers, as one SQL condition the
results' loading applies; the page's lists), :mod:`.operations` (set aside, revoke: audited),
:mod:`.forms` and :mod:`.views` (the operators' page of a round).
"""
