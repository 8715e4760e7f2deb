-- Primary-topic shares of articles per week, for both taxonomy and model topics.
-- Counts placements (every stored article); topic_frequencies() in Python also counts stories
-- and fills zero periods. Periods with no article of a topic have no row here. Counts come from
-- rollup_periods (analysis/rollups.py) while rollups_fresh(), else from every topic score.
CREATE OR REPLACE VIEW topic_shares_weekly AS
WITH dated AS (
    SELECT article_id, CAST(date_trunc('week', published_date) AS DATE) AS period
    FROM articles
    WHERE published_date IS NOT NULL AND NOT rollups_fresh()
),
rolled AS (
    SELECT period, kind, item, n_placements AS n
    FROM rollup_periods
    WHERE freq = 'week' AND kind IN ('total', 'primary_topic') AND grouped_by = 'none' AND rollups_fresh()
),
totals AS (
    SELECT period, count(*) AS n_total FROM dated GROUP BY period
    UNION ALL
    SELECT period, n FROM rolled WHERE kind = 'total'
),
counts AS (
    SELECT d.period, t.source, ta.topic_id, t.label, count(*) AS n_articles
    FROM dated d
    JOIN article_topics ta ON ta.article_id = d.article_id AND ta.is_primary
    JOIN topics t ON t.topic_id = ta.topic_id
    GROUP BY ALL
    UNION ALL
    SELECT r.period, t.source, r.item, t.label, r.n
    FROM rolled r JOIN topics t ON t.topic_id = r.item
    WHERE r.kind = 'primary_topic'
),
final AS (
    SELECT c.period, c.source, c.topic_id, c.label, c.n_articles, tt.n_total,
           c.n_articles / tt.n_total AS share
    FROM counts c JOIN totals tt USING (period)
)
SELECT * FROM final ORDER BY period, source, topic_id;

COMMENT ON VIEW topic_shares_weekly IS 'Share of articles per week whose primary topic is each topic (placements: every stored copy counts; use topic_frequencies() for stories).';
COMMENT ON COLUMN topic_shares_weekly.period IS 'First day of the week.';
COMMENT ON COLUMN topic_shares_weekly.source IS 'taxonomy or model.';
COMMENT ON COLUMN topic_shares_weekly.topic_id IS 'The topic.';
COMMENT ON COLUMN topic_shares_weekly.label IS 'Its label.';
COMMENT ON COLUMN topic_shares_weekly.n_articles IS 'Dated articles of the week with this primary topic.';
COMMENT ON COLUMN topic_shares_weekly.n_total IS 'All dated articles of the week.';
COMMENT ON COLUMN topic_shares_weekly.share IS 'n_articles / n_total.';
