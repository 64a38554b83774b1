"""A run's reports and what is made of them: compliance.json, history, baseline, profiles, matrix.

Layering: `schema` names the format and checks a document; `compliance` builds a run's document,
which `profiles`, `baseline` and `history` annotate; `markup` renders HTML pieces from a document
(the run report's summary and the matrix both use it); `matrix` puts many documents side by
side. None of them talks to a server: `python -m conformance.report` works on files alone.
`hooks` is the pytest side: it builds the document at the end of a run and writes the reports.
"""
