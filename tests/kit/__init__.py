"""Test kit: a fake Telegram Bot API server and a driver that plays human users."""

from playground.fake_api import BotMessage, FakeBotApi, MessageRef, parse_html

from .driver import Reply, UpdateTracker, UserDriver, tracking_application_class

__all__ = [
    "BotMessage",
    "FakeBotApi",
    "MessageRef",
    "Reply",
    "UpdateTracker",
    "UserDriver",
    "parse_html",
    "tracking_application_class",
]
