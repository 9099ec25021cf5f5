"""The ground truth: one CSV row per generated record, and a JSON of stories and measured figures.

Everything here is counted from what was actually written (not from the plan), so the ground
truth always agrees with the files. Weekly counts and timing figures use well-formed records
only, which is what a pipeline can see.
"""

from __future__ import annotations

import csv
import json
import statistics
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

from .calendar import Period, week_start
from .campaigns import Campaign
from .kinds import CHANNELS, DUPLICATE_KINDS, MALFORMED_REASONS, PII_KINDS, WRITTEN_LANGUAGES
from .records import Outcome
from .stories import Story
from .themes import THEMES

ITEMS_HEADER = ("channel", "source_record_id", "stories", "language", "duplicate_of", "has_pii", "malformed_reason",
                "received_at")
NOTES = (
    "stories in ground_truth_items.csv lists every theme key a record carries (primary first), pipe-separated.",
    "received_at in ground_truth_items.csv is when the record was made (UTC), even where its export damaged the date.",
    "weekly counts and timing figures count well-formed records only; planted counts include everything.",
    "support@larkspur.com appears in quoted e-mail headers: it is the company's address, not personal data.",
    "order numbers (LK-...), amounts, dates, promo codes, gift-card codes (LKGC-...) and tracking numbers "
    "are not personal data; has_pii marks e-mail addresses, phone numbers, payment cards and IBANs.",
    "a record with malformed_reason empty_text or missing_transcript carries no themes (nothing to read).",
    "reposts, double-submitted tickets and copies of a circulating form complaint have duplicate_of set to "
    "the first record of that text in the same channel.",
)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


