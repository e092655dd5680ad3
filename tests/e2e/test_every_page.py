"""Every page, for every role, in Chromium at 1280 px and at a phone's 375 px: no serious or
critical axe-core violation, no sideways scroll of the page, and touch targets of at least 44 × 44 px.

The pages are found the way tests/test_tenant_isolation.py finds them: by walking the URL resolver
(`every_url_name`) and filling parameters from one seeded tenant (`seed`, `url_kwargs`), so a new
page is covered without editing this file (and an unmapped one already fails there). Each role
asks for every URL with its own session; a 200 HTML answer is opened in the browser and checked,
while redirects, refusals and files (CSV, PDF, PNG, SVG, JSON, ics) are not pages and are left out.
The Django admin (the site administrator's repair tool) is Django's own and is not checked.

The touch-target rule (WCAG 2.5.5, 44 × 44 CSS px) as checked here:
- the targets are the visible links, buttons, inputs, selects, textareas and summaries; an element
  with no box (display: none, a closed menu or collapsed section) or a visually hidden one (a box
  of 1 px or less, such as the skip link until it has focus) is not a target;
- a checkbox or radio is pressed through its label (a click on the label ticks it), so its target is
  its label when it has a visible one, and that label must measure 44 × 44; one with no label is
  measured itself;
- the inline exception: a link whose text flows in a sentence (it is laid out inline, and its block
  holds other text outside links and buttons: "No cycles yet. <a>Start one</a>.") is exempt, as
  WCAG allows for targets in a sentence; a link standing alone (a table's name link, a list item)
  is not.
A scroll at 375 px is measured on the page itself (`scrollWidth` of the document over the
window's width); a wide table scrolls inside its `.table-responsive` region, which is allowed.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from coaching.models import Activity
from coaching.tests.factories import ContractFactory, LogEntryFactory, activity, ensure_builtin_lists
from teachers.tests.factories import DistrictFactory, TeacherFactory
from tests.e2e.test_accessibility import load_axe, serious_violations
from tests.test_tenant_isolation import every_url_name, seed, url_kwargs

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
WIDTHS = (1280, 375)
BUDGET_SECONDS = 600  # measured at 3.5–4.5 minutes on a busy two-core machine; a guard, not a target

# The layout checks, run in the page (see the module docstring for the rules).
LAYOUT = """async () => {
  // Let the page (and its charts) settle at the new width first.
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 50))));
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth) {
    problems.push(`sideways-scroll: the page is ${root.scrollWidth} px wide`);
  }
  const box = el => el.getBoundingClientRect();
  const shown = el => {
    const r = box(el), style = getComputedStyle(el);
    return r.width > 1 && r.height > 1 && style.visibility !== "hidden";
  };
  const name = el => {
    const text = (el.getAttribute("aria-label") || el.innerText || el.value || el.name || "").trim();
    const id = el.id ? "#" + el.id : "";
    const up = el.parentElement, where = up ? ` in ${up.tagName.toLowerCase()}.${[...up.classList].join(".")}` : "";
    return `${el.tagName.toLowerCase()}${id} "${text.slice(0, 30).replace(/\\s+/g, " ")}"${where}`;
  };
  const inSentence = el => {
    if (el.tagName !== "A" || getComputedStyle(el).display !== "inline") return false;
    let block = el.parentElement;
    while (block && getComputedStyle(block).display.startsWith("inline")) block = block.parentElement;
    if (!block) return false;
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest("a, button, label, select, option")) continue;
      if (/\\w/.test(node.textContent)) return true;
    }
    return false;
  };
  const small = r => r.width < 44 - 0.5 || r.height < 44 - 0.5;
  const seen = new Set();
  for (const el of document.querySelectorAll(
      "a[href], button, input:not([type=hidden]), select, textarea, summary")) {
    let target = el;
    if (el.matches("input[type=checkbox], input[type=radio]")) {
      const label = [...(el.labels || [])].find(shown);
      if (label) target = label;
    }
    if (seen.has(target) || !shown(target) || inSentence(target)) continue;
    seen.add(target);
    const r = box(target);
    if (small(r)) {
      problems.push(`target-size: ${name(target)} is ${Math.round(r.width)} × ${Math.round(r.height)} px`);
    }
  }
  // A chart's labels on a vertical axis must fit beside it (not run off the canvas) and not
  // overlap each other once wrapped into lines.
  for (const chart of window.Chart ? Object.values(Chart.instances) : []) {
    if (!chart.width) continue;
    const what = chart.canvas.dataset.chart || "a";
    for (const scale of Object.values(chart.scales)) {
      if (scale.isHorizontal() || !scale.options.ticks.display || !scale.ticks.length) continue;
      const font = Chart.helpers.toFont(scale.options.ticks.font);
      chart.ctx.save();
      chart.ctx.font = font.string;
      const room = scale.height / scale.ticks.length;
      for (const tick of scale.ticks) {
        const rows = [].concat(tick.label);
        const wide = Math.max(...rows.map(r => chart.ctx.measureText(String(r)).width));
        if (wide > scale.right) problems.push(`chart-label: "${rows.join(" ")}" is cut on the ${what} chart`);
        if (rows.length > 1 && rows.length * font.lineHeight > room + 1) {
          problems.push(`chart-label: "${rows.join(" ")}" overlaps its neighbours on the ${what} chart`);
        }
      }
      chart.ctx.restore();
    }
  }
  return problems;
}"""


def guard(context: Any, problems: list[str], fetched: dict[str, Any]) -> None:
    """Refuse every request beyond loopback and note it. A page already fetched (to learn whether
    it is a page at all) is served to the browser from that answer instead of asked for twice."""

    def route(r: Any) -> None:
        host = urlsplit(r.request.url).hostname or ""
        if r.request.is_navigation_request() and r.request.url in fetched:
            r.fulfill(response=fetched.pop(r.request.url))
        elif r.request.url.startswith(("data:", "blob:")) or host in LOOPBACK:
            r.continue_()
        else:
            problems.append(f"asked for an off-machine URL: {r.request.url}")
            r.abort()

    context.route("**/*", route)


def pages(base: str, objects: Any) -> Iterator[tuple[str, str]]:
    """(URL name, absolute URL) of every page the resolver knows, filled from one tenant."""
    for name, params in every_url_name():
        kwargs = url_kwargs(name, list(params), objects)
        if kwargs is not None:
            yield name, f"{base}{reverse(name, kwargs=kwargs)}"


@contextmanager
def clock(spent: dict[str, float], what: str) -> Iterator[None]:
    """Add the time the block takes to spent[what]."""
    t0 = time.monotonic()
    yield
    spent[what] = spent.get(what, 0.0) + time.monotonic() - t0


def check(page: Any, width: int) -> list[str]:
    """The problems of the open page at one width (axe's at both, the layout's on a phone)."""
    page.set_viewport_size({"width": width, "height": 800})
    return [*serious_violations(page), *(page.evaluate(LAYOUT) if width < 576 else [])]


def decorate(tenant: Any) -> None:
    """What the shared seed lacks for these checks: long unbroken words (email addresses, a
    link), the longest built-in activity name in a report, and contracts nearly or wholly used
    (the progress bars' warning and danger colours)."""
    today = timezone.localdate()
    ensure_builtin_lists()  # a transactional test may follow one that emptied the tables
    for i in range(3):
        TeacherFactory(school=tenant.school, email=f"a.rather.long.address.{i}@a-long-district-name.example")
    longest = Activity.objects.get(program=None, name="Facilitation of Professional Development")
    for days in range(1, 10):
        LogEntryFactory(coach=tenant.coach, district=tenant.district, date=today - dt.timedelta(days=days),
                        activity=longest if days % 2 else activity())  # fmt: skip
    tenant.contract.contracted_days = 10
    tenant.contract.save()
    other = DistrictFactory(name="Second District")
    ContractFactory(program=tenant.program, district=other, contracted_days=10).coaches.add(tenant.coach)
    for days in (3, 6, 9):
        LogEntryFactory(coach=tenant.coach, district=other, date=today - dt.timedelta(days=days))


def test_every_page_for_every_role_is_accessible_at_both_widths(live_server, browser, tenant_a, site_admin):
    started = time.monotonic()
    decorate(tenant_a)
    objects = seed(tenant_a, "AARDVARK")
    roles = {"anonymous": None, "teacher": "teacher_A", "coach": "coach_A", "district admin": "admin_A",
             "program director": "director_A", "site admin": site_admin.username}  # fmt: skip
    failures, checked = [], 0
    spent: dict[str, float] = {}
    for role, username in roles.items():
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        errors: list[str] = []
        fetched: dict[str, Any] = {}
        guard(context, errors, fetched)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("pageerror", lambda exc, errors=errors: errors.append(f"script error: {exc}"))
        page.on("console", lambda m, errors=errors: errors.append(m.text) if "Content Security" in m.text else None)
        if username:
            page.goto(f"{live_server.url}/login/")
            page.get_by_label("Username").fill(username)
            page.get_by_label("Password").fill("correct-horse-battery")
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_load_state()
            assert "/login/" not in page.url, f"{role} could not sign in"
        for name, url in pages(live_server.url, objects):
            with clock(spent, "ask"):
                answer = context.request.get(url, max_redirects=0)
            if answer.status != 200 or not answer.headers.get("content-type", "").startswith("text/html"):
                continue  # a redirect, a refusal, or a file
            if "<html" not in answer.text()[:300].lower():
                continue  # a fragment that htmx puts into a page, checked inside that page
            fetched[url] = answer
            with clock(spent, "open"):
                page.goto(url)
                load_axe(page)
            checked += 1
            for width in WIDTHS:
                with clock(spent, f"check at {width} px"):
                    found = check(page, width)
                failures += [f"{role} {name} at {width} px: {problem}" for problem in found]
            failures += [f"{role} {name}: {e}" for e in errors]
            errors.clear()
        context.close()
    elapsed = time.monotonic() - started
    print(f"every page: {checked} pages over {len(roles)} roles in {elapsed:.0f} s;",
          ", ".join(f"{what} {seconds:.0f} s" for what, seconds in spent.items()))  # fmt: skip
    assert checked > 60, "fewer pages than expected were opened"
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures)
    assert elapsed < BUDGET_SECONDS, f"the walk took {elapsed:.0f} s"
