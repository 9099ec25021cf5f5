"""How slice values read in the filters: language names for ISO codes, words for the marts'
placeholders ('und', '(none)'). The values themselves stay as the marts hold them."""

from __future__ import annotations

from functools import lru_cache

from lingua import IsoCode639_1, Language

UNDETECTED_LANGUAGE = "und"  # feedback_scope's language when detection found none
NO_PRODUCT = "(none)"  # feedback_scope's product when the item names none


@lru_cache(maxsize=256)
def language_name(code: str) -> str:
    """'nl' -> 'Dutch (nl)'; the code itself when lingua does not know it."""
    if code == UNDETECTED_LANGUAGE:
        return "Not detected"
    try:
        name = Language.from_iso_code_639_1(IsoCode639_1.from_str(code)).name.title()
    except ValueError:
        return code
    return f"{name} ({code})"


def product_name(product: str) -> str:
    return "No product named" if product == NO_PRODUCT else product
