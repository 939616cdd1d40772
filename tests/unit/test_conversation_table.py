"""The conversation declarations and the button codec: what the engine relies on."""

from __future__ import annotations

import pytest

from handlers.conversation import EDIT
from handlers.conversations import CONVERSATIONS
from views.buttons import RecordButton, StepButton, record


def test_each_conversation_has_its_own_kind_and_prefix():
    assert len({c.kind for c in CONVERSATIONS}) == len(CONVERSATIONS)
    assert len({c.prefix for c in CONVERSATIONS}) == len(CONVERSATIONS)


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=lambda c: c.kind)
def test_buttons_act_only_at_steps_that_exist(conversation):
    steps = set(conversation.steps) | ({EDIT} if conversation.edit else set())
    for name, press in conversation._all_presses.items():
        assert set(press.at) <= steps, (conversation.kind, name)
        assert len(StepButton(conversation.prefix, "abcdef", name, "x" * 20).pack().encode()) <= 64


def test_step_buttons_round_trip_and_refuse_anything_else():
    button = StepButton("rp", "0a1b2c", "sec", "agriculture")
    assert StepButton.unpack(button.pack()) == button
    assert StepButton.unpack("rp|0a1b2c|ok") == StepButton("rp", "0a1b2c", "ok")
    for forged in (
        None,
        "",
        "rp|0a1b2c",
        "rp|0A1B2C|ok",
        "rp|0a1b2c|ok|",
        "rp|0a1b2c|ok|a|b",
        "rp|0a1b2|ok",
        "rp|0a1b2c|ok|" + "9" * 21,
        "rp|0a1b2c|OK",
        "rp|0a1b2c|ok|آ",
        "r|0a1b2c|ok",
    ):
        assert StepButton.unpack(forged) is None, forged


def test_record_buttons_round_trip_and_refuse_anything_else():
    assert record("mr", "edit", 12, 3) == "mr|edit|12|3"
    assert RecordButton.unpack("mr|edit|12|3") == RecordButton("mr", "edit", 12, "3")
    assert RecordButton.unpack("ox|show|7") == RecordButton("ox", "show", 7)
    for forged in ("ox|show|", "ox|show|-1", "ox|show|1234567890", "ox|show|1|", "ox|sh0w|1", "ox|show|۱"):
        assert RecordButton.unpack(forged) is None, forged
