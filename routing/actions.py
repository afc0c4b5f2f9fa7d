"""Action kinds: what a matching rule's ``then`` does to the decision.

Each kind is a factory registered by name in :data:`ACTION_KINDS` (a duplicate is an error); it
validates its parameter at load time and returns an ``apply`` function that changes the decision
and returns a German sentence for the explanation. Actions run in the order of the table, so a
rule's ``then`` reads like a form, not a program. ``stop`` is handled by the chain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain import FOLLOW_UP_LABELS, SPECIAL_QUEUES
from routing.context import Context
from routing.errors import RuleError
from routing.types import ACTIONS, LEISTUNGSFORMEN, RoutingConfig


@dataclass(frozen=True)
class ActionEnv:
    config: RoutingConfig
    leistungsform: dict[str, str]  # queue -> Leistungsform, from the rule set

    @property
    def queues(self) -> tuple[str, ...]:
        return (*self.leistungsform, *SPECIAL_QUEUES)


Apply = Callable[[Context], str]
ActionFactory = Callable[[Any, ActionEnv], Apply]
ACTION_KINDS: dict[str, ActionFactory] = {}


def action(name: str) -> Callable[[ActionFactory], ActionFactory]:
    def register(factory: ActionFactory) -> ActionFactory:
        if name in ACTION_KINDS:
            raise RuleError(f"Aktion „{name}“ ist doppelt registriert.")
        ACTION_KINDS[name] = factory
        return factory

    return register


def compile_actions(then: Any, env: ActionEnv) -> list[Apply]:
    if then is None:
        then = {}
    if not isinstance(then, dict):
        raise RuleError("„then“ muss eine Zuordnung Aktion → Wert sein.")
    unknown = set(then) - set(ACTION_KINDS) - {"stop"}
    if unknown:
        known = ", ".join([*ACTION_KINDS, "stop"])
        raise RuleError(f"Unbekannte Aktion „{sorted(unknown)[0]}“ (bekannt: {known}).")
    return [ACTION_KINDS[kind](then[kind], env) for kind in ACTION_KINDS if kind in then]


def _set_queue(ctx: Context, queue: str, env: ActionEnv) -> None:
    ctx.decision.queue = queue
    ctx.decision.leistungsform = env.leistungsform.get(queue)
    ctx.queue_set = True
    ctx.queue_rule = ctx.current_rule


@action("queue")
def _queue(param: Any, env: ActionEnv) -> Apply:
    """A queue name, ``classifier`` for the classifier's proposal, ``known_case`` for the
    office that holds the case (worker.known_case; nothing happens without one), or ``form``
    for the office the public form's guided answers pointed to."""
    if param not in ("classifier", "known_case", "form") and param not in env.queues:
        raise RuleError(f"Unbekannte Warteschlange „{param}“ (bekannt: {', '.join(env.queues)}).")

    def apply(ctx: Context) -> str:
        queue = param
        if param == "known_case":
            queue = ctx.known_queue
            if queue not in env.queues:
                return "kein bekannter Fall: Warteschlange unverändert"
            _set_queue(ctx, queue, env)
            ctx.decision.known_case_decided = True
            return f"Warteschlange {queue} ({(ctx.inp.known_case or {}).get('reason')})"
        if param == "form":  # the office the public form's guided answers pointed to
            queue = (ctx.inp.form_answers or {}).get("suggested_office")
            if queue not in env.queues:
                return "keine Angaben aus dem Formular: Warteschlange unverändert"
            _set_queue(ctx, queue, env)
            return f"Warteschlange {queue} (Angaben im Online-Formular)"
        if param == "classifier":
            queue = ctx.classification.get("queue") or "clearing"
            if queue not in env.queues:
                queue = "clearing"
        _set_queue(ctx, queue, env)
        source = " (Vorschlag des Klassifikators)" if param == "classifier" else ""
        return f"Warteschlange {queue}{source}"

    return apply


@action("leistungsform")
def _leistungsform(param: Any, env: ActionEnv) -> Apply:
    if param not in LEISTUNGSFORMEN:
        raise RuleError(f"Unbekannte Leistungsform „{param}“ (bekannt: {', '.join(LEISTUNGSFORMEN)}).")

    def apply(ctx: Context) -> str:
        ctx.decision.leistungsform = param
        return f"Leistungsform {param}"

    return apply


