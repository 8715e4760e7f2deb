-- Monthly entity frequencies over articles, counted in placements (every stored article) so the
-- view needs no other stage; the Python function entity_frequencies() adds stories, weeks/days,
-- groups and headlines. The incomplete flag follows analysis/trends.py (first or last month of
-- the data, or fewer than 0.25 x the median month). Counts come from rollup_periods
-- (analysis/rollups.py) while rollups_fresh(), else from every mention.
CREATE OR REPLACE VIEW entity_frequencies AS
WITH docs AS (
    SELECT article_id, CAST(date_trunc('month', published_date) AS DATE) AS period
    FROM articles WHERE published_date IS NOT NULL AND NOT rollups_fresh()
),
rolled AS (
    SELECT period, kind, item, n_placements AS n_documents, n_mentions
    FROM rollup_periods
    WHERE freq = 'month' AND kind IN ('total', 'entity') AND grouped_by = 'none' AND rollups_fresh()
),
totals AS (
    SELECT period, count(*) AS n_period_documents FROM docs GROUP BY period
    UNION ALL
    SELECT period, n_documents FROM rolled WHERE kind = 'total'
),
bounds AS (SELECT min(period) AS lo, max(period) AS hi FROM totals),
med AS (SELECT median(n_period_documents) AS m FROM totals),
counts AS (
    SELECT d.period, m.entity_id, count(DISTINCT m.article_id) AS n_documents, count(*) AS n_mentions
    FROM mentions m JOIN docs d USING (article_id)
    GROUP BY ALL
    UNION ALL
    SELECT period, item, n_documents, n_mentions FROM rolled WHERE kind = 'entity'
),
final AS (
    SELECT c.period, c.entity_id, e.name AS entity, e.type, c.n_documents, c.n_mentions,
           t.n_period_documents, c.n_documents / t.n_period_documents AS share,
           (t.period = b.lo OR t.period = b.hi OR t.n_period_documents < 0.25 * med.m) AS incomplete
    FROM counts c JOIN totals t USING (period) JOIN entities e USING (entity_id)
    CROSS JOIN bounds b CROSS JOIN med
)
SELECT * FROM final;

COMMENT ON VIEW entity_frequencies IS 'Per month and entity: articles mentioning it (placements), mentions, share of the month''s articles, and whether the month is incomplete. For weeks, stories, outlets or languages use analysis.entities.entity_frequencies().';
COMMENT ON COLUMN entity_frequencies.period IS 'First day of the month.';
COMMENT ON COLUMN entity_frequencies.entity_id IS 'The entity (entities.entity_id).';
COMMENT ON COLUMN entity_frequencies.entity IS 'Display name of the entity.';
COMMENT ON COLUMN entity_frequencies.type IS 'PER, ORG, LOC, EVENT or MISC.';
COMMENT ON COLUMN entity_frequencies.n_documents IS 'Articles of the month that mention the entity (placements: every stored copy counts).';
COMMENT ON COLUMN entity_frequencies.n_mentions IS 'Mentions of the entity in those articles (titles and bodies).';
COMMENT ON COLUMN entity_frequencies.n_period_documents IS 'All dated articles of the month.';
COMMENT ON COLUMN entity_frequencies.share IS 'n_documents / n_period_documents.';
COMMENT ON COLUMN entity_frequencies.incomplete IS 'True for the first and last month of the data and for months with fewer than a quarter of the median month''s articles.';
