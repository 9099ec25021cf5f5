"""Posts on X that mention the brand, as X API v2 post objects, one JSON object per line.

Besides fresh posts there are replies joining someone's complaint, quote posts, reposts
(``RT @handle: …``, recorded as duplicates) and a circulating form complaint pasted verbatim
by several accounts. Ids are snowflakes derived from the post time, as X's are.
"""

from __future__ import annotations

import json
import random
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .form_letters import form_letter_for
from .kinds import EMPTY_TEXT, TRUNCATED_JSON, UNPARSEABLE_DATE, Channel, Language
from .lexicon import lexicon_for
from .people import Author
from .records import ItemSpec, Outcome
from .rng import lognormal_with_median
from .slots import SlotContext, SlotFiller
from .text import add_typos, continue_sentence, join_sentences, lowercase, pick_issue, pii_sentence, render, typo_rate
from .themes import THEMES

CHANNEL: Channel = "social"
MAX_POST_CHARS = 280
TWITTER_EPOCH_MS = 1_288_834_974_657
REPOST_RATE = 0.14
REPLY_RATE = 0.12
QUOTE_RATE = 0.04
FORM_LETTER_RATE = 0.07
UNDETERMINED_RATE = 0.015
REPOST_WINDOW = timedelta(days=3)
BRAND_HANDLES = ("@LarkspurHelp",) * 7 + ("@Larkspur",) * 2 + ("",)
COMPLAINT_EMOJI = ("😡", "🙄", "😤", "😩", "🤦‍♀️", "💀", "😒", "👎", "😭", "🤬", "📦", "⏳")
PRAISE_EMOJI = ("🙌", "😍", "💜", "✨", "👏", "🥰", "🔥", "💯", "📦")
BAD_CREATED_AT = ("2026-09-31T12:00:00.000Z", "2026-13-01T08:00:00.000Z", "32/13/2026 12:00", "NaN")


@dataclass(frozen=True)
class _Post:
    post_id: str
    handle: str
    text: str
    lang: Language
    themes: tuple[str, ...]
    conversation_id: str
    when: datetime
    story_key: str | None
    pii_kinds: tuple


def snowflake(when: datetime, sequence: int) -> str:
    millis = int(when.replace(tzinfo=timezone.utc).timestamp() * 1000)
    return str(((millis - TWITTER_EPOCH_MS) << 22) | ((sequence * 7919) % 1024) << 12 | (sequence % 4096))