@action("priority")
def _priority(param: Any, env: ActionEnv) -> Apply:
    if isinstance(param, bool) or not isinstance(param, int):
        raise RuleError("„priority“ erwartet eine ganze Zahl (höher = früher).")

    def apply(ctx: Context) -> str:
        ctx.decision.priority = param
        return f"Priorität {param}"

    return apply


@action("urgent")
def _urgent(param: Any, env: ActionEnv) -> Apply:
    """Mark the item urgent (an emergency stated outside the text, e.g. in the public form)."""
    if param is not True:
        raise RuleError("„urgent“ erwartet true (dringend machen; zurücknehmen kann nur eine Person).")

    def apply(ctx: Context) -> str:
        ctx.decision.urgent = True
        ctx.decision.urgent_guessed = False  # the rule states it: no longer the model's guess
        return "dringend"

    return apply


@action("tag")
def _tag(param: Any, env: ActionEnv) -> Apply:
    tags = param if isinstance(param, list) else [param]
    if not tags or not all(isinstance(t, str) and t for t in tags):
        raise RuleError("„tag“ erwartet ein Schlagwort oder eine Liste davon.")

    def apply(ctx: Context) -> str:
        for t in tags:
            if t not in ctx.decision.tags:
                ctx.decision.tags.append(t)
        return "Schlagwort " + ", ".join(tags)

    return apply


@action("follow_up")
def _follow_up(param: Any, env: ActionEnv) -> Apply:
    if param not in ACTIONS:
        raise RuleError(f"Unbekannter Folgeschritt „{param}“ (bekannt: {', '.join(ACTIONS)}).")

    def apply(ctx: Context) -> str:
        ctx.decision.action = param
        ctx.follow_up_set = True
        ctx.follow_up_rule = ctx.current_rule
        # Referral and Clearing are queues too: the follow-up implies them.
        implied = {"refer": "extern", "clearing": "clearing"}.get(param)
        if implied and ctx.decision.queue != implied:
            _set_queue(ctx, implied, env)
        if param == "refer" and not ctx.decision.referral_to:
            ctx.decision.referral_to = ctx.classification.get("referral_to")
        return f"Folgeschritt {FOLLOW_UP_LABELS[param]}"

    return apply



@action("referral_to")
def _referral_to(param: Any, env: ActionEnv) -> Apply:
    """A body's name, or ``classifier`` for the one the classifier named."""
    if not isinstance(param, str) or not param:
        raise RuleError("„referral_to“ erwartet den Namen der zuständigen Stelle.")

    def apply(ctx: Context) -> str:
        body = ctx.classification.get("referral_to") if param == "classifier" else param
        ctx.decision.referral_to = body
        return f"Verweisung an {body or '—'}"

    return apply


@action("text")
def _text(param: Any, env: ActionEnv) -> Apply:
    """German text for the citizen; ``{kommune}`` and ``{referral_to}`` are filled in."""
    if not isinstance(param, str):
        raise RuleError("„text“ erwartet einen Text.")
    try:
        param.format(kommune="", referral_to="")
    except (KeyError, IndexError, ValueError) as exc:
        raise RuleError(f"„text“: nur {{kommune}} und {{referral_to}} sind erlaubt ({exc}).") from exc

    def apply(ctx: Context) -> str:
        ctx.decision.reply_text = param.format(
            kommune=env.config.kommune_name, referral_to=ctx.decision.referral_to or ""
        )
        return "Antworttext gesetzt"

    return apply


@action("deadline_days")
def _deadline_days(param: Any, env: ActionEnv) -> Apply:
    if isinstance(param, bool) or not isinstance(param, int) or param <= 0:
        raise RuleError("„deadline_days“ erwartet eine positive ganze Zahl (Tage ab Eingang).")

    def apply(ctx: Context) -> str:
        ctx.decision.deadline_days = param
        return f"Bearbeitungsfrist {param} Tage ab Eingang"

    return apply
