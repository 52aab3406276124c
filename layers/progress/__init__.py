"""Progress on the map (挂图作战): plans, dated reports and the three-colour lights.

``model`` (what a plan and a report are, and their words), ``lights`` (the rule, for one
measure or a whole register), ``store`` (plans and reports in the store), ``workbook``
(the reporting template and its import). See docs/progress.md.
"""
