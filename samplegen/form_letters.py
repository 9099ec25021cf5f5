"""Templated complaints that circulate during a story and get sent verbatim by many customers."""

from __future__ import annotations

from dataclasses import dataclass

from .stories import Story


@dataclass(frozen=True)
class FormLetter:
    subject: str
    body: str
    post: str  # the version people paste on X


_LETTERS: dict[str, FormLetter] = {
    "shipping_disruption": FormLetter(
        subject="Formal complaint - undelivered order",
        body=(
            "To Larkspur Customer Service,\n\n"
            "I placed an order more than two weeks ago and it has still not been delivered. The tracking has "
            "not updated since the parcel reached your {hub} facility and {carrier} cannot tell me anything.\n\n"
            "I expect delivery or a full refund within 48 hours. Otherwise I will dispute the charge with my bank "
            "and report this to the Better Business Bureau."
        ),
        post=(
            "@LarkspurHelp My order has been stuck at your {hub} warehouse for over a week. Deliver it or refund "
            "me within 48 hours or I dispute the charge. #LarkspurDelays"
        ),
    ),
    "promo_confusion": FormLetter(
        subject="False advertising - {code}",
        body=(
            "Hello,\n\n"
            "Larkspur advertised {discount} off with code {code}. The code does not work at checkout and no "
            "explanation is given. Hiding the conditions in small print is false advertising.\n\n"
            "Please honor the discount you promised on my order."
        ),
        post=(
            "@Larkspur advertised {discount} off with {code} and the code doesn't work at checkout. Hiding the "
            "conditions in small print is false advertising. Honor your discount! #{code}"
        ),
    ),
}


def form_letter_for(story: Story | None) -> FormLetter | None:
    if story is None or story.key not in _LETTERS:
        return None
    letter = _LETTERS[story.key]
    facts = {"hub": "Columbus, OH", "carrier": "ParcelPoint", "code": "", "discount": ""}
    facts.update({k: v for k, v in story.facts.items() if k in facts})
    facts["code"] = story.facts.get("promo_code", "")
    return FormLetter(*(text.format_map(facts) for text in (letter.subject, letter.body, letter.post)))
