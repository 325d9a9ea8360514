"""The Bot API double's HTML parse mode: Telegram's tags, entities and UTF-16 offsets.

Where real Telegram is lenient (it keeps a bare `&`, a bare `>` or an unknown named entity such
as `&nbsp;` as literal text), the double is deliberately stricter: the Bot API documentation says
these characters *must* be escaped, and a bot that forgets to escape a value should fail in tests
rather than render garbled text in production.
"""

from __future__ import annotations

import markupsafe
import pytest

from bot.double.html import Entity, EntityParseError, parse_html, utf16_len


def entities_of(source: str) -> list[dict]:
    return [e.to_dict() for e in parse_html(source)[1]]


# ---- allowed tags --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "entity_type"),
    [
        ("b", "bold"),
        ("strong", "bold"),
        ("i", "italic"),
        ("em", "italic"),
        ("u", "underline"),
        ("ins", "underline"),
        ("s", "strikethrough"),
        ("strike", "strikethrough"),
        ("del", "strikethrough"),
        ("tg-spoiler", "spoiler"),
        ("code", "code"),
        ("pre", "pre"),
        ("blockquote", "blockquote"),
    ],
)
def test_simple_tag_becomes_its_entity(tag, entity_type):
    text, entities = parse_html(f"ab<{tag}>cde</{tag}>f")
    assert text == "abcdef"
    assert [e.to_dict() for e in entities] == [{"type": entity_type, "offset": 2, "length": 3}]


def test_tag_names_are_case_insensitive():
    assert parse_html("<B>x</B>") == ("x", [Entity("bold", 0, 1)])


def test_span_with_spoiler_class_is_a_spoiler():
    assert parse_html('<span class="tg-spoiler">tajne</span>') == (
        "tajne",
        [Entity("spoiler", 0, 5)],
    )


def test_span_without_spoiler_class_is_refused():
    with pytest.raises(EntityParseError, match="span"):
        parse_html('<span class="red">x</span>')
    with pytest.raises(EntityParseError):
        parse_html("<span>x</span>")


def test_link_gets_its_url_with_entities_decoded():
    text, entities = parse_html('Zobacz <a href="https://example.org/?a=1&amp;b=2">stronę</a>.')
    assert text == "Zobacz stronę."
    assert [e.to_dict() for e in entities] == [
        {"type": "text_link", "offset": 7, "length": 6, "url": "https://example.org/?a=1&b=2"}
    ]


@pytest.mark.parametrize("href", ["http://example.org", "tg://user?id=1", "mailto:a@b.pl"])
def test_link_schemes_telegram_accepts(href):
    assert entities_of(f"<a href='{href}'>x</a>") == [{"type": "text_link", "offset": 0, "length": 1, "url": href}]


def test_link_without_href_is_refused():
    with pytest.raises(EntityParseError, match="href"):
        parse_html("<a>x</a>")


def test_pre_with_code_language_is_one_pre_entity_with_language():
    text, entities = parse_html('<pre><code class="language-python">print(1)</code></pre>')
    assert text == "print(1)"
    assert [e.to_dict() for e in entities] == [{"type": "pre", "offset": 0, "length": 8, "language": "python"}]


def test_pre_with_plain_code_is_a_pre_without_language():
    assert entities_of("<pre><code>x = 1</code></pre>") == [{"type": "pre", "offset": 0, "length": 5}]


def test_inline_code_never_carries_a_language():
    # Telegram clears the language of inline code; only pre has one.
    assert entities_of('<code class="language-python">x</code>') == [{"type": "code", "offset": 0, "length": 1}]


def test_blockquote_expandable():
    text, entities = parse_html("<blockquote expandable>długi cytat</blockquote>")
    assert text == "długi cytat"
    assert [e.to_dict() for e in entities] == [{"type": "expandable_blockquote", "offset": 0, "length": 11}]


def test_nested_tags_give_both_entities_outer_first():
    text, entities = parse_html("<b>Ala <i>ma</i> kota</b>")
    assert text == "Ala ma kota"
    assert [e.to_dict() for e in entities] == [
        {"type": "bold", "offset": 0, "length": 11},
        {"type": "italic", "offset": 4, "length": 2},
    ]


