"""Email reports (a district administrator's or a director's subscriptions and their deliveries),
the unsubscribe link, and the reminders to log time (a program's setting, a coach's own choice).
Each view asks `subscriptions.access`, validates with a form and calls a service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from teachers.access import Request
from toolkit.forms import form_errors_add
from toolkit.params import parse_id_param

from . import services
from .access import (
    deliveries_of,
    get_delivery_for,
    get_subscription_for,
    own_reminder_coach,
    reminder_program_for,
    require_subscriber,
    subscribable_scopes,
    subscriptions_of,
)
from .forms import FrequencyForm, MyRemindersForm, ReminderDaysForm, SubscribeForm
from .models import DeliveryStatus

RECENT_DELIVERIES = 20


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: Request) -> HttpResponse:
    """Email reports: what this person receives, how often, and how the recent emails went."""
    require_subscriber(request.user)
    form = SubscribeForm(request.POST if request.method == "POST" else None, choices=subscribable_scopes(request.user),
                         initial={"scope": request.GET.get("scope", "")})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        scope = form.scopes[form.cleaned_data["scope"]]
        try:
            services.subscription_add(user=request.user, scope=scope, frequency=form.cleaned_data["frequency"],
                                      request=request)  # fmt: skip
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, f"You will receive {scope.name}'s report by email, {form.data['frequency']}.")
            return redirect("subscriptions:settings")
    context = {
        "form": form, "subscriptions": subscriptions_of(request.user),
        "deliveries": deliveries_of(request.user, limit=RECENT_DELIVERIES),
        "frequency_form": FrequencyForm(), "failed": DeliveryStatus.FAILED,
    }  # fmt: skip
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "subscriptions/settings.html", context, status=status)


@login_required
@require_POST
def subscription_change(request: Request, pk: int) -> HttpResponse:
    sub = get_subscription_for(request.user, pk)
    form = FrequencyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose weekly or monthly.")
        return redirect("subscriptions:settings")
    try:
        services.subscription_change(sub=sub, frequency=form.cleaned_data["frequency"], request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{sub.scope_name}'s report now arrives {sub.frequency}.")
    return redirect("subscriptions:settings")


@login_required
@require_POST
def subscription_remove(request: Request, pk: int) -> HttpResponse:
    sub = get_subscription_for(request.user, pk)
    services.subscription_remove(sub=sub, request=request)
    messages.success(request, f"You will no longer receive {sub.scope_name}'s report by email.")
    return redirect("subscriptions:settings")


@login_required
@require_POST
def delivery_retry(request: Request, pk: int) -> HttpResponse:
    """ "Send again": the failed email is due at once; it is sent now if the job service takes it,
    else by the next beat tick."""
    from .tasks import subscriptions_send_one

    delivery = get_delivery_for(request.user, pk)
    try:
        services.delivery_retry(delivery=delivery)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("subscriptions:settings")
    try:
        subscriptions_send_one.delay(delivery.pk)
    except Exception:  # the broker is down: the row is due, the beat task sends it
        messages.warning(request, "Queued: the email goes out as soon as the job service is back.")
        return redirect("subscriptions:settings")
    delivery.refresh_from_db()
    if delivery.status == DeliveryStatus.SENT:
        messages.success(request, f"Sent: {delivery.period_label}.")
    elif delivery.status == DeliveryStatus.FAILED:
        messages.error(request, f"It failed again: {delivery.last_error}")
    else:
        messages.success(request, "It will be sent in a moment.")
    return redirect("subscriptions:settings")


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The link in every report email. A GET only asks (mail scanners open links); the POST ends it."""
    delivery = services.delivery_for_token(token)
    if delivery is None:
        raise Http404("This link is not one Fulcrum sent.")
    sub = delivery.subscription
    if request.method == "POST":
        services.unsubscribe(delivery=delivery, request=request)
        return render(request, "subscriptions/unsubscribe.html", {"sub": sub, "done": True})
    return render(request, "subscriptions/unsubscribe.html", {"sub": sub, "done": False})


# --------------------------------------------------------------------------- reminders


@login_required
@require_http_methods(["GET", "POST"])
def reminders(request: Request) -> HttpResponse:
    """A director's setting for their program: after how many silent working days a coach is reminded."""
    chosen = request.GET.get("program") or request.POST.get("program")
    pk = (parse_id_param(chosen) or 0) if chosen else None  # a named id that is no id is no program: 404
    program, programs = reminder_program_for(request.user, pk)
    days = services.reminder_days_for(program.pk)
    form = ReminderDaysForm(request.POST if request.method == "POST" else None, initial={"days": days})
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["days"]
        services.reminder_days_set(program_id=program.pk, days=days, by=request.user, request=request)
        messages.success(request, f"Coaches are reminded after {days} working days without an entry." if days
                         else "Reminders to log time are off for the program.")  # fmt: skip
        return HttpResponseRedirect(f"{reverse('subscriptions:reminders')}?program={program.pk}")
    context = {"form": form, "program": program, "programs": programs, "days": days}
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "subscriptions/reminders.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def my_reminders(request: Request) -> HttpResponse:
    """A coach turns their own reminders on or off."""
    coach = own_reminder_coach(request.user)
    on = services.coach_reminders_on(coach)
    form = MyRemindersForm(request.POST if request.method == "POST" else None, initial={"reminders": on})
    if request.method == "POST" and form.is_valid():
        on = form.cleaned_data["reminders"]
        services.coach_reminders_set(coach=coach, on=on)
        messages.success(request, "Reminders are on." if on else "Reminders are off.")
        return redirect("subscriptions:my_reminders")
    days = services.reminder_days_for(coach.program_id)
    return render(request, "subscriptions/my_reminders.html", {"form": form, "on": on, "days": days})
