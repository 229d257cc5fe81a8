"""Declarative state machines: each lifecycle is declared once, next to its model.

A `Lifecycle` lists the states and the transitions (name, from-states, to-state, roles
allowed). Services call `lifecycle.check(...)` before they write; pages and API ask
`lifecycle.available(...)` to show only the buttons a user may press. Nothing else in
the code compares status strings.

A *system* transition (`driven_by` set) is never offered as a button and never taken
through the generic path: only the service named in `driven_by` takes it, by passing
`system=True` to `check` (a request is scheduled only by boarding a departure, and goes
live only when its departure lands it).

Services take a step with `apply`, written once: lock the row, check the step, bump the
version, save, record the event:

    departure = Departure.lifecycle.apply(departure, "cancel", actor, note, roles=roles)

Models with an event table of their own pass `event=` (it writes the row: intake's
RequestEvent, the experiment timeline, governance's RFC events); for the others the event is
the history row `apply` writes, stamped with the actor and "<step>: <note>" as its reason
(`docs/architecture.md`, "Audit").
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models, transaction

if TYPE_CHECKING:  # accounts' models declare lifecycles too
    from mops.accounts.models import User

M = TypeVar("M", bound=models.Model)


class TransitionError(Exception):
    """A transition that the lifecycle or the actor's role does not allow."""

    def __init__(self, message: str, *, code: str = "invalid_transition") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    label: str = ""
    needs_note: bool = False
    # States from which the note may be left out even though `needs_note` (e.g. cancelling
    # a draft nobody has seen yet needs no reason).
    note_optional_from: frozenset[str] = frozenset()
    # A destructive transition asks for a confirmation stating what it does; "{ref}" is
    # replaced by the object's reference ("This cancels REQ-3; the requester is notified.").
    confirm: str = ""
    # Non-empty: a system transition, taken only by the service this names ("board it on a
    # departure"); the generic path refuses it with this text and pages never offer it.
    driven_by: str = ""

    def confirm_text(self, ref: str) -> str:
        return self.confirm.replace("{ref}", ref)

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def needs_note_from(self, state: str) -> bool:
        """Whether taking this transition from `state` needs a note."""
        return self.needs_note and state not in self.note_optional_from


class Lifecycle:
    def __init__(self, *, states: Iterable[str], transitions: Iterable[Transition]) -> None:
        self.states = tuple(states)
        self.transitions = {t.name: t for t in transitions}
        for t in self.transitions.values():
            unknown = (t.sources | {t.target}) - set(self.states)
            if unknown:
                raise ValueError(f"Transition {t.name!r} names unknown states {sorted(unknown)}")

    def get(self, name: str) -> Transition:
        try:
            return self.transitions[name]
        except KeyError:
            raise TransitionError(
                f"Unknown transition {name!r}; known: {', '.join(sorted(self.transitions))}.",
                code="unknown_transition",
            ) from None

    def check(
        self, *, state: str, name: str, roles: Iterable[str], system: bool = False
    ) -> Transition:
        """Return the transition if allowed from `state` for someone with `roles`.

        A system transition is refused unless `system` (its driving service calls)."""
        transition = self.get(name)
        if transition.driven_by and not system:
            raise TransitionError(
                f"'{transition.title}' is not taken by hand: {transition.driven_by}.",
                code="system_transition",
            )
        if state not in transition.sources:
            raise TransitionError(f"Cannot {transition.title.lower()} from state '{state}'.")
        if not transition.roles & frozenset(roles):
            raise TransitionError(
                f"Your role does not allow '{transition.title.lower()}'.", code="forbidden"
            )
        return transition

    def available(self, *, state: str, roles: Iterable[str]) -> list[Transition]:
        """Transitions a person with `roles` may take from `state`, in declaration order."""
        roles = frozenset(roles)
        return [
            t
            for t in self.transitions.values()
            if state in t.sources and t.roles & roles and not t.driven_by
        ]

    def system_transitions(self) -> list[Transition]:
        """Transitions only their driving service takes (never a button)."""
        return [t for t in self.transitions.values() if t.driven_by]

    def sources_of(self, name: str) -> frozenset[str]:
        return self.get(name).sources

    def apply(
        self,
        obj: M,
        name: str,
        actor: "User | None",
        note: str = "",
        *,
        roles: Iterable[str],
        system: bool = False,
        field: str = "status",
        version_field: str = "version",
        guard: Callable[[M, Transition, str], None] | None = None,
        event: Callable[[M, Transition, str], Any] | None = None,
        reason: str = "",
        expected_version: int | None = None,
        lock: Callable[[M], M] | None = None,
    ) -> M:
        """Take step `name` on `obj` and return the saved, locked row. In one transaction:

        1. lock the row (`SELECT … FOR UPDATE`; `lock(obj)` when the caller needs related
           rows locked or loaded too) and refuse a stale `expected_version` (`StaleVersion`);
        2. check the step from the current state for `roles` (`TransitionError`);
        3. set the target state and run `guard(locked, transition, source)`: the caller's own
           rules and field changes (raise to refuse; the transaction rolls back);
        4. bump `version_field` (none when empty) and save with the history reason;
        5. record the event: `event(locked, transition, source)` when the model has an event
           table, else the history row is the event (actor, from, to, "<step>: <note>").
        """
        from mops.core.audit import set_change_reason, set_history_user
        from mops.core.concurrency import version_check

        with transaction.atomic():
            if lock is not None:
                locked = lock(obj)
            else:
                locked = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
            if expected_version is not None:
                version_check(getattr(locked, version_field), expected_version)
            source = getattr(locked, field)
            transition = self.check(state=source, name=name, roles=roles, system=system)
            setattr(locked, field, transition.target)
            if guard is not None:
                guard(locked, transition, source)
            if version_field:
                setattr(locked, version_field, getattr(locked, version_field) + 1)
            who = getattr(actor, "username", None) or "system"
            if event is None:
                set_history_user(locked, actor if getattr(actor, "pk", None) else None)
            note = (note or "").strip()
            set_change_reason(locked, reason or f"{name} by {who}" + (f": {note}" if note else ""))
            locked.save()
            if event is not None:
                event(locked, transition, source)
        return locked