def test_empty_tag_produces_no_entity():
    assert parse_html("<b></b>x<i></i>") == ("x", [])


def test_plain_text_has_no_entities():
    assert parse_html("Zażółć gęślą jaźń") == ("Zażółć gęślą jaźń", [])


# ---- UTF-16 offsets ------------------------------------------------------------------------


def test_utf16_len_counts_astral_characters_twice():
    assert utf16_len("abc") == 3
    assert utf16_len("zażółć") == 6
    assert utf16_len("😀") == 2
    assert utf16_len("👍🏽") == 4  # emoji + skin-tone modifier, both astral


def test_offsets_after_emoji_and_polish_letters_are_utf16():
    # "😀 Zażółć " is 9 code points but 10 UTF-16 units (the emoji is a surrogate pair)
    text, entities = parse_html("😀 Zażółć <b>gęś</b> i <i>🎉!</i>")
    assert text == "😀 Zażółć gęś i 🎉!"
    assert [e.to_dict() for e in entities] == [
        {"type": "bold", "offset": 10, "length": 3},
        {"type": "italic", "offset": 16, "length": 3},
    ]


def test_entity_decoded_astral_character_counts_two_units():
    text, entities = parse_html("&#128512;<b>x</b>")
    assert text == "😀x"
    assert entities == [Entity("bold", 2, 1)]


def test_escaped_characters_count_as_one_unit_each():
    text, entities = parse_html("&lt;&amp;&gt;<u>ż</u>")
    assert text == "<&>ż"
    assert entities == [Entity("underline", 3, 1)]


# ---- refused markup ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "Linia<br>druga",
        "<br/>",
        "<div>x</div>",
        "<script>alert(1)</script>",
        "<p>akapit</p>",
        "<img src='x.png'>",
    ],
)
def test_unsupported_tags_are_refused(source):
    with pytest.raises(EntityParseError, match="Can't parse entities"):
        parse_html(source)


@pytest.mark.parametrize(
    "source",
    [
        "<b>bez końca",
        "<b><i>x</i>",
        "<b><i>x</b></i>",
        "x</b>",
        "<b>x</i>",
    ],
)
def test_unclosed_or_misnested_tags_are_refused(source):
    with pytest.raises(EntityParseError, match="Can't parse entities"):
        parse_html(source)


@pytest.mark.parametrize(
    "source",
    [
        "2 < 3",
        "a<",
        "3 > 2",
        "Tom & Jerry",
        "&",
        "&amp",  # no semicolon
        "&nbsp;",
        "&copy;",
        "&#0;",
        "&#xD800;",  # lone surrogate
    ],
)
def test_unescaped_specials_and_unknown_entities_are_refused(source):
    with pytest.raises(EntityParseError, match="Can't parse entities"):
        parse_html(source)


def test_error_reports_byte_offset_in_utf8():
    # "ż" takes two bytes in UTF-8, so the bare "<" is at byte 3
    with pytest.raises(EntityParseError, match="byte offset 3"):
        parse_html("ż <")


def test_tags_inside_code_are_refused():
    with pytest.raises(EntityParseError, match="inside pre or code"):
        parse_html("<code><b>x</b></code>")


# ---- entity decoding and escaping ----------------------------------------------------------


def test_named_entities_decode():
    assert parse_html("&lt;b&gt; &amp; &quot;cytat&quot;") == ('<b> & "cytat"', [])


def test_numeric_entities_decode():
    assert parse_html("&#65;&#x42;&#X43;&#322;&#39;") == ("ABCł'", [])


def test_markupsafe_escape_round_trips():
    original = "<b>&'\""
    escaped = str(markupsafe.escape(original))
    assert escaped != original
    assert parse_html(escaped) == (original, [])


def test_markupsafe_formatted_value_inside_a_tag():
    source = str(markupsafe.Markup("Cześć, <b>%s</b>!") % "Zoë <admin> & co")
    text, entities = parse_html(source)
    assert text == "Cześć, Zoë <admin> & co!"
    assert entities == [Entity("bold", 7, 16)]
