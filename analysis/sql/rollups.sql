-- presswatch rollups: daily counts that frequencies and views read instead of every mention
-- and sighting. Written by the `rollups` enrichment stage (analysis/rollups.py), which runs
-- after stories, topics and entities. Applied after the stages' own files: rollups_fresh()
-- reads their tables. A count is only used while rollups_fresh() is true; otherwise the
-- readers compute from the raw tables, so a stale rollup is slow, never wrong.

CREATE TABLE IF NOT EXISTS rollup_days (
    kind          VARCHAR NOT NULL CHECK (kind IN ('total', 'entity', 'topic', 'primary_topic')),
    item          VARCHAR NOT NULL,
    grouped_by    VARCHAR NOT NULL CHECK (grouped_by IN ('none', 'lang', 'outlet')),
    grp           VARCHAR,
    day           DATE NOT NULL,
    n_placements  BIGINT NOT NULL CHECK (n_placements > 0),
    n_mentions    BIGINT NOT NULL CHECK (n_mentions >= 0),
    n_day_stories BIGINT NOT NULL CHECK (n_day_stories >= 0 AND n_day_stories <= n_placements),
    CHECK (grouped_by <> 'none' OR grp IS NULL),
    CHECK ((kind = 'total') = (item = ''))
);

-- Stories whose placements (of one item and group) fall on several days: a distinct count
-- over a week or a month cannot add daily counts for them, so their days are kept.
CREATE TABLE IF NOT EXISTS rollup_story_days (
    kind       VARCHAR NOT NULL CHECK (kind IN ('total', 'entity', 'topic', 'primary_topic')),
    item       VARCHAR NOT NULL,
    grouped_by VARCHAR NOT NULL CHECK (grouped_by IN ('none', 'lang', 'outlet')),
    grp        VARCHAR,
    day        DATE NOT NULL,
    story_id   BIGINT NOT NULL
);

-- Whole weeks and months, summed from the two tables above when they are built: a question over
-- whole periods reads these, and only the days of a period cut by its window are summed at ask time.
CREATE TABLE IF NOT EXISTS rollup_periods (
    kind         VARCHAR NOT NULL CHECK (kind IN ('total', 'entity', 'topic', 'primary_topic')),
    item         VARCHAR NOT NULL,
    grouped_by   VARCHAR NOT NULL CHECK (grouped_by IN ('none', 'lang', 'outlet')),
    grp          VARCHAR,
    freq         VARCHAR NOT NULL CHECK (freq IN ('week', 'month')),
    period       DATE NOT NULL,
    n_placements BIGINT NOT NULL CHECK (n_placements > 0),
    n_mentions   BIGINT NOT NULL CHECK (n_mentions >= 0),
    n_stories    BIGINT NOT NULL CHECK (n_stories > 0 AND n_stories <= n_placements),
    CHECK (grouped_by <> 'none' OR grp IS NULL),
    CHECK ((kind = 'total') = (item = '')),
    CHECK (period = date_trunc(freq, period))
);

-- No primary key: DuckDB keeps a key's index in memory, and this table has a row per headline.
CREATE TABLE IF NOT EXISTS headline_spans (
    headline_id    BIGINT NOT NULL,
    first_seen     TIMESTAMPTZ,
    last_seen      TIMESTAMPTZ,
    days_on_ticker BIGINT NOT NULL CHECK (days_on_ticker >= 0),
    n_pages        BIGINT NOT NULL CHECK (n_pages >= 1),
    n_sightings    BIGINT NOT NULL CHECK (n_sightings >= 1),
    best_position  INTEGER NOT NULL CHECK (best_position >= 1),
    sites          VARCHAR[]
);

CREATE TABLE IF NOT EXISTS rollup_state (
    id                INTEGER PRIMARY KEY CHECK (id = 1),
    built_at          TIMESTAMPTZ NOT NULL,
    valid             BOOLEAN NOT NULL,
    n_articles        BIGINT NOT NULL,
    max_article_id    BIGINT,
    n_article_stories BIGINT NOT NULL,
    n_mentions        BIGINT NOT NULL,
    n_article_topics  BIGINT NOT NULL,
    n_headlines       BIGINT NOT NULL,
    n_sightings       BIGINT NOT NULL,
    layout            INTEGER,
    max_document_id   BIGINT,
    sightings_print   HUGEINT
);
-- Rollups built before a table was added to them lack it: rollups_fresh() wants the layout now.
ALTER TABLE rollup_state ADD COLUMN IF NOT EXISTS layout INTEGER;
ALTER TABLE rollup_state ADD COLUMN IF NOT EXISTS max_document_id BIGINT;
ALTER TABLE rollup_state ADD COLUMN IF NOT EXISTS sightings_print HUGEINT;

