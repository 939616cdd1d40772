"""/report: the guided achievement report."""

from handlers.report.flow import callback, command, continue_with_message, start_quick, template_command
from handlers.report.steps import KIND, PREFIX

__all__ = [
    "KIND",
    "PREFIX",
    "callback",
    "command",
    "continue_with_message",
    "start_quick",
    "template_command",
]
