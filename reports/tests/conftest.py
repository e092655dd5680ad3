import pytest


@pytest.fixture(autouse=True)
def _publish_at_once(monkeypatch):
    """Tests run inside a transaction that never commits, so on_commit would never fire: publish
    at once instead. (The real-worker tests in tests/ run with committed transactions.)"""
    monkeypatch.setattr("reports.services.transaction.on_commit", lambda callback, **kwargs: callback())
