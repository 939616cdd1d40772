import datetime as dt
import re

import pytest

from locales import LOCALES, catalog
from views.render import Markup, Renderer


def test_telegram_html_escapes_user_values_but_keeps_template_bold():
    r = Renderer("telegram", "fa")
    out = r.fill("**طرح:** {title} — {n}", title="<b>x</b> & y", n=1200)
    assert out == "<b>طرح:</b> &lt;b&gt;x&lt;/b&gt; &amp; y — ۱٬۲۰۰"
    assert r.parse_mode == "HTML"


def test_bale_has_no_parse_mode_and_neutralises_markdown_in_values():
    r = Renderer("bale", "en")
    out = r.fill("**Project:** {title}", title="*bold* _it_ [link](x) `code`")
    assert (
        out.startswith("*Project:* ")
        and "*" not in out[len("*Project:* ") :]
        and "_" not in out
        and "[" not in out
    )
    assert r.parse_mode is None


def test_numbers_and_dates_localised():
    fa, en = Renderer("telegram", "fa"), Renderer("telegram", "en")
    assert fa.number(1234567) == "۱٬۲۳۴٬۵۶۷" and en.number(1234567) == "1,234,567"
    assert fa.percent(245, 1000) == "۲۴٫۵٪" and en.percent(1, 3) == "33.3%" and fa.percent(1, 0) == "—"
    day = dt.date(2026, 11, 29)
    assert fa.date(day) == "۱۴۰۵/۰۹/۰۸" and en.date(day) == "1405/09/08"
    assert fa.date(day, long=True) == "۸ آذر ۱۴۰۵" and en.date(day, long=True) == "8 Azar 1405"


def test_markup_values_are_not_escaped_twice():
    r = Renderer("telegram", "en")
    inner = r.fill("**{x}**", x="a<b")
    assert r.fill("[{m}]", m=inner) == "[<b>a&lt;b</b>]"
    assert isinstance(inner, Markup)


def _fields(template: str) -> set[str]:
    return set(re.findall(r"\{(\w+)(?::\w+)?\}", template))


def test_locales_have_the_same_keys_and_placeholders():
    fa, en = catalog("fa"), catalog("en")
    assert set(fa) == set(en)
    for key, value in fa.items():
        if isinstance(value, str):
            assert _fields(value) == _fields(en[key]), key
        else:
            assert len(value) == len(en[key]), key


def test_every_template_renders_on_both_platforms():
    for locale in LOCALES:
        for platform in ("telegram", "bale"):
            r = Renderer(platform, locale)
            for key, value in catalog(locale).items():
                if isinstance(value, str):
                    r(key, **{f: "x" for f in _fields(value)})


AWKWARD = ["&", "<", ">", "*", "_", "[", "`", "\u200c", "😀", "ي", " ", "\n", "&amp;", "<b>"]


@pytest.mark.parametrize("platform", ["telegram", "bale"])
@pytest.mark.parametrize("length", [3990, 3999, 4000, 4001, 4050, 4100, 8100])
@pytest.mark.parametrize("character", AWKWARD)
def test_long_texts_split_on_the_text_never_inside_markup(platform, length, character):
    from playground.fake_api import parse_html, parse_light_markdown, utf16_len

    r = Renderer(platform, "fa")
    user_text = (character * length)[:length]
    rendered = r.fill("**{title}**\n{body}", title="گزارش", body=user_text)
    parts = r.split(rendered)
    shown = []
    for part in parts:
        assert len(part) <= 4000
        plain = parse_html(part)[0] if platform == "telegram" else parse_light_markdown(part)
        assert utf16_len(plain) <= 4096 and plain.strip()
        shown.append(plain)
    # Nothing lost but the line breaks and spaces a cut falls on.
    squeeze = str.maketrans("", "", "\n ")
    expected = ("گزارش\n" + user_text) if platform == "telegram" else parse_light_markdown(rendered)
    assert "".join(shown).translate(squeeze) == expected.translate(squeeze)
