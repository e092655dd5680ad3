"""Helpers with no domain: CSV export, checked uploads, QR codes, school-year arithmetic, query
parameter parsing and the type of a signed-in request.

Every app may import `toolkit`; `toolkit` imports no app (the import contracts in
`pyproject.toml` check it), so nothing here knows about coaches, teachers or reports.
"""
