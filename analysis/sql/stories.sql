-- Stories: near-duplicate and syndicated articles (and re-edited ticker headlines) counted once.
-- Written by the `stories` enrichment stage (analysis/stories). A story is one piece of
-- reporting about one event in all its placements; see docs/stories.md for the rule.

CREATE TABLE IF NOT EXISTS article_stories (
    article_id BIGINT PRIMARY KEY,
    story_id   BIGINT NOT NULL CHECK (story_id <= article_id),
    similarity DOUBLE CHECK (similarity BETWEEN 0 AND 1)
);

CREATE TABLE IF NOT EXISTS headline_stories (
    headline_id BIGINT PRIMARY KEY,
    story_id    BIGINT NOT NULL,
    similarity  DOUBLE CHECK (similarity BETWEEN 0 AND 1)
);

CREATE TABLE IF NOT EXISTS stories (
    story_id         BIGINT PRIMARY KEY,
    first_article_id BIGINT NOT NULL,
    first_outlet     VARCHAR,
    first_seen       TIMESTAMPTZ,
    last_seen        TIMESTAMPTZ,
    n_placements     BIGINT NOT NULL CHECK (n_placements >= 1),
    n_outlets        BIGINT NOT NULL CHECK (n_outlets >= 0 AND n_outlets <= n_placements),
    CHECK (first_seen IS NULL OR first_seen <= last_seen)
);

CREATE TABLE IF NOT EXISTS ticker_stories (
    story_id          BIGINT PRIMARY KEY,
    first_headline_id BIGINT NOT NULL,
    first_text        VARCHAR NOT NULL,
    first_seen        TIMESTAMPTZ,
    last_seen         TIMESTAMPTZ,
    n_headlines       BIGINT NOT NULL CHECK (n_headlines >= 1),
    n_sightings       BIGINT NOT NULL CHECK (n_sightings >= n_headlines),
    CHECK (first_seen IS NULL OR first_seen <= last_seen)
);

-- The persisted near-duplicate index: what new texts are compared against.
CREATE TABLE IF NOT EXISTS article_story_index (
    article_id  BIGINT PRIMARY KEY,
    fingerprint UBIGINT NOT NULL,
    n_shingles  INTEGER NOT NULL CHECK (n_shingles > 0),
    day         INTEGER NOT NULL,
    calendar    UBIGINT NOT NULL,
    signature   BLOB NOT NULL
);

