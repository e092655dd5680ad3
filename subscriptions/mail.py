"""The email of a report: subject, plain-text and HTML bodies with the key figures, the PDF."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode

from reports.models import Snapshot
from reports.pdf import report_pdf_bytes
from reports.scopes import Period, Scope

from .periods import period_title

SIDES = {"output": "Output side", "input": "Input side", "non_coaching": "Non-coaching duties"}


def site_link(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def report_link(scope: Scope, period: Period) -> str:
    return site_link(f"{reverse('reports:dashboard')}?{urlencode({'scope': scope.key, 'period': period.key})}")


def unsubscribe_link(token: str) -> str:
    return site_link(reverse("subscriptions:unsubscribe", args=[token]))


def key_figures(figures: dict[str, Any]) -> dict[str, Any]:
    """What the email's body shows, read from the snapshot as the page and the PDF show it."""
    balance = {row["name"]: row for row in figures.get("balance", [])}
    contracts = [
        {"district": c["district"], "program": c["program"], "school_year": c["school_year"],
         "contracted": c["contracted"], "used": c["used"], "left": c["left"]}
        for c in figures.get("contracts", [])
    ]  # fmt: skip
    return {
        "total_hours": figures["total_hours"],
        "entries": figures["entries"],
        "teachers_reached": figures["teachers_reached"],
        "top_activities": [
            {"name": a["name"], "hours": a["hours"], "share": a["share"]} for a in figures.get("by_activity", [])[:3]
        ],
        "balance": [
            {"label": label, "hours": balance[name]["hours"], "share": balance[name]["share"]}
            for name, label in SIDES.items()
            if name in balance
        ],
        "non_coaching_share": figures["non_coaching_share"],
        "non_coaching_threshold": figures["non_coaching_threshold"],
        "non_coaching_flag": figures["non_coaching_flag"],
        "contracts": contracts,
        "plan": _plan_figures(figures.get("plan")),
        "impact": _impact_figures(figures.get("impact")),
    }


def _plan_figures(plan: dict[str, Any] | None) -> dict[str, Any] | None:
    """The agreed plan's three lines furthest off (the snapshot keeps them in that order)."""
    if not plan or not plan.get("has_plan"):
        return None
    return {
        "distance": plan["distance"],
        "non_coaching_exceeded": plan["non_coaching_exceeded"],
        "lines": [
            {"name": line["name"], "plan_share": line["plan_share"], "actual_share": line["actual_share"],
             "variance": line["variance"], "exceeded": line["exceeded"], "at_most": line["kind"] == "at_most"}
            for line in plan["lines"][:3]
        ],
    }  # fmt: skip


def _impact_figures(impact: dict[str, Any] | None) -> dict[str, Any] | None:
    """Impact as the report shows it: only when the scope has enough cycles to be shown at all."""
    if not impact:
        return None
    if not impact.get("shown"):
        return {"shown": False, "policy": impact["policy"], "min_cycles": impact["min_cycles"],
                "hidden": impact.get("hidden", "")}  # fmt: skip
    total = impact["total"]
    return {
        "shown": True, "policy": impact["policy"], "cycles": total["cycles"], "growth": total["growth"],
        "goals_met": total["goals_met"], "hours_per_goal": total["hours_per_goal"],
        "cost_per_goal": total["cost_per_goal"],
    }  # fmt: skip


@dataclass(frozen=True)
class ReportEmail:
    subject: str
    text: str
    html: str
    pdf: bytes
    pdf_name: str
    unsubscribe: str


def report_email_render(
    *, snapshot: Snapshot, scope: Scope, period: Period, frequency: str, recipient: str, token: str
) -> ReportEmail:
    title = period_title(frequency, period)
    unsubscribe = unsubscribe_link(token)
    context = {
        "scope": scope, "period": period, "title": title, "recipient": recipient, "k": key_figures(snapshot.figures),
        "report_link": report_link(scope, period), "unsubscribe_link": unsubscribe,
        "settings_link": site_link(reverse("subscriptions:settings")), "frequency": frequency,
    }  # fmt: skip
    pdf = report_pdf_bytes(snapshot=snapshot, scope=scope, base_url=site_link("/"))
    return ReportEmail(
        subject=f"Coaching time, {scope.name}, {title}",
        text=render_to_string("subscriptions/email/report.txt", context),
        html=render_to_string("subscriptions/email/report.html", context),
        pdf=pdf,
        pdf_name=f"fulcrum-time-use-{scope.key}-{period.key}.pdf",
        unsubscribe=unsubscribe,
    )


def report_email_message(email: ReportEmail, *, to: str) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        email.subject, email.text, to=[to], headers={"List-Unsubscribe": f"<{email.unsubscribe}>"}
    )
    message.attach_alternative(email.html, "text/html")
    message.attach(email.pdf_name, email.pdf, "application/pdf")
    return message
