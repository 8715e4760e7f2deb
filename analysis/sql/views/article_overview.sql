-- One row per article with what an analyst filters on first: date, outlet, language, where it
-- came from, its primary topics and its story. Topic and story columns are NULL/own-story
-- until `presswatch enrich` has run the topics and stories stages.
CREATE OR REPLACE VIEW article_overview AS
WITH taxonomy_primary AS (
    SELECT x.article_id, x.topic_id, t.label, x.score
    FROM article_topics x JOIN topics t ON t.topic_id = x.topic_id
    WHERE x.is_primary AND t.source = 'taxonomy'
    -- the topics stage keeps at most one primary per source; this keeps the view one row per article regardless
    QUALIFY row_number() OVER (PARTITION BY x.article_id ORDER BY x.score DESC, x.topic_id) = 1
),
model_primary AS (
    SELECT x.article_id, x.topic_id, t.label
    FROM article_topics x JOIN topics t ON t.topic_id = x.topic_id
    WHERE x.is_primary AND t.source = 'model'
    QUALIFY row_number() OVER (PARTITION BY x.article_id ORDER BY x.score DESC, x.topic_id) = 1
),
placed AS (
    -- an article the stories stage has not linked yet is its own story (as in analysis.trends)
    SELECT a.article_id, coalesce(s.story_id, a.article_id) AS story_id
    FROM articles a LEFT JOIN article_stories s ON s.article_id = a.article_id
),
final AS (
    SELECT a.article_id, a.published_date, a.outlet, a.lang, a.title, a.category,
           d.format, d.site, length(a.body) AS n_chars,
           tp.topic_id, tp.label AS topic_label, tp.score AS topic_score,
           mp.topic_id AS model_topic_id, mp.label AS model_topic_label,
           p.story_id, count(*) OVER (PARTITION BY p.story_id) AS story_size
    FROM articles a
    JOIN documents d ON d.document_id = a.document_id
    JOIN placed p ON p.article_id = a.article_id
    LEFT JOIN taxonomy_primary tp ON tp.article_id = a.article_id
    LEFT JOIN model_primary mp ON mp.article_id = a.article_id
)
SELECT * FROM final;

COMMENT ON VIEW article_overview IS 'One row per article: date, outlet, language, origin, primary taxonomy and model topic, and story (the first stop for ad-hoc questions).';
COMMENT ON COLUMN article_overview.article_id IS 'The article (articles.article_id).';
COMMENT ON COLUMN article_overview.published_date IS 'Publication date as printed by the outlet; NULL when unreadable.';
COMMENT ON COLUMN article_overview.outlet IS 'Publishing outlet as written; NULL when the source did not say.';
COMMENT ON COLUMN article_overview.lang IS 'Detected language: fr, en, es or ar.';
COMMENT ON COLUMN article_overview.title IS 'Title; NULL when the source had none.';
COMMENT ON COLUMN article_overview.category IS 'The source''s own section or category, when it has one.';
COMMENT ON COLUMN article_overview.format IS 'Input format it was read from: page, trec, jsonl, csv or parquet.';
COMMENT ON COLUMN article_overview.site IS 'Aggregator site for page dumps (maghress, turess, djazairess, masress, …); NULL for exports.';
COMMENT ON COLUMN article_overview.n_chars IS 'Length of the body in characters.';
COMMENT ON COLUMN article_overview.topic_id IS 'Primary taxonomy topic (article_topics.is_primary, topics.source = taxonomy); NULL when none passed the thresholds or topics have not run.';
COMMENT ON COLUMN article_overview.topic_label IS 'English label of topic_id (other languages in topic_labels).';
COMMENT ON COLUMN article_overview.topic_score IS 'Keyword evidence score of topic_id (see article_topics.score).';
COMMENT ON COLUMN article_overview.model_topic_id IS 'Primary topic of the discovery model of the article''s language; NULL before topics have run.';
COMMENT ON COLUMN article_overview.model_topic_label IS 'Top terms of model_topic_id.';
COMMENT ON COLUMN article_overview.story_id IS 'The story this article is a placement of (article_stories.story_id); its own article_id until the stories stage has linked it.';
COMMENT ON COLUMN article_overview.story_size IS 'Number of stored articles (placements) in the story, this one included.';
