"""``generate_samples``: plan the volume, then stream every record to its channel's files.

Work is linear in the number of items: the plan is per (day, channel), records are written as
they are made, and only small bounded buffers (a ticket page, recent posts, recent contacts)
stay in memory.
"""

from __future__ import annotations

import random
import shutil
from datetime import date, datetime, time, timedelta
from pathlib import Path

from .calendar import build_period
from .calls import CallWriter
from .campaigns import build_campaigns, write_campaigns_csv
from .kinds import PII_KINDS, Channel, PiiKind
from .people import AuthorPool, CustomerPool, RepeatContacts
from .plan import CellPlan, Component, Plan, build_components, build_plan
from .products import product_for
from .records import ItemSpec, Outcome
from .rng import cumulative, pick_index, substream
from .social import SocialWriter
from .stories import build_stories
from .surveys import SurveyWriter
from .themes import STEADY_THEMES, THEMES
from .tickets import TicketWriter
from .truth import GroundTruthRecorder

GENERATOR_VERSION = 1
SECOND_THEME_RATE: dict[Channel, float] = {"ticket": 0.40, "survey": 0.30, "call": 0.45, "social": 0.40}
PII_RATE: dict[Channel, float] = {"ticket": 0.08, "survey": 0.035, "call": 0.08, "social": 0.025}
PII_KIND_WEIGHTS: dict[Channel, tuple[float, ...]] = {  # email, phone, card, iban
    "ticket": (0.35, 0.3, 0.22, 0.13), "survey": (0.45, 0.35, 0.15, 0.05),
    "call": (0.35, 0.35, 0.25, 0.05), "social": (0.5, 0.45, 0.05, 0.0),
}
FOLLOW_UP_RATE = 0.12  # a problem contact that is the same customer coming back within 14 days
# When people write, by UTC hour (most customers are in North America).
HOUR_WEIGHTS: dict[Channel, tuple[float, ...]] = {
    "ticket": (5, 4, 3, 2, 1.5, 1, 1, 1, 1.2, 1.5, 2, 3, 4.5, 6, 7, 7.5, 7.5, 7.5, 7, 7, 7, 6.5, 6.5, 6),
    "survey": (5, 4, 3, 2, 1.5, 1, 1, 1, 1, 1.2, 1.5, 2.5, 4, 5, 6, 6.5, 7, 7, 7, 7, 7, 7, 6.5, 6),
    "call": (2, 0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 6, 8, 8.5, 8.5, 8, 8, 7.5, 7, 6, 5, 4),
    "social": (8, 7, 5, 3, 2, 1.5, 1, 1, 1, 1.2, 1.5, 2, 3, 4, 5, 5.5, 6, 6, 6.5, 7, 7.5, 8, 8.5, 8.5),
}
_HOUR_CUM = {channel: cumulative(weights) for channel, weights in HOUR_WEIGHTS.items()}
_SECOND_THEME_CUM = cumulative([THEMES[key].share for key in STEADY_THEMES])
OWNED_OUTPUTS = ("tickets", "surveys", "calls", "social", "ground_truth.json", "ground_truth_items.csv")


def _validate(n_items: int, weeks: int, seed: int) -> None:
    if n_items < 100:
        raise ValueError("n_items must be at least 100 so every planted story and malformed kind can appear")
    if weeks < 8:
        raise ValueError("weeks must be at least 8")
    if not isinstance(seed, int):
        raise TypeError("seed must be an int")


def _clear_previous_output(out_dir: Path) -> None:
    """Remove only what this generator writes, so a smaller run leaves no stale pages behind."""
    for name in OWNED_OUTPUTS:
        target = out_dir / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


def _cell_times(rng: random.Random, cell: CellPlan) -> list[datetime]:
    start = datetime.combine(cell.day, time())
    seconds = sorted(
        pick_index(rng, _HOUR_CUM[cell.channel]) * 3600 + rng.randrange(3600) for _ in range(cell.count))
    return [start + timedelta(seconds=s) for s in seconds]


def _second_theme(rng: random.Random, channel: Channel, component: Component) -> tuple[str, ...]:
    """Background records may raise a second steady issue. Story records do not: a burst of
    story volume would otherwise lift the steady themes' weekly counts in the story's weeks."""
    primary = component.theme.key
    if component.story is not None or rng.random() >= SECOND_THEME_RATE[channel]:
        return (primary,)
    second = STEADY_THEMES[pick_index(rng, _SECOND_THEME_CUM)]
    return (primary,) if second == primary else (primary, second)


