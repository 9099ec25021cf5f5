"""Segmentation and language detection with the real spaCy pipelines and lingua."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from nlp.config import NlpConfig, load_nlp_config, parse_nlp_config
from nlp.language import detect_languages
from nlp.segment import SEGMENT_COLUMNS, segment_items

CONFIG_PATH = Path(__file__).resolve().parent.parent / "config" / "nlp.yaml"


@pytest.fixture(scope="module")
def config() -> NlpConfig:
    return load_nlp_config(CONFIG_PATH)


def item(feedback_id: str, text: str, language: str | None = "en", channel: str = "ticket", turns=None) -> dict:
    return {"feedback_id": feedback_id, "channel": channel, "text": text, "language": language, "turns": turns or []}


def call_item(feedback_id: str, turns: list[tuple[str, str]]) -> dict:
    """A call whose text is the turns joined by newlines, with exact turn offsets."""
    text, spans = "", []
    for speaker, said in turns:
        spans.append({"speaker": speaker, "char_start": len(text), "char_end": len(text) + len(said)})
        text += said + "\n"
    return item(feedback_id, text, channel="call", turns=spans)


def segments_of(config: NlpConfig, *items: dict) -> pd.DataFrame:
    return segment_items(pd.DataFrame(list(items)), config.segment)


def assert_offsets_exact(items: pd.DataFrame, segments: pd.DataFrame) -> None:
    text_of = dict(zip(items["feedback_id"], items["text"]))
    for row in segments.itertuples():
        assert text_of[row.feedback_id][row.char_start : row.char_end] == row.text
        assert row.text == row.text.strip()


def test_ticket_keeps_content_drops_pleasantries_and_offsets_are_exact(config: NlpConfig) -> None:
    ticket = item(
        "t1",
        "Hi there, thanks for the help.\n\n  My gift card code was not accepted at checkout!  I tried three times."
        "\nBest regards,\nJohn\n\nSent from my iPhone",
    )
    segments = segments_of(config, ticket)
    assert list(segments.columns) == SEGMENT_COLUMNS
    assert segments["text"].tolist() == ["My gift card code was not accepted at checkout!", "I tried three times."]
    assert segments["ordinal"].tolist() == [0, 1]
    assert_offsets_exact(pd.DataFrame([ticket]), segments)


def test_html_breaks_split_and_quoted_email_thread_is_ignored(config: NlpConfig) -> None:
    ticket = item(
        "t2",
        "I cancelled in the app but the membership still shows as active.<br><br>Separately, it arrived late."
        "\n\nOn Wed, 11 Nov 2026 at 17:01, Larkspur Support <support@larkspur.com> wrote:\n"
        "> Could you please reply with your order number so we can investigate?\n> Kind regards",
    )
    segments = segments_of(config, ticket)
    assert segments["text"].tolist() == [
        "I cancelled in the app but the membership still shows as active.",
        "Separately, it arrived late.",
    ]
    assert_offsets_exact(pd.DataFrame([ticket]), segments)


@pytest.mark.parametrize(
    "text",
    ["Thank you so much for your time today.", "Good morning!", "um yeah", "Okay.", "Sent from my Samsung Galaxy",
     "Have a great day!", "Hello team,", "Thanks, bye.", "Sure, the order number is LK-1723106.", "Um, lk-3910791.",
     "Okay, great.", "Hi Larkspur suppprt,", "С уважением,", "Buenas tardes,", "> Thanks for reaching out to us.",
     "Please get back to me asap.", "I'd appreciate a quick reply.", "Hope you can sort this out.",
     # pleas and closings in other words, and contact details whose values were redacted
     "Please help.", "Espero su respuesta.", "Aștept un răspuns.", "Помогите, пожалуйста.", "期待您的回复。",
     "The account email is [EMAIL].", "Phone: [PHONE]", "El correo es [EMAIL].", "手机：[PHONE]", "Re: your email"],
)
def test_segments_without_content_are_dropped(config: NlpConfig, text: str) -> None:
    assert segments_of(config, item("x", text)).empty


@pytest.mark.parametrize(
    "text",
    ["Refund please.", "App crashes.", "Thanks, but my refund never arrived.", "Hello, my card was declined.",
     "Great sevrice.", "Жду возврата денег.", "Please help, my card was charged twice.", "My phone screen cracked.",
     "Your email said my refund was sent.", "请尽快回复我的退款申请。"],
)
def test_short_complaints_are_kept(config: NlpConfig, text: str) -> None:
    assert segments_of(config, item("x", text))["text"].tolist() == [text]


def test_calls_keep_only_customer_turns_split_into_sentences(config: NlpConfig) -> None:
    call = call_item(
        "c1",
        [
            ("Agent", "Thank you for calling, my name is Sam. How can I help you today?"),
            ("Customer", "Hi. Um yeah. So my parcel is two weeks late. Nobody answers the chat either."),
            ("Agent", "I am sorry to hear your parcel is late, let me check the courier."),
            ("Customer", "Okay thanks."),
            ("customer", "And I was charged for express shipping."),
        ],
    )
    segments = segments_of(config, call)
    assert segments["text"].tolist() == [
        "So my parcel is two weeks late.",
        "Nobody answers the chat either.",
        "And I was charged for express shipping.",
    ]
    assert segments["ordinal"].tolist() == [0, 1, 2]
    assert_offsets_exact(pd.DataFrame([call]), segments)


def test_social_post_trims_repost_prefix_mentions_and_links(config: NlpConfig) -> None:
    post = item("p1", "RT @shopco: @support the app crashes on login again https://t.co/abc123", channel="social")
    tagged = item("p2", "@Help Tengo un cargo duplicado de 21,62€ en el extracto. #quejas #Larkspur", "es", "social")
    segments = segments_of(config, post, tagged)
    assert segments["text"].tolist() == ["the app crashes on login again", "Tengo un cargo duplicado de 21,62€ en el extracto."]
    assert_offsets_exact(pd.DataFrame([post, tagged]), segments)


def test_segments_never_start_with_stray_punctuation_or_a_later_sentences_mention(config: NlpConfig) -> None:
    items = [
        item("uh", "Uh, I've been on hold for forty minutes and nobody picks up.", channel="call"),
        item("dash", "Okay. - and the card was declined twice at the checkout.", channel="call"),
        item("kept", "The .NET app shows -5 points on my loyalty card balance."),
        item("later", "Thanks. @larkspur your app logs me out every single time.", channel="social"),
    ]
    segments = segments_of(config, *items)
    assert segments.groupby("feedback_id")["text"].apply(list).to_dict() == {
        "uh": ["I've been on hold for forty minutes and nobody picks up."],
        "dash": ["and the card was declined twice at the checkout."],
        "kept": ["The .NET app shows -5 points on my loyalty card balance."],
        "later": ["your app logs me out every single time."],
    }
    assert_offsets_exact(pd.DataFrame(items), segments)


def test_spanish_russian_and_chinese_are_split(config: NlpConfig) -> None:
    items = [
        item("es", "Hola. Mi tarjeta regalo no funciona. ¿Por qué no me devuelven el dinero? Gracias.", "es"),
        item("ru", "Здравствуйте. Приложение вылетает при оплате! Верните деньги за заказ. Спасибо.", "ru"),
        item("zh", "你好！我的礼品卡无法使用。退款到现在还没有到账？谢谢。", "zh"),
    ]
    segments = segments_of(config, *items)
    by_item = segments.groupby("feedback_id")["text"].apply(list).to_dict()
    assert by_item["es"] == ["Mi tarjeta regalo no funciona.", "¿Por qué no me devuelven el dinero?"]
    assert by_item["ru"] == ["Приложение вылетает при оплате!", "Верните деньги за заказ."]
    assert by_item["zh"] == ["我的礼品卡无法使用。", "退款到现在还没有到账？"]
    assert_offsets_exact(pd.DataFrame(items), segments)


def test_unknown_language_and_empty_input(config: NlpConfig) -> None:
    segments = segments_of(config, item("u", "Die App stürzt ständig ab. Bitte reparieren!", None), item("e", "", "en"))
    assert segments["text"].tolist() == ["Die App stürzt ständig ab.", "Bitte reparieren!"]
    empty = segments_of(config, item("e", "Thanks!"))
    assert list(empty.columns) == SEGMENT_COLUMNS and empty.empty


def test_long_unpunctuated_text_is_cut_at_whitespace(config: NlpConfig) -> None:
    text = " ".join(["the delivery van never came and the tracking page kept saying out for delivery"] * 12)
    segments = segments_of(config, item("long", text))
    assert len(segments) >= 3
    assert segments["text"].str.len().max() <= config.segment.max_segment_chars
    assert_offsets_exact(pd.DataFrame([item("long", text)]), segments)


def test_language_detection_on_short_sentences_with_hints() -> None:
    texts = [
        "My gift card code was not accepted",
        "Mi tarjeta regalo no funciona",
        "Le remboursement n'est jamais arrivé",
        "Meine Geschenkkarte funktioniert nicht",
        "Моя подарочная карта не работает",
        "Cardul meu cadou nu funcționează",
        "我的礼品卡无法使用",
        "ok",
        "lol",
    ]
    hints = [None, "en", None, None, None, None, None, "en-US", None]
    assert detect_languages(texts, hints) == ["en", "es", "fr", "de", "ru", "ro", "zh", "en", None]
    # Missing values straight from a DataFrame column (NaN) are tolerated.
    assert detect_languages([float("nan"), "ok"], [float("nan"), "es_ES"]) == [None, "es"]
    with pytest.raises(ValueError):
        detect_languages(["a", "b"], ["en"])


def test_config_rejects_unknown_keys() -> None:
    with pytest.raises(ValueError, match="min_topic_sise"):
        parse_nlp_config({"version": 1, "themes": {"min_topic_sise": 3}})


def test_redaction_placeholders_and_bracketed_words_stay_inside_their_sentence(config: NlpConfig) -> None:
    # The English senter starts a sentence at most "[CARD]"-like words; these are words.
    tickets = [
        item("p1", "My card [CARD] was charged twice by [PERSON] at [EMAIL]. Fix it."),
        item("p2", "I spoke to [PERSON]. She said the refund was sent."),
        item("p3", "My order never arrived. [PERSON] from your team promised a refund!"),
        item("p4", "See [1] for the error my refund is late"),
    ]
    segments = segments_of(config, *tickets)
    assert segments.groupby("feedback_id")["text"].apply(list).to_dict() == {
        "p1": ["My card [CARD] was charged twice by [PERSON] at [EMAIL].", "Fix it."],
        "p2": ["I spoke to [PERSON].", "She said the refund was sent."],
        "p3": ["My order never arrived.", "[PERSON] from your team promised a refund!"],
        "p4": ["See [1] for the error my refund is late"],
    }
    assert_offsets_exact(pd.DataFrame(tickets), segments)
