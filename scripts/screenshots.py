"""Take screenshots of the main pages of a running Fulcrum (demo data loaded).

    python scripts/screenshots.py [base-url] [out-dir]

Desktop (1280 px) and phone (375 px) widths, in headless Debian Chromium. Loopback only.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(sys.argv[2] if len(sys.argv) > 2 else "docs/screenshots")
PASSWORD = os.environ.get("DEMO_PASSWORD", "fulcrum-demo-2026")
ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--proxy-server=http://127.0.0.1:9",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
]  # fmt: skip

PAGES = {
    "coach": [
        ("my-week", "/week/"),
        ("log-time", "/entries/new/"),
        ("entries", "/entries/"),
        ("contracts", "/contracts/"),
        ("cycles", "/cycles/"),
        ("cycle", "/cycles/ >> .list-group-item"),
        ("pd-session", "/cycles/pd/ >> .list-group-item"),
        ("resource", "/resources/ >> .list-group-item"),
        ("coach-group", "/groups/ >> .card"),
        ("check-ins", "/check-ins/"),
        ("my-months", "/months/"),
        ("caseload", "/cycles/caseload/"),
        ("calendar-drafts", "/calendar/drafts/"),
    ],
    "admin.maple": [("roster", "/roster/"), ("roster-import", "/roster/import/"), ("district-report", "/reports/")],
    "teacher": [("my-coaching", "/my-sessions/"), ("teacher-cycle", "/cycles/ >> .list-group-item")],
    "director": [
        ("program-report", "/reports/"),
        ("director-cycles", "/cycles/"),
        ("shared-cycle", "/cycles/ >> .list-group-item"),
        ("setup", "/setup/"),
        ("setup-contracts", "/setup/contracts/"),
        ("setup-coaches", "/setup/coaches/"),
        ("approvals", "/approvals/"),
        ("rollover", "/setup/rollover/"),
        ("caseload-counts", "/cycles/caseloads/"),
    ],
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"), args=ARGS)
        for width, suffix in ((1280, ""), (375, "-phone")):
            for username, pages in PAGES.items():
                context = browser.new_context(viewport={"width": width, "height": 900})
                page = context.new_page()
                page.goto(f"{BASE}/login/")
                page.fill("input[name=username]", username)
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")
                for name, target in pages:
                    path, _, click = target.partition(" >> ")
                    page.goto(BASE + path)
                    page.wait_for_load_state("networkidle")
                    if click:  # open the first item of a list, e.g. a cycle
                        page.locator(click).first.click()
                        page.wait_for_load_state()
                    page.screenshot(path=str(OUT / f"{name}{suffix}.png"), full_page=True)
                context.close()
        browser.close()


if __name__ == "__main__":
    main()
