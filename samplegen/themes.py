"""What customers write about: the theme catalogue with volumes, channels and handling cost.

``share`` is the theme's part of the steady background volume. Story-only themes (the app
crash, the promo confusion) have no background share; their volume comes from the stories.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .kinds import Channel

Polarity = Literal["problem", "praise"]
# Which product a record is about, which decides the ticket's product field and slot values.
ProductScope = Literal["any", "apparel", "home_or_gadget", "gift-card", "mobile-app", "larkspur-plus", "account"]


@dataclass(frozen=True)
class Theme:
    key: str
    label: str
    polarity: Polarity
    share: float
    channel_mix: dict[Channel, float]
    queue: str  # call-centre queue that takes these calls
    product_scope: ProductScope
    handle_time_factor: float = 1.0  # multiplies call handle time and ticket resolution time
    holiday_boost: float = 0.0  # extra growth in the holiday peak (0 = grows with volume)
    anger: float = 0.5  # 0..1, pushes scores down and shouting up
    tags: tuple[str, ...] = field(default=())  # Zendesk tags a trigger might set


def _mix(ticket: float, survey: float, call: float, social: float) -> dict[Channel, float]:
    return {"ticket": ticket, "survey": survey, "call": call, "social": social}


THEMES: dict[str, Theme] = {
    theme.key: theme
    for theme in (
        Theme("order_status", "Where is my order / order status", "problem", 0.11,
              _mix(0.40, 0.19, 0.13, 0.28), "orders", "any", holiday_boost=1.6, anger=0.45,
              tags=("order_status", "wismo")),
        Theme("delivery_delay", "Late delivery / shipping delay", "problem", 0.035,
              _mix(0.38, 0.18, 0.12, 0.32), "orders", "any", holiday_boost=1.6, anger=0.65,
              tags=("shipping", "delay")),
        Theme("gift_card_redemption", "Gift card not accepted / balance missing", "problem", 0.06,
              _mix(0.40, 0.16, 0.24, 0.20), "gift_cards", "gift-card", handle_time_factor=10.0,
              holiday_boost=1.8, anger=0.6, tags=("gift_card", "payments")),
        Theme("promo_code_issue", "Promo code rejected / not eligible", "problem", 0.0,
              _mix(0.33, 0.22, 0.10, 0.35), "sales", "apparel", anger=0.6,
              tags=("promo", "discount")),
        Theme("app_crash", "Mobile app crashes on launch", "problem", 0.0,
              _mix(0.33, 0.14, 0.08, 0.45), "tech_support", "mobile-app", anger=0.7,
              tags=("app", "bug", "mobile")),
        Theme("password_reset", "Password reset / can't log in", "problem", 0.07,
              _mix(0.45, 0.12, 0.13, 0.30), "tech_support", "account", anger=0.45,
              tags=("login", "account")),
        Theme("refund_status", "Refund not received", "problem", 0.09,
              _mix(0.42, 0.25, 0.12, 0.21), "returns", "any", anger=0.55,
              tags=("refund", "returns")),
        Theme("double_billing", "Charged twice", "problem", 0.05,
              _mix(0.45, 0.18, 0.15, 0.22), "billing", "any", anger=0.65,
              tags=("billing", "payments")),
        Theme("sizing_fit", "Sizing and fit", "problem", 0.08,
              _mix(0.28, 0.47, 0.05, 0.20), "returns", "apparel", anger=0.3,
              tags=("sizing", "exchange")),
        Theme("damaged_item", "Item arrived damaged or defective", "problem", 0.06,
              _mix(0.42, 0.28, 0.08, 0.22), "returns", "home_or_gadget", anger=0.55,
              tags=("damaged", "returns")),
        Theme("subscription_cancellation", "Cancel Larkspur Plus / unwanted renewal", "problem", 0.06,
              _mix(0.40, 0.20, 0.18, 0.22), "membership", "larkspur-plus", anger=0.55,
              tags=("plus", "subscription")),
        Theme("praise_delivery", "Praise: fast delivery", "praise", 0.07,
              _mix(0.06, 0.60, 0.02, 0.32), "general", "any", anger=0.0,
              tags=("feedback",)),
        Theme("praise_support", "Praise: helpful support", "praise", 0.07,
              _mix(0.12, 0.58, 0.04, 0.26), "general", "any", anger=0.0,
              tags=("feedback", "csat")),
    )
}

STEADY_THEMES: tuple[str, ...] = tuple(key for key, theme in THEMES.items() if theme.share > 0)
PROBLEM_THEMES: tuple[str, ...] = tuple(k for k, t in THEMES.items() if t.polarity == "problem")
