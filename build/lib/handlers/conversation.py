"""The conversation engine. A conversation is a declaration (a `Conversation`: its steps, each with the
question it asks and how it takes a typed answer or a file, and the buttons that act on it) plus its
domain calls; handlers/conversations.py lists them all. Its state is one row of `drafts` per user and
kind, read as an update arrives and written as each answer is accepted, so a restart or another instance
continues where the user was.

The engine does the rest the same way for every conversation: start a draft and ask its first question
(the question before loses its buttons); read a pressed button (views.buttons.StepButton: forged data, a
button of a conversation closed or restarted since, a button of a step already passed); give a message to
the conversation the user is in; cancel; edit one field from the summary and come back to it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

from telegram import Message, Update

from handlers.common import (
    Handler,
    answer_callback,
    close_keyboard,
    inline,
    main_menu,
    pressed_message,
    requires,
    send,
)
from handlers.context import BotContext
from models import drafts
from models.people import Identity
from models.runtime import Runtime
from models.schema import Draft
from views.buttons import StepButton
from views.render import Markup, Renderer

log = logging.getLogger(__name__)
D = TypeVar("D", bound=Mapping[str, Any])  # a conversation's draft data: a TypedDict of its own
SUMMARY, EDIT, CANCEL = "summary", "edit", "cancel"


@dataclass(frozen=True)
class Choice:
    """A button under a question: its label, the action it presses and the action's argument."""

    label: str
    action: str
    arg: str | int = ""


@dataclass(frozen=True)
class Question:
    text: Markup
    rows: Sequence[Sequence[Choice]] = ()
    cancel: bool = True  # a Cancel row under the others


@dataclass(frozen=True)
class Step(Generic[D]):
    """One question. `text` and `file` take a typed answer or a document/photo; a message the step does not
    take gets `hint` (a text key, or a function of the turn) and the question again. `photos`: whether
    `file` takes photos too, or documents only."""

    ask: Callable[[Turn[D]], Awaitable[Question]]
    text: Callable[[Turn[D], str], Awaitable[None]] | None = None
    file: Callable[[Turn[D], Message], Awaitable[None]] | None = None
    hint: str | Callable[[Turn[D]], str] | None = None
    photos: bool = True

    def takes(self, message: Message) -> bool:
        if message.document is not None:
            return self.file is not None
        if message.photo:
            return self.file is not None and self.photos
        return bool(message.text) and self.text is not None

    @property
    def asks_for_a_file(self) -> bool:
        return self.file is not None and self.text is None

    def hint_for(self, turn: Turn[D]) -> str:
        if callable(self.hint):
            return self.hint(turn)
        if self.hint:
            return self.hint
        return "report.type_text" if self.text is not None else "report.use_buttons"


@dataclass(frozen=True)
class Press(Generic[D]):
    """What a button does. `at`: the steps where it acts (empty: any); `args`: the arguments it accepts
    (None: `run` checks them); a press elsewhere is refused before `run` is called."""

    run: Callable[[Turn[D], str], Awaitable[None]]
    at: tuple[str, ...] = ()
    args: Callable[[Turn[D]], Collection[str]] | Collection[str] | None = None

    def accepts(self, turn: Turn[D], arg: str) -> bool:
        if self.args is None:
            return True
        allowed = self.args(turn) if callable(self.args) else self.args
        return arg in allowed


@dataclass(frozen=True)
class Edit(Generic[D]):
    """Editing from the summary: which steps may be answered again, and each one's button label."""

    fields: Callable[[Turn[D]], Sequence[str]]
    label: Callable[[Renderer, str], str]