CREATE TABLE IF NOT EXISTS article_story_bands (
    key        UBIGINT NOT NULL,
    article_id BIGINT NOT NULL,
    day        INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS headline_story_index (
    headline_id BIGINT PRIMARY KEY,
    fingerprint UBIGINT NOT NULL,
    n_shingles  INTEGER NOT NULL CHECK (n_shingles > 0),
    day         INTEGER NOT NULL,
    calendar    UBIGINT NOT NULL,
    signature   BLOB NOT NULL
);

CREATE TABLE IF NOT EXISTS headline_story_bands (
    key         UBIGINT NOT NULL,
    headline_id BIGINT NOT NULL,
    day         INTEGER NOT NULL
);

-- The bands carry their document's day so that a batch scans only the stored bands of its
-- time window (a filter, before the join) instead of probing every stored band and joining
-- the index for the day: at 1M articles (38M bands) that join took 4.9 of a late batch's
-- 10.8 s, growing with the archive. Databases made before the column existed get it here,
-- filled from the index, once (the first writable open after the upgrade).
ALTER TABLE article_story_bands ADD COLUMN IF NOT EXISTS day INTEGER;
UPDATE article_story_bands SET day = i.day FROM article_story_index i
WHERE article_story_bands.day IS NULL AND i.article_id = article_story_bands.article_id;
ALTER TABLE headline_story_bands ADD COLUMN IF NOT EXISTS day INTEGER;
UPDATE headline_story_bands SET day = i.day FROM headline_story_index i
WHERE headline_story_bands.day IS NULL AND i.headline_id = headline_story_bands.headline_id;

CREATE TABLE IF NOT EXISTS story_index_meta (
    source   VARCHAR PRIMARY KEY CHECK (source IN ('articles', 'headlines')),
    version  VARCHAR NOT NULL,
    built_at TIMESTAMPTZ NOT NULL
);

COMMENT ON TABLE article_stories IS 'Which story each processed article is a placement of (every processed article has a row; an article without one is not processed yet and counts as its own story).';
COMMENT ON COLUMN article_stories.article_id IS 'The article (placement).';
COMMENT ON COLUMN article_stories.story_id IS 'The story: the smallest article_id among its placements.';
COMMENT ON COLUMN article_stories.similarity IS 'Strongest evidence linking it to another placement: estimated word-shingle resemblance (Jaccard), or containment for a truncated copy; 1 for an exact copy; NULL for a story of one.';

COMMENT ON TABLE headline_stories IS 'Which story each processed ticker headline belongs to: re-edits of one headline (a word or a number changed) share a story.';
COMMENT ON COLUMN headline_stories.headline_id IS 'The headline.';
COMMENT ON COLUMN headline_stories.story_id IS 'The story: the smallest headline_id among its headlines.';
COMMENT ON COLUMN headline_stories.similarity IS 'Strongest estimated word (1- and 2-gram) resemblance to another headline of the story; 1 for the same words; NULL for a story of one.';

COMMENT ON TABLE stories IS 'One row per article story: its first placement, how many placements and outlets ran it, and when.';
COMMENT ON COLUMN stories.story_id IS 'Story id (= article_stories.story_id).';
COMMENT ON COLUMN stories.first_article_id IS 'The earliest placement (by publication time, then article_id).';
COMMENT ON COLUMN stories.first_outlet IS 'Outlet of the earliest placement.';
COMMENT ON COLUMN stories.first_seen IS 'Earliest publication time of a placement (published_at, else the publication date at 00:00 UTC).';
COMMENT ON COLUMN stories.last_seen IS 'Latest publication time of a placement.';
COMMENT ON COLUMN stories.n_placements IS 'Number of articles (placements) in the story.';
COMMENT ON COLUMN stories.n_outlets IS 'Number of distinct outlets that ran it.';

COMMENT ON TABLE ticker_stories IS 'One row per headline story: its first headline, how many re-edits and ticker sightings, and when.';
COMMENT ON COLUMN ticker_stories.story_id IS 'Story id (= headline_stories.story_id).';
COMMENT ON COLUMN ticker_stories.first_headline_id IS 'The earliest headline of the story (by first_seen, then headline_id).';
COMMENT ON COLUMN ticker_stories.first_text IS 'Text of that headline.';
COMMENT ON COLUMN ticker_stories.first_seen IS 'Earliest sighting of any of its headlines.';
COMMENT ON COLUMN ticker_stories.last_seen IS 'Latest sighting of any of its headlines.';
COMMENT ON COLUMN ticker_stories.n_headlines IS 'Number of distinct headline texts (re-edits) in the story.';
COMMENT ON COLUMN ticker_stories.n_sightings IS 'Total ticker slots showing one of its headlines.';

COMMENT ON TABLE article_story_index IS 'Near-duplicate index of article bodies (one row per article compared by MinHash; exact copies and too-short bodies have none). Rebuilt by `presswatch enrich --stage stories --rebuild`.';
COMMENT ON COLUMN article_story_index.article_id IS 'The indexed article.';
COMMENT ON COLUMN article_story_index.fingerprint IS 'Hash of the normalised token sequence: equal values are exact copies.';
COMMENT ON COLUMN article_story_index.n_shingles IS 'Number of word 3-gram shingles (for containment estimates).';
COMMENT ON COLUMN article_story_index.day IS 'Publication day as days since 1970-01-01, -1 when undated (time window).';
COMMENT ON COLUMN article_story_index.calendar IS 'Bit mask of the weekdays and dates named in the lead (calendar veto).';
COMMENT ON COLUMN article_story_index.signature IS '128 MinHash values, low 16 bits each, little-endian uint16.';
COMMENT ON TABLE article_story_bands IS 'LSH buckets of article_story_index: articles sharing a key are compared.';
COMMENT ON COLUMN article_story_bands.key IS 'Hash of one band (3 MinHash values) with its band number.';
COMMENT ON COLUMN article_story_bands.article_id IS 'The indexed article.';
COMMENT ON COLUMN article_story_bands.day IS 'The article''s day, as in article_story_index (lets a batch read only the bands of its time window).';

COMMENT ON TABLE headline_story_index IS 'Near-duplicate index of ticker headlines (as article_story_index, over word 1- and 2-grams).';
COMMENT ON COLUMN headline_story_index.headline_id IS 'The indexed headline.';
COMMENT ON COLUMN headline_story_index.fingerprint IS 'Hash of the normalised token sequence: equal values are the same words.';
COMMENT ON COLUMN headline_story_index.n_shingles IS 'Number of word 1- and 2-gram shingles.';
COMMENT ON COLUMN headline_story_index.day IS 'Day of first sighting as days since 1970-01-01, -1 when unknown.';
COMMENT ON COLUMN headline_story_index.calendar IS 'Bit mask of the weekdays and dates the headline names.';
COMMENT ON COLUMN headline_story_index.signature IS '128 MinHash values, low 16 bits each, little-endian uint16.';
COMMENT ON TABLE headline_story_bands IS 'LSH buckets of headline_story_index.';
COMMENT ON COLUMN headline_story_bands.key IS 'Hash of one band (3 MinHash values) with its band number.';
COMMENT ON COLUMN headline_story_bands.headline_id IS 'The indexed headline.';
COMMENT ON COLUMN headline_story_bands.day IS 'The headline''s day, as in headline_story_index (lets a batch read only the bands of its time window).';

COMMENT ON TABLE story_index_meta IS 'Settings the story index of each source was built with; a change requires --rebuild.';
COMMENT ON COLUMN story_index_meta.source IS 'articles or headlines.';
COMMENT ON COLUMN story_index_meta.version IS 'Rule and signature settings (detect.Rule.version()).';
COMMENT ON COLUMN story_index_meta.built_at IS 'When the index was last (re)started from scratch.';
