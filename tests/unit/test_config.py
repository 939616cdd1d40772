import pytest

from models.settings import ConfigError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in (
        "BOT_TOKEN",
        "BOT_PLATFORM",
        "BOT_API_BASE_URL",
        "BOT_API_FILE_URL",
        "DATABASE_URL",
        "BOT_ADMINS",
        "BOT_TIMEZONE",
        "BOT_DEFAULT_LOCALE",
        "BOT_YEAR",
        "BOT_RANKING_PUBLIC",
        "BOT_PLATFORMS",
        "TELEGRAM_BOT_TOKEN",
        "BALE_BOT_TOKEN",
        "TELEGRAM_API_BASE_URL",
        "BALE_API_BASE_URL",
        "BOT_MODE",
        "WEBHOOK_URL",
        "WEBHOOK_SECRET",
        "TELEGRAM_API_FILE_URL",
        "BALE_API_FILE_URL",
        "WEBHOOK_LISTEN",
        "WEBHOOK_PORT",
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults_and_platform_urls(monkeypatch):
    s = load_settings()
    assert s.bot_platform == "telegram" and s.api_base_url == "https://api.telegram.org/bot"
    assert s.database_url == "sqlite+aiosqlite:///data/bot.db" and s.bot_default_locale == "fa"
    assert 1400 <= s.year <= 1500 and s.bot_ranking_public is True
    monkeypatch.setenv("BOT_PLATFORM", "bale")
    s = load_settings()
    assert s.api_base_url == "https://tapi.bale.ai/bot" and s.api_file_url == "https://tapi.bale.ai/file/bot"
    monkeypatch.setenv("BOT_API_BASE_URL", "http://127.0.0.1:9000/bot")
    assert load_settings().api_base_url == "http://127.0.0.1:9000/bot"


def test_admins_parsed(monkeypatch):
    monkeypatch.setenv("BOT_ADMINS", "12, 34;56")
    s = load_settings()
    assert s.admins_for("telegram") == (12, 34, 56) == s.admins_for("bale")
    monkeypatch.setenv("BOT_ADMINS", "12, bale:34, telegram:56")
    s = load_settings()
    assert s.admins_for("telegram") == (12, 56) and s.admins_for("bale") == (12, 34)


def test_env_file_is_read(tmp_path):
    (tmp_path / ".env").write_text("BOT_TOKEN=abc\nBOT_YEAR=1404\n")
    s = load_settings()
    assert s.token_for("telegram") == "abc" and "abc" not in repr(s) and s.year == 1404


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("BOT_PLATFORM", "whatsapp", "BOT_PLATFORM"),
        ("BOT_ADMINS", "12,abc", "BOT_ADMINS: 'abc' is not a numeric user id"),
        ("BOT_ADMINS", "eitaa:12", "BOT_ADMINS: 'eitaa:12' is not a numeric user id"),
        ("BOT_PLATFORMS", "telegram,eitaa", "BOT_PLATFORMS: 'eitaa' is not telegram or bale"),
        ("WEBHOOK_SECRET", "short", "WEBHOOK_SECRET: must be 16-256 characters"),
        ("BOT_MODE", "webhook", "WEBHOOK_URL: required when BOT_MODE=webhook"),
        ("WEBHOOK_URL", "bot.example.org", "WEBHOOK_URL: must be an http"),
        ("BOT_TIMEZONE", "Mars/Olympus", "BOT_TIMEZONE: unknown time zone"),
        ("BOT_YEAR", "2026", "BOT_YEAR: must be a Jalali year"),
        ("BOT_YEAR", "soon", "BOT_YEAR"),
        ("BOT_DEFAULT_LOCALE", "de", "BOT_DEFAULT_LOCALE"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL: must start with"),
        ("BOT_RANKING_PUBLIC", "maybe", "BOT_RANKING_PUBLIC"),
        ("BOT_API_BASE_URL", "ftp://x", "BOT_API_BASE_URL: must be an http"),
        ("WEEKEND_DAYS", "fryday", "WEEKEND_DAYS: must be one to three weekday names"),
        ("WEEKEND_DAYS", " , ", "WEEKEND_DAYS"),
    ],
)
def test_bad_values_name_the_variable(monkeypatch, name, value, fragment):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert fragment in message and "\n" not in message


def test_weekend_days_in_english_or_persian(monkeypatch):
    assert load_settings().weekend_days == ["friday"]
    monkeypatch.setenv("WEEKEND_DAYS", "جمعه، پنجشنبه")
    assert load_settings().weekend_days == ["thursday", "friday"]
    monkeypatch.setenv("WEEKEND_DAYS", "Thursday,FRIDAY")
    assert load_settings().weekend_days == ["thursday", "friday"]


