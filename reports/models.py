"""Report snapshots built by Celery jobs (models arrive with the reports work)."""
