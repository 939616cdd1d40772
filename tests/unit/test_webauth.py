"""Mini App launch data as Telegram signs it: accepted only as signed, for this bot, within a day."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qsl, urlencode

from models.webauth import mini_app_user, sign_init_data

TOKEN = "123456:ABC-DEF"
NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)


def launch(**overrides: str) -> str:
    fields = {
        "auth_date": str(int((NOW - dt.timedelta(minutes=5)).timestamp())),
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(
            {"id": 279058397, "first_name": "Vladislav", "language_code": "fa"}, ensure_ascii=False
        ),
        "signature": "6fbdaab833d39f54518bd5c3eb3f511d035e68cb",  # Telegram's third-party field: signed too
    }
    return sign_init_data({**fields, **overrides}, TOKEN)


def test_signed_launch_data_names_its_user():
    assert mini_app_user(launch(), TOKEN, NOW) == 279058397
    assert (
        mini_app_user(
            launch(user=json.dumps({"id": 5, "first_name": "زهرا"}, ensure_ascii=False)), TOKEN, NOW
        )
        == 5
    )


def test_anything_altered_or_signed_otherwise_is_refused():
    good = launch()
    fields = dict(parse_qsl(good))
    for key in fields:
        if key == "hash":
            continue
        altered = urlencode({**fields, key: fields[key] + "0"})
        assert mini_app_user(altered, TOKEN, NOW) is None, key
    assert mini_app_user(good, "654321:OTHER-BOT", NOW) is None
    assert mini_app_user(urlencode({k: v for k, v in fields.items() if k != "hash"}), TOKEN, NOW) is None
    assert mini_app_user(good + "&hash=" + fields["hash"], TOKEN, NOW) is None  # a field twice
    for junk in ("", "hash", "a=b=c&&", "%ZZ", "hash=" + "0" * 64):
        assert mini_app_user(junk, TOKEN, NOW) is None, junk


def test_only_a_day_old_and_never_from_the_future():
    day = dt.timedelta(days=1)
    assert mini_app_user(
        launch(auth_date=str(int((NOW - day + dt.timedelta(minutes=1)).timestamp()))), TOKEN, NOW
    )
    assert (
        mini_app_user(
            launch(auth_date=str(int((NOW - day - dt.timedelta(minutes=1)).timestamp()))), TOKEN, NOW
        )
        is None
    )
    assert (
        mini_app_user(launch(auth_date=str(int((NOW + dt.timedelta(hours=1)).timestamp()))), TOKEN, NOW)
        is None
    )
    for odd in ("", "soon", "1e99", str(10**20)):
        assert mini_app_user(launch(auth_date=odd), TOKEN, NOW) is None, odd


def test_a_user_without_a_numeric_id_is_nobody():
    for user in (
        '{"first_name": "x"}',
        '{"id": "279058397"}',
        '{"id": true}',
        "[]",
        "not json",
        '{"id": 1.5}',
    ):
        assert mini_app_user(launch(user=user), TOKEN, NOW) is None, user