-- What each day's counts were computed from (analysis.rollup_changes): the next build
-- recomputes only the days whose print differs. No primary key: a build deletes and inserts
-- every day in one transaction.
CREATE TABLE IF NOT EXISTS rollup_day_prints (
    day   DATE NOT NULL,
    print HUGEINT NOT NULL
);

-- Writers mark the rollups invalid (analysis.rollups.invalidate); the counts catch a writer that
-- did not. count(*) and max() of a column are answered from DuckDB's table statistics.
-- layout = 3 is analysis.rollups.LAYOUT (the tables this file defines).
-- SET VARIABLE rollups_off = true makes one connection compute from the raw tables (to compare).
-- (Joined rather than compared to scalar subqueries: DuckDB plans those far slower.)
CREATE OR REPLACE MACRO rollups_fresh() AS (
    SELECT coalesce(any_value(
        s.valid AND NOT coalesce(getvariable('rollups_off'), false) AND s.layout = 3
        AND s.n_articles = a.n AND s.max_article_id IS NOT DISTINCT FROM a.max_id
        AND s.n_article_stories = st.n AND s.n_mentions = m.n AND s.n_article_topics = t.n
        AND s.n_headlines = h.n AND s.n_sightings = g.n), false)
    FROM rollup_state s,
         (SELECT count(*) AS n, max(article_id) AS max_id FROM articles) a,
         (SELECT count(*) AS n FROM article_stories) st,
         (SELECT count(*) AS n FROM mentions) m,
         (SELECT count(*) AS n FROM article_topics) t,
         (SELECT count(*) AS n FROM headlines) h,
         (SELECT count(*) AS n FROM sightings) g
);

COMMENT ON TABLE rollup_days IS 'Dated articles counted per day, group and item (all articles, an entity, a topic), for frequencies over any period without reading every mention. Used only while rollups_fresh() is true.';
COMMENT ON COLUMN rollup_days.kind IS 'total (all dated articles; item is empty), entity (articles mentioning item), topic (articles with topic item, primary or not) or primary_topic (articles whose primary topic is item).';
COMMENT ON COLUMN rollup_days.item IS 'entities.entity_id or topics.topic_id; empty for totals.';
COMMENT ON COLUMN rollup_days.grouped_by IS 'none, lang or outlet: which article column grp holds. Each grouping is counted apart, since a story can run in several outlets.';
COMMENT ON COLUMN rollup_days.grp IS 'The article language or outlet (NULL when unknown, and always NULL for grouped_by = none).';
COMMENT ON COLUMN rollup_days.day IS 'Publication date.';
COMMENT ON COLUMN rollup_days.n_placements IS 'Articles of the day (every stored copy counts).';
COMMENT ON COLUMN rollup_days.n_mentions IS 'Mentions of the entity in those articles (0 for other kinds).';
COMMENT ON COLUMN rollup_days.n_day_stories IS 'Stories whose articles of this item and group all fall on this day; stories spread over several days are in rollup_story_days.';

COMMENT ON TABLE rollup_story_days IS 'Stories whose articles of one item and group fall on several days, one row per day: counted distinctly over a period, beside rollup_days.n_day_stories.';
COMMENT ON COLUMN rollup_story_days.kind IS 'As rollup_days.kind.';
COMMENT ON COLUMN rollup_story_days.item IS 'As rollup_days.item.';
COMMENT ON COLUMN rollup_story_days.grouped_by IS 'As rollup_days.grouped_by.';
COMMENT ON COLUMN rollup_story_days.grp IS 'As rollup_days.grp.';
COMMENT ON COLUMN rollup_story_days.day IS 'A publication date of one of the story''s articles.';
COMMENT ON COLUMN rollup_story_days.story_id IS 'The story (article_stories.story_id; minus the article_id for an article not linked yet).';

