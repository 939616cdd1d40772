"""/report: the guided achievement report."""

from handlers.report.flow import (
    begin_amend,
    callback,
    command,
    continue_with_message,
    start_quick,
)
from handlers.report.steps import KIND, PREFIX

__all__ = [
    "KIND",
    "PREFIX",
    "begin_amend",
    "callback",
    "command",
    "continue_with_message",
    "start_quick",
]
