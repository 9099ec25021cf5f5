"""Text cleaning: what each channel loses, what it keeps, idempotency and call turn offsets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.clean import CleanResult, clean_text, clean_texts


def kinds(result: CleanResult) -> set[str]:
    return {removal.kind for removal in result.removed}


# ---------------------------------------------------------------------------- HTML


def test_html_becomes_text_with_line_breaks_and_no_script():
    html = (
        "<html><head><title>x</title><style>p{color:red}</style></head><body>"
        "<p>Hi team,</p><p>My order LK-4839201 never arrived.<br>Please help &amp; refund &euro;20.</p>"
        "<script>alert('hi')</script><ul><li>blender</li><li>mug</li></ul></body></html>"
    )
    result = clean_text(html, "ticket")
    assert result.text == "Hi team,\n\nMy order LK-4839201 never arrived.\nPlease help & refund €20.\n\nblender\nmug"
    assert {"html_markup", "html_script"} <= kinds(result)
    assert "alert" not in result.text and "color" not in result.text


def test_entities_are_unescaped_even_without_tags():
    assert clean_text("Fast &amp; cheap &lt;3 &#128512;", "social").text == "Fast & cheap <3 😀"


def test_angle_brackets_that_are_not_html_stay():
    text = "Price went from <50 to >80 and I <3 the app"
    assert clean_text(text, "survey").text == text


# ---------------------------------------------------------------------------- e-mail artefacts


def test_quoted_reply_and_everything_after_it_is_removed():
    text = (
        "The blender broke after 2 days.\n\nOn Mon, 5 Oct 2026 at 10:02, Luma Support <support@luma.com> wrote:\n"
        "> Hi Anna,\n> Thanks for reaching out."
    )
    result = clean_text(text, "ticket")
    assert result.text == "The blender broke after 2 days."
    assert "quoted_reply" in kinds(result)


@pytest.mark.parametrize("header", [
    "On Tue, Oct 6, 2026 at 9:15 AM Luma <help@luma.com>\nwrote:",
    "El lun, 5 oct 2026 a las 10:02, Luma (<help@luma.com>) escribió:",
    "Le lun. 5 oct. 2026 à 10:02, Luma <help@luma.com> a écrit :",
    "Am Mo., 5. Okt. 2026 um 10:02 Uhr schrieb Luma <help@luma.com>:",
    "Luma <help@luma.com> 于2026年10月5日周一 上午10:02写道：",
    "-----Original Message-----\nFrom: Luma",
    "---------- Forwarded message ---------\nFrom: Luma <help@luma.com>",
    "From: Luma Support <help@luma.com>\nSent: Monday, October 5, 2026 10:02 AM\nTo: Anna\nSubject: Re: refund",
])
def test_reply_headers_in_several_clients_and_languages(header):
    result = clean_text(f"Still no refund for LK-4839201.\n\n{header}\nOld text here", "ticket")
    assert result.text == "Still no refund for LK-4839201."


def test_a_customer_quoting_someone_is_not_a_reply_header():
    text = "My neighbour wrote:\nthe parcel was left outside in the rain"
    assert clean_text(text, "ticket").text == text


def test_quoted_lines_signature_block_and_disclaimer_are_removed():
    text = (
        "> Your refund has been processed.\nNo it has not, I checked my bank today.\n"
        "-- \nAnna Kowalski\nSenior Buyer, Acme Ltd\n"
    )
    assert clean_text(text, "ticket").text == "No it has not, I checked my bank today."
    disclaimer = (
        "Item arrived damaged.\n\nThis e-mail and any attachments are confidential and intended solely "
        "for the addressee. If you have received it in error, delete it."
    )
    result = clean_text(disclaimer, "ticket")
    assert result.text == "Item arrived damaged." and "disclaimer" in kinds(result)


@pytest.mark.parametrize("signature", [
    "Sent from my iPhone", "Get Outlook for Android", "Sent from my Samsung Galaxy smartphone.",
    "Enviado desde mi iPhone", "Envoyé de mon iPad", "Von meinem iPhone gesendet", "Отправлено с iPhone",
])
def test_mobile_signatures_are_removed_from_every_written_channel(signature):
    for channel in ("ticket", "survey", "social"):
        assert clean_text(f"Please refund order LK-1.\n\n{signature}", channel).text == "Please refund order LK-1."


def test_a_text_that_is_only_a_signature_is_kept():
    assert clean_text("Sent from my iPhone", "ticket").text == "Sent from my iPhone"


def test_email_artefacts_are_not_sought_outside_tickets():
    text = "> 5 minutes on hold is too long\nstill waiting"
    assert clean_text(text, "social").text == text


# ---------------------------------------------------------------------------- characters


def test_mojibake_is_fixed_and_emoji_kept():
    result = clean_text("CafÃ© was great ðŸ˜€ but the app crashed", "survey")
    assert result.text == "Café was great 😀 but the app crashed"
    assert "mojibake" in kinds(result)


def test_zero_width_bidi_and_control_characters_are_removed_but_emoji_joiners_kept():
    family = "👨\u200d👩\u200d👧"
    text = f"\u200fLove\u200b the\x00 app\u202e {family}\u00a0!!\u200e"
    result = clean_text(text, "social")
    assert result.text == f"Love the app {family} !!"
    assert "invisible_chars" in kinds(result)


def test_whitespace_is_normalised_and_cjk_punctuation_kept():
    assert clean_text("  too   slow\t\tdelivery \r\n\r\n\r\n\r\nworst  ", "survey").text == "too slow delivery\n\nworst"
    assert clean_text("太慢了！，还没到。", "social").text == "太慢了！，还没到。"


@pytest.mark.parametrize("text", ["", "   ", "\x00", "\u200f\u200e", None])
def test_empty_and_invisible_texts_clean_to_empty(text):
    assert clean_text(text, "survey").text == ""  # type: ignore[arg-type]


def test_emoji_only_text_is_kept():
    assert clean_text("😡😡😡", "social").text == "😡😡😡"


def test_a_ten_thousand_character_text_is_cleaned_whole():
    text = ("<p>The app crashes &amp; the basket empties.</p>" * 250) + "\nSent from my iPhone"
    result = clean_text(text, "ticket")
    assert len(text) > 10_000
    assert result.text.count("The app crashes & the basket empties.") == 250
    assert "<p>" not in result.text and "iPhone" not in result.text


# ---------------------------------------------------------------------------- calls

TRANSCRIPT = (
    "Agent: Thank you for calling Luma, my name is Sarah, how can I help you today?\n"
    "Customer: Hi, my order LK-4839201 never arrived.\n"
    "Agent: I'm sorry to hear that. Let me check.\n"
    "Customer: Thank you for checking.\n"
    "Agent: Is there anything else I can help you with today? Have a great day!"
)


def test_agent_boilerplate_is_dropped_and_customer_words_kept():
    result = clean_text(TRANSCRIPT, "call")
    assert result.text == (
        "Customer: Hi, my order LK-4839201 never arrived.\n"
        "Agent: I'm sorry to hear that. Let me check.\n"
        "Customer: Thank you for checking."
    )
    assert "Sarah" not in result.text
    assert "agent_boilerplate" in kinds(result)


def test_turn_spans_map_every_input_line_into_the_cleaned_text():
    result = clean_text(TRANSCRIPT, "call")
    bodies = [result.text[s[0] : s[1]] if s else None for s in result.turn_spans]
    assert bodies == [
        None,
        "Hi, my order LK-4839201 never arrived.",
        "I'm sorry to hear that. Let me check.",
        "Thank you for checking.",
        None,
    ]


def test_turn_spans_survive_a_second_cleaning_pass():
    text = "Agent: Thanks for calling.\nCustomer: the app shows &lt;p&gt;error&lt;/p&gt;   twice"
    result = clean_text(text, "call")
    assert result.turn_spans[0] is None
    start, end = result.turn_spans[1]
    assert result.text[start:end] == "the app shows <p>error</p> twice"


def test_custom_agent_labels():
    result = clean_text("Rep: Thank you for calling.\nCaller: broken kettle", "call", agent_labels=("rep",))
    assert result.text == "Caller: broken kettle"


def test_clean_texts_checks_lengths():
    assert [r.text for r in clean_texts(["a  b", "c"], ["survey", "social"])] == ["a b", "c"]
    with pytest.raises(ValueError):
        clean_texts(["a"], [])


# ---------------------------------------------------------------------------- idempotency

_PIECES = st.sampled_from([
    "<p>", "</p>", "<br>", "&#10;", "&#13;", "\u2028", "<script>x</script>", "&amp;", "&lt;b&gt;", "&amp;lt;", "\n", "\r\n", " ", "\t",
    "\u200b", "\u200f", "\u202e", "\x00", "\u00a0", "Ã©", "ðŸ˜€", "😀", "👨\u200d👩", "> quoted\n",
    "-- \n", "Sent from my iPhone\n", "On Mon, 5 Oct 2026 at 10:02, X <x@y.z> wrote:\n", "Agent: ",
    "Customer: ", "thank you for calling Luma. ", "order LK-4839201", "café", "退款", "Привет",
])
_TEXTS = st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=_TEXTS, channel=st.sampled_from(["ticket", "survey", "social", "call"]))
def test_cleaning_is_idempotent(text, channel):
    once = clean_text(text, channel)
    assert clean_text(once.text, channel).text == once.text


@settings(max_examples=150, deadline=None)
@given(text=_TEXTS)
def test_call_turn_spans_always_point_at_line_bodies(text):
    result = clean_text(text, "call")
    assert len(result.turn_spans) == len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    lines = result.text.split("\n") if result.text else []
    spans = [s for s in result.turn_spans if s is not None]
    assert len(spans) == len(lines)
    for (start, end), line in zip(spans, lines):
        assert line.endswith(result.text[start:end])