COMMENT ON TABLE rollup_periods IS 'rollup_days and rollup_story_days summed over whole weeks and months: a frequency over whole periods reads one row per period, group and item. Used only while rollups_fresh() is true.';
COMMENT ON COLUMN rollup_periods.kind IS 'As rollup_days.kind.';
COMMENT ON COLUMN rollup_periods.item IS 'As rollup_days.item.';
COMMENT ON COLUMN rollup_periods.grouped_by IS 'As rollup_days.grouped_by.';
COMMENT ON COLUMN rollup_periods.grp IS 'As rollup_days.grp.';
COMMENT ON COLUMN rollup_periods.freq IS 'week (weeks start on Monday) or month.';
COMMENT ON COLUMN rollup_periods.period IS 'First day of the week or month.';
COMMENT ON COLUMN rollup_periods.n_placements IS 'Articles of the period.';
COMMENT ON COLUMN rollup_periods.n_mentions IS 'Mentions of the entity in those articles (0 for other kinds).';
COMMENT ON COLUMN rollup_periods.n_stories IS 'Distinct stories of those articles (an article not linked to a story is its own).';

COMMENT ON TABLE headline_spans IS 'Per ticker headline, what the headline_lifespans view computes from every sighting. Used only while rollups_fresh() is true.';
COMMENT ON COLUMN headline_spans.headline_id IS 'The headline.';
COMMENT ON COLUMN headline_spans.first_seen IS 'Earliest sighting time (NULL when no sighting has a known time).';
COMMENT ON COLUMN headline_spans.last_seen IS 'Latest sighting time.';
COMMENT ON COLUMN headline_spans.days_on_ticker IS 'Distinct UTC days with a dated sighting.';
COMMENT ON COLUMN headline_spans.n_pages IS 'Distinct pages whose ticker showed it.';
COMMENT ON COLUMN headline_spans.n_sightings IS 'Ticker slots that showed it.';
COMMENT ON COLUMN headline_spans.best_position IS 'Highest ticker place (1 = first item).';
COMMENT ON COLUMN headline_spans.sites IS 'Aggregator sites that showed it, sorted; NULL when none is known.';

COMMENT ON TABLE rollup_state IS 'When the rollups were built and the size of their input tables then: rollups_fresh() compares these with the tables now.';
COMMENT ON COLUMN rollup_state.id IS 'Always 1 (one row).';
COMMENT ON COLUMN rollup_state.built_at IS 'When the rollups stage built them.';
COMMENT ON COLUMN rollup_state.valid IS 'False once a load, unload or another enrichment stage changed their inputs (until the rollups stage runs again).';
COMMENT ON COLUMN rollup_state.n_articles IS 'count(*) of articles when built.';
COMMENT ON COLUMN rollup_state.max_article_id IS 'max(article_id) when built (a file read again replaces an article by a newer id).';
COMMENT ON COLUMN rollup_state.n_article_stories IS 'count(*) of article_stories when built.';
COMMENT ON COLUMN rollup_state.n_mentions IS 'count(*) of mentions when built.';
COMMENT ON COLUMN rollup_state.n_article_topics IS 'count(*) of article_topics when built.';
COMMENT ON COLUMN rollup_state.n_headlines IS 'count(*) of headlines when built.';
COMMENT ON COLUMN rollup_state.n_sightings IS 'count(*) of sightings when built.';
COMMENT ON COLUMN rollup_state.max_document_id IS 'max(document_id) of documents when built: sightings of newer documents are the ones added since.';
COMMENT ON COLUMN rollup_state.sightings_print IS 'Sum of hashes of every sighting and document up to max_document_id when built: unchanged, the sightings only grew since.';
COMMENT ON COLUMN rollup_state.layout IS 'Which tables the build wrote (analysis.rollups.LAYOUT); rollups of another layout are not used.';

COMMENT ON TABLE rollup_day_prints IS 'Per publication day, a hash of what its rollup rows were computed from (its articles, their mentions, topics, stories and those stories'' other articles): the rollups stage recomputes only the days whose print changed.';
COMMENT ON COLUMN rollup_day_prints.day IS 'Publication date.';
COMMENT ON COLUMN rollup_day_prints.print IS 'Sum of 64-bit hashes, one per article of the day (analysis.rollup_changes).';
