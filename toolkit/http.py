"""The type of a request whose view requires a signed-in person."""

from __future__ import annotations

from typing import Generic, TypeVar

from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest

UserT = TypeVar("UserT", bound=AbstractBaseUser)


class AuthedRequest(HttpRequest, Generic[UserT]):
    """An `HttpRequest` behind `login_required`: its `user` is a real account, never anonymous.
    Each app names its own alias, e.g. `Request = AuthedRequest[User]` in `teachers.access`."""

    # Narrower than HttpRequest's `user` (an account or AnonymousUser), which mypy refuses for an
    # attribute one may assign; login_required (or a check like it) is what makes it true.
    user: UserT  # type: ignore[assignment]
