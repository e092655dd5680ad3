"""Who may set up what. Every set-up view starts here.

Rules:
- A program's directors (and site administrators, who reach every program) set up the program:
  its districts and schools, contracts, coaches, district administrators, activities, focus
  areas, non-coaching threshold, and read its set-up history.
- A director reaches the districts their programs serve by a contract (of any school year). A
  new district is created together with its first contract, so it is served from the start; a
  district already in Fulcrum is never taken on by a director (a contract opens a district's
  roster to the program), only by a site administrator in the admin.
- A district administrator sets up their own districts only: schools (add, rename) and the
  district's administrators (invite, remove); they read their districts' contracts.
- Coaches and teachers have no set-up (403). Another program's object, or a district outside
  one's reach, is a 404 exactly like a missing one.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from coaching.access import directs_a_program, programs_directed_by
from coaching.models import Activity, Coach, Contract, FocusArea, Program
from reports.models import TimePlan
from teachers.access import is_site_admin
from teachers.models import District, Role, School, User
from toolkit.params import ID_MAX, parse_int_param

from .models import ImpactPublication, Statement


def _administers(user: User) -> bool:
    return user.is_authenticated and user.role == Role.DISTRICT_ADMIN and not is_site_admin(user)


def may_set_up(user: User) -> bool:
    """The set-up menu entry: a program's director, a site administrator, or a district
    administrator with a district."""
    if not user.is_authenticated:
        return False
    if is_site_admin(user) or (user.role == Role.PROGRAM_DIRECTOR and directs_a_program(user)):
        return True
    return _administers(user) and user.administered_districts.exists()


def may_set_up_programs(user: User) -> bool:
    """Program-wide set-up (contracts, coaches, lists, threshold, history): directors and site
    administrators."""
    return user.is_authenticated and (is_site_admin(user) or user.role == Role.PROGRAM_DIRECTOR)


def setup_programs_for(user: User) -> QuerySet[Program]:
    """The programs whose set-up this person runs."""
    if not may_set_up_programs(user):
        return Program.objects.none()
    return programs_directed_by(user).order_by("name", "pk")


def setup_program_for(user: User, chosen: object = None) -> tuple[Program, list[Program]]:
    """The program a director is setting up (the one chosen with `?program=` among theirs, else
    the first by name) and all of theirs; 403 for anyone who directs none."""
    programs = list(setup_programs_for(user))
    pk = str(chosen or "")
    program = next((p for p in programs if str(p.pk) == pk), programs[0] if programs else None)
    if program is None:
        raise PermissionDenied("Program set-up is for the program's directors.")
    return program, programs


def get_program_for_setup(user: User, pk: int) -> Program:
    """One program this person directs, or 404."""
    try:
        return setup_programs_for(user).get(pk=pk)
    except Program.DoesNotExist as exc:
        raise Http404("No such program.") from exc


def setup_districts_for(user: User) -> QuerySet[District]:
    """Districts whose schools and administrators this person sets up: a director's served by
    one of their programs' contracts; a district administrator's own."""
    if not user.is_authenticated:
        return District.objects.none()
    if is_site_admin(user):
        return District.objects.all()
    if user.role == Role.DISTRICT_ADMIN:
        return District.objects.filter(administrators=user)
    if user.role == Role.PROGRAM_DIRECTOR:
        return District.objects.filter(contracts__program__in=programs_directed_by(user)).distinct()
    return District.objects.none()


def program_districts(program: Program) -> QuerySet[District]:
    """The districts one program serves by a contract, in any school year."""
    return District.objects.filter(contracts__program=program).distinct()


def require_setup(user: User) -> None:
    """403 for anyone with no set-up at all (coaches, teachers, an administrator of nothing)."""
    if not may_set_up(user):
        raise PermissionDenied("Set-up is for program directors and district administrators.")


def require_program_setup(user: User) -> None:
    """403 for anyone who is not a program director or site administrator."""
    if not may_set_up_programs(user) or not setup_programs_for(user).exists():
        raise PermissionDenied("This part of the set-up is for the program's directors.")


def get_district_for_setup(user: User, pk: int) -> District:
    """One district within this person's set-up, or 404."""
    require_setup(user)
    try:
        return setup_districts_for(user).get(pk=pk)
    except District.DoesNotExist as exc:
        raise Http404("No such district.") from exc


def may_rename_district(user: User) -> bool:
    """A district's name is the program's to keep right (a district administrator asks them)."""
    return may_set_up_programs(user)