def _pii_kind(rng: random.Random, channel: Channel) -> PiiKind | None:
    if rng.random() >= PII_RATE[channel]:
        return None
    return rng.choices(PII_KINDS, weights=PII_KIND_WEIGHTS[channel])[0]


class _Generator:
    """Holds the writers and the cross-record state for one run."""

    def __init__(self, out_dir: Path, plan: Plan, seed: int, n_items: int, export_time: datetime) -> None:
        self.plan = plan
        self.rng = substream(seed, "content")
        self.customers = CustomerPool(seed, max(300, int(n_items * 0.45)))
        self.authors = AuthorPool(seed, max(200, int(n_items * 0.2)))
        self.repeats = RepeatContacts()
        self.truth = GroundTruthRecorder(out_dir, plan.period)
        self.writers = {
            "ticket": TicketWriter(out_dir / "tickets", export_time, substream(seed, "ticket_timing")),
            "survey": SurveyWriter(out_dir / "surveys" / "survey_responses.csv"),
            "call": CallWriter(out_dir / "calls"),
            "social": SocialWriter(out_dir / "social" / "posts.jsonl"),
        }
        self.ordinals: dict[Channel, int] = {channel: 0 for channel in self.writers}

    def run(self) -> None:
        for cell in self.plan.cells:
            day_ordinal = (cell.day - self.plan.period.start).days
            for when in _cell_times(self.rng, cell):
                spec = self._spec(cell, when, day_ordinal)
                outcome = self.writers[cell.channel].write(spec, self.rng)
                self._remember(outcome, day_ordinal)
        for writer in self.writers.values():
            writer.close()
        self.truth.close()

    def _spec(self, cell: CellPlan, when: datetime, day_ordinal: int) -> ItemSpec:
        rng, channel = self.rng, cell.channel
        component = self.plan.components[pick_index(rng, cell.component_cum_weights)]
        theme = component.theme
        if channel == "social":
            person = self.authors.draw(rng)
        else:
            follow_up = self.repeats.follow_up_candidate(rng, theme.key, day_ordinal) if (
                theme.polarity == "problem" and rng.random() < FOLLOW_UP_RATE) else None
            person = self.customers.customer(follow_up) if follow_up is not None else self.customers.draw(rng)
        ordinal = self.ordinals[channel]
        self.ordinals[channel] += 1
        return ItemSpec(
            channel=channel, when=when, component=component, themes=_second_theme(rng, channel, component),
            person=person, product=product_for(rng, theme.product_scope), pii_kind=_pii_kind(rng, channel),
            malformed=self.plan.malformed[channel].get(ordinal),
        )

    def _remember(self, outcome: Outcome, day_ordinal: int) -> None:
        if outcome.customer_index is not None and outcome.themes:
            self.repeats.record(outcome.customer_index, outcome.themes[0], day_ordinal)
        self.truth.record(outcome)


def generate_samples(
    out_dir: Path,
    campaigns_path: Path,
    n_items: int = 6000,
    weeks: int = 20,
    end_date: date = date(2026, 11, 15),
    seed: int = 7,
) -> dict:
    """Write one fictional retailer's exports for all four channels plus their ground truth.

    Returns the summary (counts per channel, language, story and theme; duplicates, personal
    data and malformed records), which is also stored in ``ground_truth.json``.
    """
    _validate(n_items, weeks, seed)
    out_dir, campaigns_path = Path(out_dir), Path(campaigns_path)
    period = build_period(end_date, weeks)
    campaigns = build_campaigns(period)
    stories = build_stories(period, campaigns)
    components = build_components(period, stories, campaigns)
    plan = build_plan(substream(seed, "plan"), period, components, n_items)
    out_dir.mkdir(parents=True, exist_ok=True)
    _clear_previous_output(out_dir)
    write_campaigns_csv(campaigns, campaigns_path)
    export_time = datetime.combine(period.end + timedelta(days=1), time(6, 0))
    generator = _Generator(out_dir, plan, seed, n_items, export_time)
    generator.run()
    summary = generator.truth.summary(n_items, generator.repeats.repeats)
    parameters = {"version": GENERATOR_VERSION, "seed": seed, "n_items": n_items, "weeks": weeks,
                  "end_date": period.end.isoformat()}
    generator.truth.write_json(out_dir / "ground_truth.json", parameters, campaigns, stories, summary)
    return summary