def x_time(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S") + ".000Z"


def _metrics(rng: random.Random, reach: float) -> dict[str, int]:
    impressions = int(lognormal_with_median(rng, 120 * reach, 1.2))
    likes = int(impressions * rng.uniform(0.0, 0.04))
    retweets = int(likes * rng.uniform(0.0, 0.3))
    return {"retweet_count": retweets, "reply_count": int(impressions * rng.uniform(0.0, 0.01)),
            "like_count": likes, "quote_count": int(retweets * rng.uniform(0.0, 0.2)),
            "impression_count": impressions}


def _hashtags(rng: random.Random, language: Language, theme: str) -> list[str]:
    tags = lexicon_for(language).social.hashtags
    pool = tags.get(theme, ()) + tags.get("_", ())
    return rng.sample(pool, min(len(pool), rng.randint(1, 2)))


def _emoji(rng: random.Random, theme: str) -> str:
    pool = PRAISE_EMOJI if THEMES[theme].polarity == "praise" else COMPLAINT_EMOJI
    return "".join(rng.choice(pool) for _ in range(rng.randint(1, 3)))


def compose_post(
    spec: ItemSpec, slots: SlotFiller, rng: random.Random, prefix: str = ""
) -> tuple[str, tuple[str, ...]]:
    """A post's text and the themes it actually carries (a second theme only if it fit)."""
    lex = lexicon_for(spec.language)
    language = spec.language
    theme = spec.themes[0]
    mention = rng.choice(BRAND_HANDLES)
    primary = pick_issue(lex, theme, rng, spec.is_story, max_details=1 if rng.random() < 0.35 else 0)
    required = [primary.sentences[0]]
    if spec.pii_kind:
        required.append(pii_sentence(lex, spec.pii_kind, rng))
    optional: list[tuple[str, str | None]] = [(s, None) for s in primary.sentences[1:]]
    if len(spec.themes) > 1 and rng.random() < 0.5:
        second = pick_issue(lex, spec.themes[1], rng, False, max_details=0)
        optional.append((rng.choice(lex.connectors) + continue_sentence(second.sentences[0], language), spec.themes[1]))
    rate = typo_rate(rng, language)
    is_lower = rng.random() < (0.3 if language == "en" else 0.15)

    def finish(sentences: list[str]) -> str:
        body = add_typos(join_sentences(sentences, language), rng, rate)
        return lowercase(body) if is_lower else body

    sentences, themes = list(required), [theme]
    for sentence, extra_theme in optional:
        candidate = render(finish([*sentences, sentence]), slots)
        if len(prefix) + len(mention) + len(candidate) + 1 <= MAX_POST_CHARS - 30:
            sentences.append(sentence)
            if extra_theme:
                themes.append(extra_theme)
    text = render(finish(sentences), slots)
    if mention:
        text = f"{mention} {text}" if rng.random() < 0.8 else f"{text} {mention}"
    extras = []
    if rng.random() < 0.4:
        extras.append(" ".join(render(tag, slots) for tag in _hashtags(rng, language, theme)))
    if rng.random() < 0.5:
        extras.append(_emoji(rng, theme))
    for extra in extras:
        if len(prefix) + len(text) + len(extra) + 1 <= MAX_POST_CHARS:
            text = f"{text} {extra}"
    return prefix + text, tuple(themes)


class SocialWriter:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = path.open("w", encoding="utf-8", newline="\n")
        self.sequence = 0
        self.recent: dict[str, deque[_Post]] = {}
        self.form_letter_originals: dict[str, str] = {}

    def _recent_post(self, rng: random.Random, theme: str, when: datetime) -> _Post | None:
        posts = self.recent.get(theme)
        if not posts:
            return None
        post = posts[-1 - rng.randrange(min(len(posts), 12))]  # people repost what is fresh
        return post if timedelta(0) < when - post.when <= REPOST_WINDOW else None

    def write(self, spec: ItemSpec, rng: random.Random) -> Outcome:
        self.sequence += 1
        post_id = snowflake(spec.when, self.sequence)
        author: Author = spec.person  # type: ignore[assignment]
        theme = spec.themes[0]
        is_problem = THEMES[theme].polarity == "problem"
        original = self._recent_post(rng, theme, spec.when) if is_problem else None
        if spec.malformed is None and original is not None and rng.random() < REPOST_RATE:
            return self._write_repost(spec, rng, post_id, original)
        if spec.malformed is None and spec.is_story and rng.random() < FORM_LETTER_RATE:
            letter = form_letter_for(spec.component.story)
            if letter is not None:
                return self._write_form_letter(spec, rng, post_id, letter.post)
        if spec.malformed is None and rng.random() < UNDETERMINED_RATE:
            text = " ".join(filter(None, (rng.choice(BRAND_HANDLES) or "@LarkspurHelp", _emoji(rng, theme),
                                          rng.choice(("", "#Larkspur", "???", "!!!")))))
            post = self._post(spec, rng, post_id, text, "und", post_id, [], 1.0)
            return self._finish(spec, post, (), "und", None, ())
        slots = SlotFiller(rng, SlotContext(spec.person, spec.when, spec.product, spec.component.story,
                                            spec.component.campaign))
        references: list[dict[str, str]] = []
        conversation_id, prefix = post_id, ""
        if original is not None and rng.random() < REPLY_RATE:
            references = [{"type": "replied_to", "id": original.post_id}]
            conversation_id = original.conversation_id
            opener = rng.choice(lexicon_for(spec.language).social.reply_openers)
            prefix = f"@{original.handle} {opener} "
        elif original is not None and rng.random() < QUOTE_RATE:
            references = [{"type": "quoted", "id": original.post_id}]
            prefix = rng.choice(lexicon_for(spec.language).social.quote_comments) + " "
        text, themes = compose_post(spec, slots, rng, prefix)
        reach = 2.0 if spec.is_story else 1.0
        post = self._post(spec, rng, post_id, text, spec.language, conversation_id, references, reach)
        pii_kinds = (spec.pii_kind,) if spec.pii_kind else ()
        outcome = self._finish(spec, post, themes, spec.language, None, pii_kinds)
        if is_problem and spec.malformed is None:
            self.recent.setdefault(theme, deque(maxlen=150)).append(
                _Post(post_id, author.handle, text, spec.language, themes, conversation_id, spec.when,
                      spec.story_key, pii_kinds))
        return outcome

    def _write_repost(self, spec: ItemSpec, rng: random.Random, post_id: str, original: _Post) -> Outcome:
        post = self._post(spec, rng, post_id, f"RT @{original.handle}: {original.text}", original.lang, post_id,
                          [{"type": "retweeted", "id": original.post_id}], 0.0)
        return self._finish(spec, post, original.themes, original.lang, (original.post_id, "repost"),
                            original.pii_kinds, story_key=original.story_key)

    def _write_form_letter(self, spec: ItemSpec, rng: random.Random, post_id: str, text: str) -> Outcome:
        story_key = spec.story_key or ""
        original = self.form_letter_originals.setdefault(story_key, post_id)
        duplicate = (original, "template_copy") if original != post_id else None
        post = self._post(spec, rng, post_id, text, "en", post_id, [], 3.0)
        return self._finish(spec, post, (spec.themes[0],), "en", duplicate, ())

    def _post(self, spec: ItemSpec, rng: random.Random, post_id: str, text: str, lang: str, conversation_id: str,
              references: list[dict[str, str]], reach: float) -> dict:
        author: Author = spec.person  # type: ignore[assignment]
        post: dict = {
            "id": post_id,
            "text": text,
            "created_at": x_time(spec.when),
            "author_id": author.author_id,
            "lang": lang,
            "public_metrics": _metrics(rng, reach) if reach > 0 else {
                "retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0, "impression_count": 0},
            "conversation_id": conversation_id,
        }
        if references:
            post["referenced_tweets"] = references
        return post

    def _finish(self, spec: ItemSpec, post: dict, themes: tuple[str, ...], lang: str,
                duplicate: tuple[str, str] | None, pii_kinds: tuple, story_key: str | None = None) -> Outcome:
        line = json.dumps(post, ensure_ascii=False)
        reason = spec.malformed
        if reason == TRUNCATED_JSON:
            line = line[: max(20, int(len(line) * 0.6))]
        elif reason == EMPTY_TEXT:
            post["text"], post["lang"] = "", "und"
            line = json.dumps(post, ensure_ascii=False)
            themes, lang, pii_kinds = (), "und", ()
        elif reason == UNPARSEABLE_DATE:
            post["created_at"] = BAD_CREATED_AT[self.sequence % len(BAD_CREATED_AT)]
            line = json.dumps(post, ensure_ascii=False)
        self.handle.write(line + "\n")
        return Outcome(
            channel=CHANNEL, source_record_id=post["id"], when=spec.when, themes=themes,
            language=lang, story_key=(story_key or spec.story_key) if themes else None,  # type: ignore[arg-type]
            customer_index=None, duplicate_of=duplicate[0] if duplicate else None,
            duplicate_kind=duplicate[1] if duplicate else None,  # type: ignore[arg-type]
            pii_kinds=pii_kinds, malformed_reason=reason,
        )

    def close(self) -> None:
        self.handle.close()