def test_platforms_single_and_both(monkeypatch):
    monkeypatch.setenv("BOT_TOKEN", "t1")
    [only] = load_settings().platforms()
    assert (only.name, only.token, only.base_url) == ("telegram", "t1", "https://api.telegram.org/bot")
    monkeypatch.delenv("BOT_TOKEN")
    monkeypatch.setenv("BOT_PLATFORMS", "telegram, bale")
    s = load_settings()
    assert s.missing_tokens() == ["TELEGRAM_BOT_TOKEN", "BALE_BOT_TOKEN"]  # BOT_TOKEN is ambiguous for two
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "t")
    monkeypatch.setenv("BALE_BOT_TOKEN", "b")
    monkeypatch.setenv("BALE_API_BASE_URL", "http://127.0.0.1:9/bot")
    telegram, bale = load_settings().platforms()
    assert (telegram.name, telegram.token, telegram.base_url) == (
        "telegram",
        "t",
        "https://api.telegram.org/bot",
    )
    assert (bale.name, bale.token, bale.base_url) == ("bale", "b", "http://127.0.0.1:9/bot")
    assert bale.file_url == "https://tapi.bale.ai/file/bot"


def test_webhook_needs_url_and_secret(monkeypatch):
    monkeypatch.setenv("BOT_MODE", "webhook")
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org")
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET: required"):
        load_settings()
    monkeypatch.setenv("WEBHOOK_SECRET", "s" * 32)
    assert load_settings().bot_mode == "webhook"


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"BOT_PLATFORMS": "telegram,bale", "BOT_ADMINS": "12"}, "BOT_ADMINS: user ids are per platform"),
        ({"BOT_PLATFORMS": "telegram,bale", "BOT_TOKEN": "x"}, "use TELEGRAM_BOT_TOKEN / BALE_BOT_TOKEN"),
        ({"BOT_PLATFORMS": "bale", "BOT_PLATFORM": "telegram"}, "BOT_PLATFORM: contradicts BOT_PLATFORMS"),
        (
            {"BOT_MODE": "webhook", "WEBHOOK_URL": "http://bot.example.org", "WEBHOOK_SECRET": "s" * 20},
            "WEBHOOK_URL: must be an https:// address",
        ),
        (
            {"BOT_MODE": "webhook", "WEBHOOK_URL": "https://b.example.org/?a=1", "WEBHOOK_SECRET": "s" * 20},
            "without ?query",
        ),
    ],
)
def test_rules_across_variables(monkeypatch, env, fragment):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=fragment.replace("?", r"\?").replace(".", r"\.")):
        load_settings()


def test_a_token_of_the_other_platform_is_pointed_out(monkeypatch):
    monkeypatch.setenv("BALE_BOT_TOKEN", "b")
    assert load_settings().token_hint() == (
        "BOT_TOKEN is not set (BALE_BOT_TOKEN is: add BOT_PLATFORM=bale, or BOT_PLATFORMS=telegram,bale)"
    )
    monkeypatch.setenv("BOT_PLATFORM", "bale")
    assert load_settings().missing_tokens() == []


def test_every_setting_is_in_the_env_example():
    """deploy's .env.example names every variable the bot reads, and nothing it does not."""
    import re
    from pathlib import Path

    from models.settings import Settings

    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text(encoding="utf-8")
    named = set(re.findall(r"^#? ?([A-Z][A-Z_]+)=", example, flags=re.M))
    aliases = {field.alias for field in Settings.model_fields.values()}
    assert named == aliases
    path = Path(__file__).resolve().parents[2] / ".env.example"
    copied = load_settings(_env_file=str(path))
    assert copied.missing_tokens() == ["BOT_TOKEN"]  # loads as copied; only the token is left to fill in


def test_each_line_of_the_env_example_loads_uncommented(tmp_path):
    """What an IT person does: uncomment one line, keep its value (an empty one too), and start."""
    import re
    from pathlib import Path

    lines = (Path(__file__).resolve().parents[2] / ".env.example").read_text(encoding="utf-8").splitlines()
    settings_lines = [i for i, line in enumerate(lines) if re.match(r"# [A-Z][A-Z_]+=", line)]
    assert len(settings_lines) > 30
    for index in settings_lines:
        edited = [line[2:] if i == index else line for i, line in enumerate(lines)]
        if lines[index].startswith("# BOT_PLATFORMS="):  # two messengers: their own tokens, not BOT_TOKEN
            edited = [line for line in edited if not line.startswith("BOT_TOKEN=")]
        if lines[index].startswith("# BOT_MODE=") or lines[index].startswith("# WEBHOOK_"):
            edited += [
                "WEBHOOK_URL=https://bot.example.org",
                "WEBHOOK_SECRET=s3cret-Webhook_token-0123456789",
            ]
        env = tmp_path / ".env"
        env.write_text("\n".join(edited), encoding="utf-8")
        try:
            load_settings(_env_file=str(env))
        except ConfigError as exc:
            raise AssertionError(f"{lines[index]!r}: {exc}") from None


def test_an_env_file_this_user_may_not_read_is_one_line(tmp_path, monkeypatch):
    """The .env is 600 and its owner's; another user (root reads anything, so it is played here) is told."""
    env = tmp_path / ".env"
    import models.settings as settings_module

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(env))

    monkeypatch.setattr(settings_module, "Settings", refuse)
    with pytest.raises(ConfigError, match=r"may not be read by this user; run the command as the bot's user"):
        load_settings()
