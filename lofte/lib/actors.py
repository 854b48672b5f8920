"""Who makes a change: a signed-in user, or a named system actor (a command, the demo, the benchmarks, a test).

Every action takes `actor: Actor` and hands it to `audit.log.record`, which keeps the user, or the system
actor's name as the row's label, so the audit log always says who did it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias, cast

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

if TYPE_CHECKING:
    # For the type only: the project's user model (AUTH_USER_MODEL), which every signed-in actor is.
    from lofte.accounts.models import User


@dataclass(frozen=True)
class SystemActor:
    """A change not made by a person at a keyboard, named as the audit log shows it ("lofte import").

    `anonymous` marks a member of the public acting without an account (a tip, a subscription): the audit log
    keeps no address for them, so that nothing links what they did to where they did it from."""

    name: str
    anonymous: bool = False

    def __str__(self) -> str:
        return self.name


Actor: TypeAlias = AbstractBaseUser | AnonymousUser | SystemActor


def user_of(actor: Actor | None) -> User | None:
    """The signed-in user behind the change, or None for a system actor or an anonymous visitor."""
    if isinstance(actor, AbstractBaseUser) and actor.is_authenticated:
        return cast("User", actor)
    return None


def is_anonymous(actor: Actor | None) -> bool:
    """Whether the actor is a member of the public whose address is never kept."""
    return isinstance(actor, SystemActor) and actor.anonymous


def label_of(actor: Actor | None) -> str:
    """How the audit log names the actor: the user's username or the system actor's name."""
    user = user_of(actor)
    if user is not None:
        return user.get_username()
    return actor.name if isinstance(actor, SystemActor) else ""
