"""Every command, declared once: its name, its handler, who may use it, where it sits on the reply keyboard
and in the messenger's command menu. The CommandHandlers, the keyboards' buttons, `setMyCommands` per role
and language, /help and the role check are all made from this table (handlers/registry.py,
handlers/common.py, handlers/commands_menu.py, handlers/general.py).

Texts: `commands.<name>` describes it in the messenger's menu, `help.lines.<name>` in /help, and
`menu.<name>` labels its keyboard button."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram import Update

from handlers.context import BotContext

Handler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]
REP, STAFF, ADMIN = ("rep",), ("supervisor", "admin"), ("admin",)
LINKED = ("rep", "supervisor", "admin")
ANYONE: tuple[str, ...] = ()  # guests too: the handler answers them itself
KEYBOARDS = {"rep": "rep", "supervisor": "staff", "admin": "staff"}  # whose reply keyboard is whose


@dataclass(frozen=True)
class Command:
    name: str
    handler: Handler
    roles: tuple[str, ...]  # who may use it (ANYONE: not checked here)
    keyboard: dict[str, int] = field(default_factory=dict)  # keyboard ("rep", "staff") -> its row
    guest: bool = False  # in the menu of someone not linked yet (who may use it or not)
    linked: bool = True  # in the menu and /help of the linked people it allows

    def allows(self, role: str | None) -> bool:
        return not self.roles or role in self.roles


def table() -> list[Command]:
    """In the order the menus and /help list them. Imported late: the handlers import this module's types."""
    from handlers import (
        agency,
        beneficiaries,
        dashboard,
        exports,
        general,
        imports,
        inbox,
        invites,
        myreports,
        obstacles,
        onboarding,
        people,
        plans,
        ranking,
        reminders,
        report,
        review,
        status,
        templates,
    )

    return [
        Command("start", onboarding.start, ANYONE, guest=True, linked=False),
        Command("report", report.command, REP, {"rep": 0}),
        Command("status", status.command, REP, {"rep": 0}),
        Command("obstacle", obstacles.command, REP, {"rep": 1}),
        Command("plan", plans.command, REP, {"rep": 1}),
        Command("myreports", myreports.command, REP, {"rep": 2}),
        Command("inbox", inbox.command, STAFF, {"staff": -1}),  # a row of its own, on top
        Command("ranking", ranking.command, LINKED, {"rep": 3, "staff": 0}),
        Command("summary", exports.summary_command, STAFF, {"staff": 0}),
        Command("chart", exports.chart_command, STAFF, {"staff": 1}),
        Command("export", exports.export_command, STAFF, {"staff": 1}),
        Command("dashboard", dashboard.command, STAFF),
        Command("agency", agency.command, STAFF),
        Command("digest", reminders.digest_command, STAFF, {"staff": 2}),
        Command("obstacles", obstacles.list_command, LINKED, {"staff": 2}),
        Command("review", review.command, STAFF, {"staff": 3}),
        Command("beneficiaries", beneficiaries.command, REP),
        Command("template", templates.command, LINKED),
        Command("invite", invites.command, STAFF),
        Command("people", people.command, STAFF),
        Command("import", imports.command, ADMIN),
        Command("remind_now", reminders.remind_now_command, ADMIN),
        Command("holidays", reminders.holidays_command, ADMIN),
        Command("settings", reminders.settings_command, LINKED),
        Command("help", general.help_command, ANYONE, {"rep": 3, "staff": 3}, guest=True),
        Command("lang", general.lang_command, LINKED, {"rep": 4, "staff": 4}),
        Command("cancel", general.cancel_command, ANYONE),
    ]


_TABLE: list[Command] | None = None


def commands() -> list[Command]:
    global _TABLE
    if _TABLE is None:
        _TABLE = table()
    return _TABLE


def named(name: str) -> Command | None:
    return next((c for c in commands() if c.name == name), None)


def _shown(command: Command, role: str, ranking_public: bool) -> bool:
    return command.allows(role) and not (role == "rep" and command.name == "ranking" and not ranking_public)


def for_role(role: str | None, ranking_public: bool = True) -> list[Command]:
    """The commands in a role's menu and /help (someone not linked: start and help)."""
    if role is None:
        return [c for c in commands() if c.guest]
    return [c for c in commands() if c.linked and _shown(c, role, ranking_public)]


def keyboard_rows(role: str, ranking_public: bool = True) -> list[list[str]]:
    """The reply keyboard's rows of command names for a role."""
    which = KEYBOARDS.get(role, "rep")
    rows: dict[int, list[str]] = {}
    for command in commands():
        row = command.keyboard.get(which)
        if row is not None and _shown(command, role, ranking_public):
            rows.setdefault(row, []).append(command.name)
    return [rows[row] for row in sorted(rows)]


def guarded(command: Command) -> Handler:
    """The command's handler behind its role check (the check every entry point goes through)."""
    if not command.roles:
        return command.handler
    from handlers.common import requires  # common's keyboards read this table

    return requires(*command.roles)(command.handler)
