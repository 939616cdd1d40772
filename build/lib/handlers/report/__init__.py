"""/report: the guided achievement report, the one-line report and the correction of a saved one."""

from handlers.report.flow import KIND, PREFIX, REPORT, begin_amend, command, start_quick

__all__ = ["KIND", "PREFIX", "REPORT", "begin_amend", "command", "start_quick"]