def get_school_for_setup(user: User, pk: int) -> School:
    """One school of a district within this person's set-up, or 404."""
    require_setup(user)
    school = School.objects.select_related("district").filter(pk=pk, district__in=setup_districts_for(user)).first()
    if school is None:
        raise Http404("No such school.")
    return school


def get_contract_for_setup(user: User, pk: int) -> Contract:
    """One contract of a program this person directs, or 404 (403 for non-directors)."""
    require_program_setup(user)
    contract = (
        Contract.objects.select_related("district", "program")
        .filter(pk=pk, program__in=setup_programs_for(user))
        .first()
    )
    if contract is None:
        raise Http404("No such contract.")
    return contract


def contracts_readable_in_setup(user: User) -> QuerySet[Contract]:
    """Contracts shown on a district administrator's set-up: their districts', every program's."""
    if not _administers(user):
        return Contract.objects.none()
    return Contract.objects.filter(district__administrators=user)


def get_coach_for_setup(user: User, pk: int) -> Coach:
    """One coach of a program this person directs, or 404 (403 for non-directors)."""
    require_program_setup(user)
    coach = Coach.objects.select_related("user", "program").filter(pk=pk, program__in=setup_programs_for(user)).first()
    if coach is None:
        raise Http404("No such coach.")
    return coach


def administrators_in_setup(user: User) -> QuerySet[User]:
    """District administrators of the districts within this person's set-up."""
    return User.objects.filter(
        role=Role.DISTRICT_ADMIN, administered_districts__in=setup_districts_for(user)
    ).distinct()


def get_administrator_for_setup(user: User, pk: int) -> User:
    """One district administrator of a district within this person's set-up, or 404."""
    require_setup(user)
    found = administrators_in_setup(user).filter(pk=pk).first()
    if found is None:
        raise Http404("No such administrator.")
    return found


ListItem = Activity | FocusArea


def own_items(model: type[Activity] | type[FocusArea], program: Program) -> QuerySet[Activity] | QuerySet[FocusArea]:
    """The program's own activities (or focus areas): the ones it may rename, reorder, retire."""
    return model.objects.filter(program=program)


def shared_items(model: type[Activity] | type[FocusArea]) -> QuerySet[Activity] | QuerySet[FocusArea]:
    """The built-in list every program shares, shown read-only."""
    return model.objects.filter(program__isnull=True)


def get_item_for_setup(user: User, model: type[Activity] | type[FocusArea], pk: int) -> ListItem:
    """One of a directed program's own activities or focus areas; a built-in one or another
    program's is a 404 (built-ins are changed only by a site administrator)."""
    require_program_setup(user)
    item = model.objects.select_related("program").filter(pk=pk, program__in=setup_programs_for(user)).first()
    if item is None:
        raise Http404("No such item.")
    return item


def choosable_coaches(program: Program, *, keep: QuerySet[Coach] | None = None) -> QuerySet[Coach]:
    """Coaches a contract of this program may name: its active coaches (and those it names
    already, so editing a contract never drops a deactivated coach silently)."""
    condition = Q(active=True)
    if keep is not None:
        condition |= Q(pk__in=keep.values("pk"))
    return Coach.objects.filter(condition, program=program).select_related("user")


# --------------------------------------------------------------------------- contract statements
# A program's directors (and site administrators) preview and issue statements of the program's
# contracts and read every one of them; a district administrator reads and downloads the issued
# statements of their own districts (no previews, no other district's). Coaches and teachers: 403.
# Another program's or district's statement, contract or district is a 404 like a missing one.


def may_issue_statements(user: User) -> bool:
    return may_set_up_programs(user) and (is_site_admin(user) or directs_a_program(user))


def may_see_statements(user: User) -> bool:
    """The menu entry and the statement list."""
    if not user.is_authenticated:
        return False
    return may_issue_statements(user) or (_administers(user) and user.administered_districts.exists())


def require_statements(user: User) -> None:
    if not may_see_statements(user):
        raise PermissionDenied("Contract statements are for program directors and district administrators.")


def require_statement_issue(user: User) -> None:
    if not may_issue_statements(user):
        raise PermissionDenied("Statements are issued by the program's directors.")


def statements_visible_to(user: User) -> QuerySet[Statement]:
    """Issued statements this person may read: their programs' (a director), their districts'
    (a district administrator), every one (a site administrator)."""
    if not user.is_authenticated:
        return Statement.objects.none()
    if is_site_admin(user):
        return Statement.objects.all()
    if user.role == Role.PROGRAM_DIRECTOR:
        return Statement.objects.filter(program__in=programs_directed_by(user))
    if _administers(user):
        return Statement.objects.filter(district__administrators=user)
    return Statement.objects.none()