class GroundTruthRecorder:
    def __init__(self, out_dir: Path, period: Period) -> None:
        self.period = period
        self.items_handle = (out_dir / "ground_truth_items.csv").open("w", encoding="utf-8", newline="")
        self.items = csv.writer(self.items_handle, lineterminator="\n")
        self.items.writerow(ITEMS_HEADER)
        self.by_channel: Counter[str] = Counter()
        self.by_language: Counter[str] = Counter()
        self.by_theme: Counter[str] = Counter()
        self.theme_weeks: dict[str, Counter[str]] = defaultdict(Counter)
        self.theme_channels: dict[str, Counter[str]] = defaultdict(Counter)
        self.story_counts: Counter[str] = Counter()
        self.story_valid: Counter[str] = Counter()
        self.story_channels: dict[str, Counter[str]] = defaultdict(Counter)
        self.story_weeks: dict[str, Counter[str]] = defaultdict(Counter)
        self.duplicates: Counter[str] = Counter()
        self.pii_items = 0
        self.pii_kinds: Counter[str] = Counter()
        self.malformed: Counter[str] = Counter()
        self.handle_times: dict[str, list[float]] = defaultdict(list)
        self.resolution_hours: dict[str, list[float]] = defaultdict(list)
        self.nps: dict[str, list[int]] = defaultdict(list)
        self.two_theme_items = 0

    def record(self, outcome: Outcome) -> None:
        has_pii = bool(outcome.pii_kinds)
        self.items.writerow((
            outcome.channel, outcome.source_record_id, "|".join(outcome.themes), outcome.language,
            outcome.duplicate_of or "", "true" if has_pii else "false", outcome.malformed_reason or "",
            outcome.when.isoformat(),
        ))
        self.by_channel[outcome.channel] += 1
        self.by_language[outcome.language] += 1
        self.two_theme_items += len(outcome.themes) > 1
        if outcome.duplicate_kind:
            self.duplicates[outcome.duplicate_kind] += 1
        if has_pii:
            self.pii_items += 1
            self.pii_kinds.update(outcome.pii_kinds)
        if outcome.malformed_reason:
            self.malformed[outcome.malformed_reason] += 1
        week = week_start(outcome.when.date()).isoformat()
        if outcome.story_key:
            self.story_counts[outcome.story_key] += 1
            if not outcome.malformed_reason:
                self.story_valid[outcome.story_key] += 1
                self.story_channels[outcome.story_key][outcome.channel] += 1
                self.story_weeks[outcome.story_key][week] += 1
        if outcome.malformed_reason:
            return
        for theme in outcome.themes:
            self.by_theme[theme] += 1
            self.theme_weeks[theme][week] += 1
            self.theme_channels[theme][outcome.channel] += 1
        if outcome.themes:
            primary = outcome.themes[0]
            if outcome.handle_time_s is not None:
                self.handle_times[primary].append(outcome.handle_time_s)
            if outcome.resolution_hours is not None:
                self.resolution_hours[primary].append(outcome.resolution_hours)
            if outcome.nps is not None:
                self.nps[primary].append(outcome.nps)

    def _weekly(self, counts: Counter[str]) -> dict[str, int]:
        return {week.isoformat(): counts.get(week.isoformat(), 0) for week in self.period.week_starts()}

    def _timing(self, values: dict[str, list[float]], theme: str) -> dict[str, float | None]:
        others = [v for key, vs in values.items() if key != theme for v in vs]
        return {theme: _median(values.get(theme, [])), "all_other_themes": _median(others)}

    def summary(self, n_items: int, repeat_contacts: int) -> dict:
        total = sum(self.by_channel.values())
        non_english = sum(self.by_language[lang] for lang in WRITTEN_LANGUAGES if lang != "en")
        return {
            "n_items": total,
            "requested_items": n_items,
            "start_date": self.period.start.isoformat(),
            "end_date": self.period.end.isoformat(),
            "by_channel": {channel: self.by_channel[channel] for channel in CHANNELS},
            "by_language": dict(sorted(self.by_language.items())),
            "non_english_share": round(non_english / total, 4) if total else 0.0,
            "two_theme_share": round(self.two_theme_items / total, 4) if total else 0.0,
            "by_story": dict(sorted(self.story_counts.items())),
            "by_theme": dict(sorted(self.by_theme.items())),
            "duplicates": {"total": sum(self.duplicates.values()),
                           **{kind: self.duplicates[kind] for kind in DUPLICATE_KINDS}},
            "pii": {"total": self.pii_items, **{kind: self.pii_kinds[kind] for kind in PII_KINDS}},
            "malformed": {"total": sum(self.malformed.values()),
                          **{reason: self.malformed[reason] for reason in MALFORMED_REASONS}},
            "repeat_contacts_within_14_days": repeat_contacts,
        }

    def _story_entry(self, story: Story) -> dict:
        weeks = self._weekly(self.story_weeks[story.key])
        theme_weeks = self._weekly(self.theme_weeks[story.theme])
        peak = max(theme_weeks, key=lambda w: theme_weeks[w]) if theme_weeks else None
        entry = {
            "key": story.key,
            "theme": story.theme,
            "title": story.title,
            "start_date": story.start.isoformat(),
            "end_date": story.end.isoformat(),
            "weeks": [w for w, count in weeks.items() if date.fromisoformat(w) >= week_start(story.start)
                      and date.fromisoformat(w) <= story.end] if story.share > 0 else list(weeks),
            "key_dates": story.key_dates,
            "facts": story.facts,
            "planted_count": self.story_counts[story.key] if story.share > 0 else self.by_theme[story.theme],
            "planted_count_well_formed": self.story_valid[story.key] if story.share > 0 else self.by_theme[story.theme],
            "channels": dict(self.story_channels[story.key] if story.share > 0 else self.theme_channels[story.theme]),
            "planted_weekly_counts": weeks if story.share > 0 else None,
            "theme_weekly_counts": theme_weeks,
            "theme_peak_week": peak,
            "expected_findings": list(story.expected_findings),
        }
        if story.key == "gift_card_handling":
            entry["measured"] = {
                "median_call_handle_seconds": self._timing(self.handle_times, story.theme),
                "median_ticket_resolution_hours": self._timing(self.resolution_hours, story.theme),
            }
        return entry

    def write_json(self, path: Path, generator: dict, campaigns: list[Campaign], stories: list[Story],
                   summary: dict) -> None:
        wave_themes = {s.theme for s in stories if s.share > 0}
        steady = [key for key, theme in THEMES.items() if theme.share > 0 and key not in wave_themes]
        document = {
            "generator": generator,
            "period": {"start_date": self.period.start.isoformat(), "end_date": self.period.end.isoformat(),
                       "week_starts": [w.isoformat() for w in self.period.week_starts()]},
            "campaigns": [{"name": c.name, "promo_code": c.promo_code, "start_date": c.start.isoformat(),
                           "end_date": c.end.isoformat(), "terms": c.terms, "is_confusing": c.is_confusing}
                          for c in campaigns],
            "stories": [self._story_entry(story) for story in stories],
            "themes": {
                key: {"label": theme.label, "polarity": theme.polarity,
                      "kind": "steady" if key in steady else "story",
                      "count": self.by_theme[key],
                      "channels": dict(self.theme_channels[key]),
                      "median_nps": _median([float(v) for v in self.nps.get(key, [])]),
                      "weekly_counts": self._weekly(self.theme_weeks[key])}
                for key, theme in THEMES.items()
            },
            "steady_themes": steady,
            "summary": summary,
            "notes": list(NOTES),
        }
        path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    def close(self) -> None:
        self.items_handle.close()
