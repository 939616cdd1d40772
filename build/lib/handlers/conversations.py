"""Every conversation, in one place: the registry adds a button handler for each, and a message goes to
the one the user is in (handlers.conversation.route; which one is decided by the drafts, not this order).
A new conversation is one module declaring its `Conversation`, added here."""

from __future__ import annotations

from typing import Any

from handlers.beneficiaries import BENEFICIARIES
from handlers.conversation import Conversation
from handlers.followup import FOLLOWUP
from handlers.imports import IMPORT
from handlers.myreports import EVIDENCE
from handlers.obstacles import OBSTACLE
from handlers.plans import PLAN
from handlers.report import REPORT

CONVERSATIONS: tuple[Conversation[Any], ...] = (
    REPORT,
    OBSTACLE,
    PLAN,
    FOLLOWUP,
    BENEFICIARIES,
    EVIDENCE,
    IMPORT,
)