def get_statement_for(user: User, pk: int) -> Statement:
    """One statement this person may read, or 404 (403 for those who read none)."""
    require_statements(user)
    found = (
        statements_visible_to(user)
        .select_related("program", "district", "contract__program", "contract__district", "issued_by", "superseded_by")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404("No such statement.")
    return found


def require_statement_district(program: Program, asked: str | None) -> None:
    """A district asked for by id (`?district=`) is one this program serves by a contract; another
    program's district, or an id that is no id, is a 404 like a missing one."""
    if not asked:
        return
    pk = parse_int_param(asked, minimum=1, maximum=ID_MAX)
    if pk is None or not program_districts(program).filter(pk=pk).exists():
        raise Http404("No such district.")


def statement_contract_for(program: Program, *, district: District, school_year: int) -> Contract | None:
    """The program's contract with a district for a school year (None when it has none)."""
    return (
        Contract.objects.select_related("district", "program")
        .filter(program=program, district=district, school_year=school_year)
        .first()
    )


# --------------------------------------------------------------------------- time plans
# A program's directors (and site administrators) write its time plans; a district administrator
# reads the plans that apply to their districts: each serving program's program-wide plans and
# the plans made for their districts (never a coach's own).


def writes_plans(user: User) -> bool:
    """A director of at least one program (or a site administrator): the plan list is their
    program's, to edit; anyone else on the set-up pages reads the plans of their districts."""
    return may_set_up_programs(user) and setup_programs_for(user).exists()


def plans_readable_in_setup(user: User) -> QuerySet[TimePlan]:
    """The plans a district administrator reads on their set-up."""
    if not _administers(user):
        return TimePlan.objects.none()
    districts = District.objects.filter(administrators=user)
    serving = Contract.objects.filter(district__in=districts).values("program_id")
    return TimePlan.objects.filter(
        Q(district__in=districts) | Q(district__isnull=True, coach__isnull=True, program_id__in=serving)
    )


def get_plan_for_setup(user: User, pk: int) -> TimePlan:
    """One plan of a program this person directs, or 404 (403 for anyone who edits no plan)."""
    require_program_setup(user)
    plan = (
        TimePlan.objects.select_related("program", "district", "coach__user")
        .filter(pk=pk, program__in=setup_programs_for(user))
        .first()
    )
    if plan is None:
        raise Http404("No such plan.")
    return plan


def export_districts_for(user: User) -> QuerySet[District]:
    """Districts whose data this person may take away as a district's export: a district
    administrator's own; every district for the site administrator. Directors take theirs from
    the districts' administrators (a district served by two programs holds the other's time too)."""
    if not user.is_authenticated:
        return District.objects.none()
    if is_site_admin(user):
        return District.objects.all()
    if user.role == Role.DISTRICT_ADMIN:
        return District.objects.filter(administrators=user)
    return District.objects.none()


def may_export_districts(user: User) -> bool:
    return export_districts_for(user).exists()


def get_export_district_for(user: User, pk: int) -> District:
    """One district this person may export, or 404."""
    try:
        return export_districts_for(user).get(pk=pk)
    except District.DoesNotExist as exc:
        raise Http404("No such district.") from exc


# --------------------------------------------------------------------------- the impact page
# The program's page: its directors (and site administrators) read it, download its PDF and
# publish it to a public address. District administrators have none (it is the program's page
# about every district it serves; a director shares the public address with them). Coaches and
# teachers: 403. Another program's page is a 404 like a missing one; a public address that was
# taken down, or never existed, is a 404 too.


def may_see_impact_page(user: User) -> bool:
    return may_issue_statements(user)


def require_impact_page(user: User) -> None:
    if not may_see_impact_page(user):
        raise PermissionDenied("The impact page is for the program's directors.")


def get_program_for_impact(user: User, pk: int) -> Program:
    """One program whose impact page this person reads, or 404 (403 for those who read none)."""
    require_impact_page(user)
    return get_program_for_setup(user, pk)


def impact_publication_live(token: str) -> ImpactPublication:
    """The live publication a public address names, or 404 (taken down, replaced or unknown)."""
    found = (
        ImpactPublication.objects.select_related("program").filter(token=token, revoked_at__isnull=True).first()
        if 20 <= len(token) <= 64
        else None
    )
    if found is None:
        raise Http404("No such page.")
    return found