@dataclass(frozen=True)
class Conversation(Generic[D]):
    kind: str  # the draft's kind
    prefix: str  # its buttons' prefix
    roles: tuple[str, ...]  # who may press its buttons (empty: anyone linked)
    steps: Mapping[str, Step[D]]
    presses: Mapping[str, Press[D]]
    cancelled: str  # said when Cancel is pressed
    # While it is the newest, a message none of its steps takes gets its step's hint; a conversation that
    # does not hold messages lets them go on to the others (and to the one-line report).
    holds: bool = True
    # Takes messages only while it is the newest conversation (what it does with one cannot be undone).
    newest_only: bool = False
    closed: str = "general.already_closed"  # said when a step is answered after the conversation closed
    edit: Edit[D] | None = None
    _all_presses: dict[str, Press[D]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        builtin: dict[str, Press[D]] = {CANCEL: Press(_cancel)}
        if self.edit is not None:
            builtin |= {
                EDIT: Press(_open_edit, at=(SUMMARY,)),
                "field": Press(_edit_field, at=(EDIT,), args=self.edit.fields),
                "back": Press(_back_to_summary),  # from the list of fields, or from the field being edited
            }
        object.__setattr__(self, "_all_presses", {**builtin, **self.presses})

    @property
    def pattern(self) -> str:
        return rf"^{self.prefix}\|"

    def press_handler(self) -> Handler:
        """The CallbackQueryHandler callback for this conversation's buttons, behind its role check."""

        async def pressed(update: Update, context: BotContext) -> None:
            await _on_press(update, context, self)

        pressed.__name__ = f"{self.kind}_press"
        return requires(*self.roles)(pressed)

    async def start(
        self, update: Update, context: BotContext, state: str, data: D, lead: Sequence[Markup] = ()
    ) -> Turn[D]:
        """Begin afresh (an open conversation of this kind is replaced: its buttons stop working) and ask
        the first question, after any `lead` lines."""
        draft = await drafts.start(context.rt.db, context.who.account_id, self.kind, state, data)
        turn = Turn(update, context, self, draft)
        await turn.ask(lead)
        return turn

    def question_of(self, turn: Turn[D]) -> Awaitable[Question]:
        if turn.draft.state == EDIT and self.edit is not None:
            return _edit_question(turn, self.edit)
        return self.steps[turn.draft.state].ask(turn)


class Turn(Generic[D]):
    """One update inside one conversation: its draft, who is talking, and the moves a step makes."""

    def __init__(self, update: Update, context: BotContext, conversation: Conversation[D], draft: Draft):
        self.update, self.context, self.conversation, self.draft = update, context, conversation, draft
        self._closed = False  # the pressed question's buttons are gone

    @property
    def r(self) -> Renderer:
        return self.context.r

    @property
    def rt(self) -> Runtime:
        return self.context.rt

    @property
    def who(self) -> Identity:
        return self.context.who

    @property
    def data(self) -> D:
        return cast(D, self.draft.data)

    @property
    def state(self) -> str:
        return self.draft.state

    def button(self, action: str, arg: str | int = "") -> str:
        return StepButton(self.conversation.prefix, self.draft.token, action, str(arg)).pack()

    def after(self, state: str) -> str:
        """The step to go to next: `state`, or back to the summary while one field is being edited."""
        return SUMMARY if self.data.get("editing") else state

    async def ask(self, lead: Sequence[Markup] = ()) -> None:
        """Send the current step's question (after any feedback lines); the question before loses its
        buttons, so only the newest question can be answered."""
        question = await self.conversation.question_of(self)
        rows = [[(c.label, self.button(c.action, c.arg)) for c in row] for row in question.rows]
        if question.cancel and self.data.get("editing"):  # one field again: leaving it keeps the rest
            rows.append([(self.r.raw("report.back"), self.button("back"))])
        elif question.cancel:
            rows.append([(self.r.raw("report.cancel"), self.button(CANCEL))])
        text = self.r.join([*lead, Markup(""), question.text]) if lead else question.text
        if drafts.newer_than(self.context.drafts, self.draft):  # asked again: typed answers come back here
            await drafts.save(self.rt.db, self.draft, self.draft.state, self.draft.data)
        message = await send(self.update, self.context, text, inline(rows) if rows else None)
        previous = self.rt.questions.swap(
            self.draft.account_id, self.draft.kind, self.draft.token, message.message_id
        )
        if previous and previous != message.message_id and self.update.callback_query is None:
            try:
                await self.context.bot.edit_message_reply_markup(message.chat_id, previous, reply_markup=None)
            except Exception as exc:  # best effort: the message may be gone or unchanged
                log.debug("could not strip buttons: %s", exc)

    async def go(self, state: str, data: D, lead: Sequence[Markup] = ()) -> bool:
        """Accept an answer: store the next step and ask it. False (the user told) when the conversation
        was closed meanwhile (confirmed or cancelled elsewhere)."""
        if state == SUMMARY and data.get("editing"):
            data = cast(D, {k: v for k, v in data.items() if k != "editing"})
        if not await drafts.save(self.rt.db, self.draft, state, data):
            await send(self.update, self.context, self.r(self.conversation.closed))
            return False
        await self.ask(lead)
        return True

    async def chosen(self, label: str) -> None:
        """Acknowledge a press: the question keeps its text, loses its buttons and notes the choice."""
        await answer_callback(self.update)
        note = self.r.raw("report.chosen").format(choice=label)
        await close_keyboard(self.context, pressed_message(self.update), note)
        self._closed = True

    async def close(self) -> None:
        """After a final press (answered already): its buttons go, the reply says the rest."""
        if not self._closed:
            await close_keyboard(self.context, pressed_message(self.update))
            self._closed = True

    async def drop(self) -> None:
        await drafts.drop(self.rt.db, self.who.account_id, self.conversation.kind)

    async def end(self, text: Markup) -> None:
        """The conversation is done (its outcome committed before): the draft goes, the pressed question
        loses its buttons, and the menu comes back with `text`."""
        await self.drop()
        if self.update.callback_query is not None:
            await self.close()
        await send(self.update, self.context, text, self.menu())

    def menu(self) -> Any:
        return main_menu(self.who, self.r, self.rt.settings.bot_ranking_public)


async def _on_press(update: Update, context: BotContext, conversation: Conversation[D]) -> None:
    query = update.callback_query
    assert query is not None  # registered as a CallbackQueryHandler
    r = context.r
    button = StepButton.unpack(query.data)
    press = conversation._all_presses.get(button.action) if button is not None else None
    if button is None or button.prefix != conversation.prefix or press is None:
        log.warning("update %s: refused %s button %r", update.update_id, conversation.kind, query.data)
        await answer_callback(update, r.raw("general.bad_button"), alert=True)
        return
    draft = await context.draft(conversation.kind)
    if draft is None or draft.token != button.token:
        await answer_callback(update, r.raw("general.stale_button"), alert=True)
        await close_keyboard(context, pressed_message(update))
        return
    turn = Turn(update, context, conversation, draft)
    if press.at and draft.state not in press.at:  # a double tap, or a question answered since
        await _old_step(turn)
        return
    if not press.accepts(turn, button.arg):
        log.warning("update %s: refused %s button %r", update.update_id, conversation.kind, query.data)
        await answer_callback(update, r.raw("general.bad_button"), alert=True)
        return
    await press.run(turn, button.arg)


async def _old_step(turn: Turn[Any]) -> None:
    await answer_callback(turn.update, turn.r.raw("report.old_step_button"))
    await close_keyboard(turn.context, pressed_message(turn.update))
    await turn.ask()


async def route(update: Update, context: BotContext, conversations: Sequence[Conversation[Any]]) -> bool:
    """Give a message to the conversation the user is in: a file to the newest step that asked for a file;
    else the newest open conversation whose step takes the message, unless a newer one holds messages
    (then that one repeats its question with a hint). False when none does."""
    message = update.effective_message
    assert message is not None
    by_kind = {c.kind: c for c in conversations}
    who = context.who
    open_drafts = context.drafts if context.drafts is not None else await _read_drafts(context)
    newest_first = sorted(open_drafts.values(), key=lambda d: (d.updated_at, d.id), reverse=True)
    turns = []
    for position, draft in enumerate(newest_first):
        conversation = by_kind.get(draft.kind)
        if conversation is None or (conversation.roles and who.role not in conversation.roles):
            continue  # a draft from before a role change waits, unanswered
        if conversation.newest_only and position > 0:
            continue
        turns.append((Turn(update, context, conversation, draft), conversation.steps.get(draft.state)))
    if message.text is None:
        for turn, step in turns:
            if step is not None and step.asks_for_a_file and step.takes(message):
                await _answer(turn, step, message)
                return True
    for turn, step in turns:
        if step is not None and step.takes(message):
            await _answer(turn, step, message)
            return True
        if turn.conversation.holds:
            hint = step.hint_for(turn) if step is not None else "report.use_buttons"
            await turn.ask([context.r(hint)])
            return True
    return False


async def _answer(turn: Turn[Any], step: Step[Any], message: Message) -> None:
    if message.text and step.text is not None:
        await step.text(turn, message.text)
    elif step.file is not None:
        await step.file(turn, message)


async def _read_drafts(context: BotContext) -> dict[str, Draft]:
    async with context.rt.db.session() as session:
        return await drafts.all_of(session, context.who.account_id)


# --- the presses every conversation has -----------------------------------------------------------------


async def _cancel(turn: Turn[Any], _: str) -> None:
    await turn.chosen(turn.r.raw("report.cancel"))
    await turn.drop()
    await send(turn.update, turn.context, turn.r(turn.conversation.cancelled), turn.menu())


async def _open_edit(turn: Turn[Any], _: str) -> None:
    await turn.chosen(turn.r.raw("report.edit"))
    await turn.go(EDIT, turn.data)


async def _edit_field(turn: Turn[Any], name: str) -> None:
    edit = turn.conversation.edit
    assert edit is not None
    await turn.chosen(edit.label(turn.r, name))
    await turn.go(name, {**turn.data, "editing": True})


async def _back_to_summary(turn: Turn[Any], _: str) -> None:
    if turn.state != EDIT and not turn.data.get("editing"):
        await _old_step(turn)
        return
    await turn.chosen(turn.r.raw("report.back"))
    await turn.go(SUMMARY, turn.data)


async def _edit_question(turn: Turn[Any], edit: Edit[Any]) -> Question:
    r = turn.r
    buttons = [Choice(edit.label(r, name), "field", name) for name in edit.fields(turn)]
    rows: list[list[Choice]] = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([Choice(r.raw("report.back"), "back")])
    return Question(r("report.edit_which"), rows, cancel=False)
