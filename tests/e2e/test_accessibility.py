"""axe-core (vendored, static/vendor/axe-core) in the browser tests: `audit(page)` lists the serious
and critical violations of the open page. tests/e2e/test_every_page.py runs it on every page each
role reaches, at 1280 and 375 px (the pages this module once listed by hand among them); a journey
may call it too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

AXE = (Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core" / "axe.min.js").read_text()
SERIOUS = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter(v => ["serious", "critical"].includes(v.impact))
    .map(v => `${v.id}: ${v.nodes.map(n => n.target.join(" ")).slice(0, 3).join(", ")}`);
}"""


def load_axe(page: Any) -> None:
    """Put axe-core into the open page (evaluated by the browser's tooling, not as a page script:
    the content security policy stays as it is)."""
    page.evaluate(AXE)


def serious_violations(page: Any) -> list[str]:
    """`rule: targets` of each serious or critical violation on the open page (axe already loaded)."""
    return list(page.evaluate(SERIOUS))


def audit(page: Any) -> list[str]:
    """Load axe-core into the open page and list its serious and critical violations."""
    load_axe(page)
    return serious_violations(page)
