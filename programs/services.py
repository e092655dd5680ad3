"""Set-up writes: one function per action, each in a transaction and each written to the audit
log (SETUP_CHANGE, or INVITATION for invitations). Errors are ValidationErrors keyed by the form
field they belong to, so a page shows them beside what was typed."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.http import HttpRequest

from coaching.models import Activity, ActivityKind, Coach, CoachMonth, Contract, FocusArea, MonthStatus, Program
from teachers.audit import audit_record
from teachers.invitations import LinkFor, invitations_revoke, invitations_send
from teachers.models import AuditAction, District, Role, School, User
from toolkit.schoolyear import school_year_label

ListModel = type[Activity] | type[FocusArea]


def _audit(*, by: User, request: HttpRequest | None, program: Program | None, district: District | None = None,
           object_type: str, ref: object, detail: str, action: str = AuditAction.SETUP_CHANGE) -> None:  # fmt: skip
    audit_record(action=action, actor=by, request=request, program=program.pk if program else None,
                 district=district, object_type=object_type, object_ref=ref, detail=detail)  # fmt: skip


# --------------------------------------------------------------------------- districts and schools


@transaction.atomic
def district_create(*, program: Program, name: str, school_year: int, contracted_days: int, daily_rate: Decimal,
                    by: User, request: HttpRequest | None = None) -> Contract:  # fmt: skip
    """A new district and the program's first contract with it, so the program serves it from the
    start. A name already in Fulcrum is refused: that district belongs to its own programs."""
    name = name.strip()
    if District.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": "A district of this name is already in Fulcrum. If your program now serves "
                                       "it too, a site administrator adds your contract with it."})  # fmt: skip
    district = District(name=name)
    district.full_clean()
    district.save()
    contract = Contract(program=program, district=district, school_year=school_year,
                        contracted_days=contracted_days, daily_rate=daily_rate)  # fmt: skip
    contract.full_clean()
    contract.save()
    _audit(by=by, request=request, program=program, district=district, object_type="district", ref=district.pk,
           detail=f"added the district with a contract for {school_year_label(school_year)} "
                  f"({contracted_days} days)")  # fmt: skip
    return contract


@transaction.atomic
def district_rename(*, district: District, name: str, by: User, program: Program | None,
                    request: HttpRequest | None = None) -> District:  # fmt: skip
    """Rename a district (names stay unique, whatever the case)."""
    name = name.strip()
    if District.objects.filter(name__iexact=name).exclude(pk=district.pk).exists():
        raise ValidationError({"name": "Another district already has this name."})
    old = district.name
    district.name = name
    district.full_clean()
    district.save(update_fields=["name"])
    _audit(by=by, request=request, program=program, district=district, object_type="district", ref=district.pk,
           detail=f"renamed the district (was {old})")  # fmt: skip
    return district


def _school_name_free(district: District, name: str, exclude: int | None = None) -> None:
    taken = School.objects.filter(district=district, name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ValidationError({"name": f"{district.name} already has a school of this name."})


@transaction.atomic
def school_add(*, district: District, name: str, by: User, program: Program | None = None,
               request: HttpRequest | None = None) -> School:  # fmt: skip
    """Add a school to a district (names unique within the district)."""
    name = name.strip()
    _school_name_free(district, name)
    school = School(district=district, name=name)
    school.full_clean()
    school.save()
    _audit(by=by, request=request, program=program, district=district, object_type="school", ref=school.pk,
           detail="added a school")  # fmt: skip
    return school


@transaction.atomic
def school_rename(*, school: School, name: str, by: User, program: Program | None = None,
                  request: HttpRequest | None = None) -> School:  # fmt: skip
    """Rename a school; its teachers, entries and reports follow."""
    name = name.strip()
    _school_name_free(school.district, name, exclude=school.pk)
    old = school.name
    school.name = name
    school.full_clean()
    school.save(update_fields=["name"])
    _audit(by=by, request=request, program=program, district=school.district, object_type="school", ref=school.pk,
           detail=f"renamed a school (was {old})")  # fmt: skip
    return school


# --------------------------------------------------------------------------- contracts


def _check_coaches(program: Program, coaches: Iterable[Coach]) -> list[Coach]:
    chosen = list(coaches)
    if any(c.program_id != program.pk for c in chosen):
        raise ValidationError({"coaches": "Only the program's own coaches can be assigned."})
    return chosen


def _coach_names(coaches: list[Coach]) -> str:
    """The assigned coaches as the audit log names them: by id, or open to all."""
    ids = ", ".join(str(pk) for pk in sorted(c.pk for c in coaches))
    return f"assigned coach ids {ids}" if ids else "open to every coach of the program"


@transaction.atomic
def contract_create(*, program: Program, district: District, school_year: int, contracted_days: int,
                    daily_rate: Decimal, coaches: Iterable[Coach], by: User,
                    request: HttpRequest | None = None) -> Contract:  # fmt: skip
    """A contract of the program with a district it serves, one per program, district and year."""
    chosen = _check_coaches(program, coaches)
    if Contract.objects.filter(program=program, district=district, school_year=school_year).exists():
        raise ValidationError({"school_year": f"{district.name} already has a contract with {program.name} for "
                                              f"{school_year_label(school_year)}. Edit that one instead."})  # fmt: skip
    contract = Contract(program=program, district=district, school_year=school_year,
                        contracted_days=contracted_days, daily_rate=daily_rate)  # fmt: skip
    contract.full_clean()
    contract.save()
    contract.coaches.set(chosen)
    _audit(by=by, request=request, program=program, district=district, object_type="contract", ref=contract.pk,
           detail=f"added a contract for {school_year_label(school_year)}: {contracted_days} days at {daily_rate}; "
                  f"{_coach_names(chosen)}")  # fmt: skip
    return contract


@transaction.atomic
def contract_update(*, contract: Contract, contracted_days: int, daily_rate: Decimal, coaches: Iterable[Coach],
                    by: User, request: HttpRequest | None = None) -> Contract:  # fmt: skip
    """Change a contract's days, rate and assigned coaches (an empty list opens it to every coach
    of the program). Days below those already used are allowed: the page warns."""
    chosen = _check_coaches(contract.program, coaches)
    before = (contract.contracted_days, contract.daily_rate)
    contract.contracted_days, contract.daily_rate = contracted_days, daily_rate
    contract.full_clean()
    contract.save(update_fields=["contracted_days", "daily_rate"])
    contract.coaches.set(chosen)
    _audit(by=by, request=request, program=contract.program, district=contract.district, object_type="contract",
           ref=contract.pk, detail=f"changed the contract from {before[0]} days at {before[1]} to {contracted_days} "
                                   f"days at {daily_rate}; {_coach_names(chosen)}")  # fmt: skip
    return contract


# --------------------------------------------------------------------------- people and invitations


def account_for_email(email: str) -> User | None:
    """The one account of an address (its user name or its email), if there is one."""
    return User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).order_by("pk").first()


def _new_account(*, email: str, first_name: str, last_name: str, role: str) -> User:
    user = User(username=email.lower(), email=email, first_name=first_name.strip(), last_name=last_name.strip(),
                role=role)  # fmt: skip
    user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


def _refuse_other_role(user: User, wanted: str, label: str) -> None:
    if user.role != wanted or user.is_superuser:
        role = user.get_role_display().lower()
        raise ValidationError({"email": f"This address already signs in to Fulcrum as a {role}. An account has "
                                        f"one role; use another address for the {label}, or ask a site "
                                        "administrator."})  # fmt: skip


def _invite(*, user: User, by: User, link_for: LinkFor, request: HttpRequest | None, program: Program | None,
            district: District | None = None) -> bool:  # fmt: skip
    """Send (or send again) the invitation of a person who does not sign in yet."""
    sent = invitations_send(users=[user], by=by, link_for=link_for)
    if sent:
        role = user.get_role_display().lower()
        _audit(by=by, request=request, program=program, district=district, object_type="user", ref=user.pk,
               action=AuditAction.INVITATION, detail=f"invitation sent ({role})")  # fmt: skip
    return bool(sent)


@transaction.atomic
def coach_add(*, program: Program, first_name: str, last_name: str, email: str, by: User, link_for: LinkFor,
              request: HttpRequest | None = None) -> Coach:  # fmt: skip
    """A coach for the program: a coach account without a password (or the address's existing
    coach account), and an invitation by email to set one. A mail server that refuses undoes it all."""
    user = account_for_email(email)
    if user is not None:
        _refuse_other_role(user, Role.COACH, "coach")
        existing = Coach.objects.select_related("program").filter(user=user).first()
        if existing is not None:
            where = "your program" if existing.program_id == program.pk else existing.program.name
            raise ValidationError({"email": f"{user.display_name} is already a coach of {where}."})
    else:
        user = _new_account(email=email, first_name=first_name, last_name=last_name, role=Role.COACH)
    coach = Coach(user=user, program=program)
    coach.full_clean()
    coach.save()
    _audit(by=by, request=request, program=program, object_type="coach", ref=coach.pk, detail="added a coach")
    _invite(user=user, by=by, link_for=link_for, request=request, program=program)
    return coach


@transaction.atomic
def coach_set_active(*, coach: Coach, active: bool, by: User, request: HttpRequest | None = None) -> Coach:
    """Deactivate a coach (they can no longer sign in or log time; every entry stays, with their
    name, in the program's reports) or bring them back."""
    coach.active = active
    coach.save(update_fields=["active"])
    user = coach.user
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        invitations_revoke(users=[user])
    _audit(by=by, request=request, program=coach.program, object_type="coach", ref=coach.pk,
           detail="reactivated the coach" if active else "deactivated the coach")  # fmt: skip
    return coach


@transaction.atomic
def coach_move(*, coach: Coach, to: Program, by: User, request: HttpRequest | None = None) -> Coach:
    """Move a coach to another program. Their entries keep the program they were delivered for;
    they leave the old program's contracts (those name the old program's coaches only)."""
    if to.pk == coach.program_id:
        raise ValidationError({"program": "The coach is in this program already."})
    if CoachMonth.objects.filter(coach=coach, status=MonthStatus.SUBMITTED).exists():
        raise ValidationError({"program": "The coach has a month waiting for approval: approve or return it first, "
                                          "so that this program's director decides it."})  # fmt: skip
    old = coach.program
    for contract in Contract.objects.filter(program=old, coaches=coach):
        contract.coaches.remove(coach)
    coach.program = to
    coach.save(update_fields=["program"])
    detail = f"moved the coach from {old.name} to {to.name}"
    for program in (old, to):
        _audit(by=by, request=request, program=program, object_type="coach", ref=coach.pk, detail=detail)
    return coach


def user_invite(*, user: User, revoke: bool, by: User, link_for: LinkFor, program: Program | None,
                district: District | None = None, request: HttpRequest | None = None) -> int:  # fmt: skip
    """Send a person's invitation again (a new link; the old one ends), or withdraw it."""
    if revoke:
        ended = invitations_revoke(users=[user])
        if ended:
            _audit(by=by, request=request, program=program, district=district, object_type="user", ref=user.pk,
                   action=AuditAction.INVITATION, detail="invitation withdrawn")  # fmt: skip
        return ended
    if not user.is_active or user.has_usable_password():
        raise ValidationError("This person signs in already (or is deactivated): there is nothing to send.")
    with transaction.atomic():
        return int(_invite(user=user, by=by, link_for=link_for, request=request, program=program, district=district))


@transaction.atomic
def administrator_add(*, district: District, first_name: str, last_name: str, email: str, by: User,
                      link_for: LinkFor, program: Program | None = None,
                      request: HttpRequest | None = None) -> tuple[User, bool]:  # fmt: skip
    """Make a person an administrator of a district: the address's district-administrator account
    if it has one (never a second account), else a new one invited by email. Returns the account
    and whether an invitation went out."""
    user = account_for_email(email)
    if user is not None:
        _refuse_other_role(user, Role.DISTRICT_ADMIN, "district administrator")
        if user.administered_districts.filter(pk=district.pk).exists():
            raise ValidationError({"email": f"{user.display_name} is already an administrator of {district.name}."})
    else:
        user = _new_account(email=email, first_name=first_name, last_name=last_name, role=Role.DISTRICT_ADMIN)
    user.administered_districts.add(district)
    _audit(by=by, request=request, program=program, district=district, object_type="user", ref=user.pk,
           detail="added a district administrator")  # fmt: skip
    invited = False
    if user.is_active and not user.has_usable_password():
        invited = _invite(user=user, by=by, link_for=link_for, request=request, program=program, district=district)
    return user, invited


@transaction.atomic
def administrator_remove(*, district: District, administrator: User, by: User, program: Program | None = None,
                         request: HttpRequest | None = None) -> None:  # fmt: skip
    """Take a district from its administrator (their account stays, with any other district).
    Nobody removes themself: another administrator or the program does."""
    if administrator.pk == by.pk:
        raise ValidationError("You cannot remove yourself; another administrator or the program director can.")
    administrator.administered_districts.remove(district)
    if not administrator.administered_districts.exists():
        invitations_revoke(users=[administrator])
    _audit(by=by, request=request, program=program, district=district, object_type="user", ref=administrator.pk,
           detail="removed a district administrator")  # fmt: skip


# --------------------------------------------------------------------------- activities and focus areas


def _label(model: ListModel) -> str:
    return "activity" if model is Activity else "focus area"


def _name_free(model: ListModel, program: Program, name: str, exclude: int | None = None) -> None:
    clash = model.objects.filter(Q(program=program) | Q(program__isnull=True), name__iexact=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    found = clash.first()
    if found is not None:
        where = "a shared" if found.program_id is None else "one of your"
        raise ValidationError({"name": f"There is already {where} {_label(model)} of this name."})


def _own_program(item: Activity | FocusArea) -> Program:
    if item.program is None:  # access hands out only a program's own items; built-ins are the admin's
        raise ValidationError("The shared list is changed by a site administrator only.")
    return item.program


@transaction.atomic
def item_add(*, model: ListModel, program: Program, name: str, by: User, kind: str = "", balance: str = "",
             request: HttpRequest | None = None) -> Activity | FocusArea:  # fmt: skip
    """Add one of the program's own activities (with its kind and balance) or focus areas, last."""
    name = name.strip()
    _name_free(model, program, name)
    last = model.objects.filter(program=program).aggregate(last=Max("position"))["last"] or 0
    item: Activity | FocusArea
    if model is Activity:
        kind = kind or ActivityKind.COACHING
        item = Activity(program=program, name=name, kind=kind,
                        balance=balance if kind == ActivityKind.COACHING else "", position=last + 1)  # fmt: skip
    else:
        item = FocusArea(program=program, name=name, position=last + 1)
    item.full_clean()
    item.save()
    _audit(by=by, request=request, program=program, object_type=_label(model), ref=item.pk,
           detail=f"added the {_label(model)} {name}")  # fmt: skip
    return item


@transaction.atomic
def item_rename(*, item: Activity | FocusArea, name: str, by: User, balance: str = "",
                request: HttpRequest | None = None) -> Activity | FocusArea:  # fmt: skip
    """Rename an activity or focus area (and change a coaching activity's side); past entries and
    reports show the new name."""
    program = _own_program(item)
    name = name.strip()
    _name_free(type(item), program, name, exclude=item.pk)
    old = item.name
    item.name = name
    fields = ["name"]
    if isinstance(item, Activity) and item.kind == ActivityKind.COACHING and balance:
        item.balance = balance
        fields.append("balance")
    item.full_clean()
    item.save(update_fields=fields)
    _audit(by=by, request=request, program=item.program, object_type=_label(type(item)), ref=item.pk,
           detail=f"renamed the {_label(type(item))} {old} to {name}")  # fmt: skip
    return item


@transaction.atomic
def item_move(*, item: Activity | FocusArea, direction: Literal["up", "down"], by: User,
              request: HttpRequest | None = None) -> bool:  # fmt: skip
    """Move one of the program's own items one place up or down its list (activities within their
    kind); the list is numbered 1, 2, 3… afterwards. False when it is first or last already."""
    _own_program(item)
    siblings: list[Activity | FocusArea]
    if isinstance(item, Activity):
        siblings = list(Activity.objects.select_for_update().filter(program=item.program, kind=item.kind)
                        .order_by("position", "name", "pk"))  # fmt: skip
    else:
        siblings = list(FocusArea.objects.select_for_update().filter(program=item.program)
                        .order_by("position", "name", "pk"))  # fmt: skip
    index = next(i for i, s in enumerate(siblings) if s.pk == item.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        return False
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings, start=1):
        sibling.position = position
    if isinstance(item, Activity):
        Activity.objects.bulk_update([s for s in siblings if isinstance(s, Activity)], ["position"])
    else:
        FocusArea.objects.bulk_update([s for s in siblings if isinstance(s, FocusArea)], ["position"])
    _audit(by=by, request=request, program=item.program, object_type=_label(type(item)), ref=item.pk,
           detail=f"moved the {_label(type(item))} {item.name} {direction}")  # fmt: skip
    return True


@transaction.atomic
def item_set_active(*, item: Activity | FocusArea, active: bool, by: User,
                    request: HttpRequest | None = None) -> Activity | FocusArea:  # fmt: skip
    """Retire an item (it leaves the time log's choices; past entries and reports keep it) or
    restore it."""
    item.active = active
    item.save(update_fields=["active"])
    _audit(by=by, request=request, program=item.program, object_type=_label(type(item)), ref=item.pk,
           detail=f"{'restored' if active else 'retired'} the {_label(type(item))} {item.name}")  # fmt: skip
    return item


@transaction.atomic
def threshold_set(
    *,
    program: Program,
    threshold: int,
    by: User,
    request: HttpRequest | None = None,
    impact_counts_unshared: bool | None = None,
    standards_lens: bool | None = None,
) -> Program:
    """The share of non-coaching time (0–100 %) above which the program's reports raise a flag,
    and (when given) the impact policy: whether cycles teachers have not shared count in the
    impact figures, and whether the standards' domains are offered as tags and reported. Each change
    is audited on its own; an unchanged value records nothing."""
    old = program.non_coaching_threshold
    old_policy = program.impact_counts_unshared
    old_lens = program.standards_lens
    program.non_coaching_threshold = threshold
    if impact_counts_unshared is not None:
        program.impact_counts_unshared = impact_counts_unshared
    if standards_lens is not None:
        program.standards_lens = standards_lens
    program.full_clean()
    program.save(update_fields=["non_coaching_threshold", "impact_counts_unshared", "standards_lens"])
    if program.standards_lens != old_lens:
        _audit(by=by, request=request, program=program, object_type="program", ref=program.pk,
               detail=f"turned the standards' domains {'on' if program.standards_lens else 'off'}")  # fmt: skip
    if old != threshold:
        _audit(by=by, request=request, program=program, object_type="program", ref=program.pk,
               detail=f"changed the non-coaching threshold from {old}% to {threshold}%")  # fmt: skip
    if program.impact_counts_unshared != old_policy:
        policy = "every cycle" if program.impact_counts_unshared else "only the cycles teachers shared"
        _audit(by=by, request=request, program=program, object_type="program", ref=program.pk,
               detail=f"set the impact figures to count {policy}")  # fmt: skip
    return program
