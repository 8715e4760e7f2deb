-- Entity pairs named in the same article (placements), with pointwise mutual information.
-- The Python function entity_cooccurrence() adds stories, date windows and filters.
CREATE OR REPLACE VIEW entity_cooccurrence AS
WITH ea AS (SELECT DISTINCT article_id, entity_id FROM mentions WHERE article_id IS NOT NULL),
total AS (SELECT count(*) AS n FROM articles),
ne AS (SELECT entity_id, count(*) AS n_e FROM ea GROUP BY entity_id),
pairs AS (
    SELECT a.entity_id AS entity_a, b.entity_id AS entity_b, count(*) AS n_together
    FROM ea a JOIN ea b ON a.article_id = b.article_id AND a.entity_id < b.entity_id
    GROUP BY ALL HAVING count(*) >= 2
),
final AS (
    SELECT p.entity_a, x.name AS name_a, p.entity_b, y.name AS name_b, p.n_together,
           na.n_e AS n_a, nb.n_e AS n_b, t.n AS n_documents,
           log2(p.n_together * t.n / (na.n_e * nb.n_e)) AS pmi
    FROM pairs p CROSS JOIN total t
    JOIN ne na ON na.entity_id = p.entity_a JOIN ne nb ON nb.entity_id = p.entity_b
    JOIN entities x ON x.entity_id = p.entity_a JOIN entities y ON y.entity_id = p.entity_b
)
SELECT * FROM final;

COMMENT ON VIEW entity_cooccurrence IS 'Entity pairs named together in at least two articles: n_together, n_a, n_b, n_documents (all articles) and PMI = log2(n_together * n_documents / (n_a * n_b)).';
COMMENT ON COLUMN entity_cooccurrence.entity_a IS 'First entity of the pair (the smaller id).';
COMMENT ON COLUMN entity_cooccurrence.name_a IS 'Display name of entity_a.';
COMMENT ON COLUMN entity_cooccurrence.entity_b IS 'Second entity of the pair.';
COMMENT ON COLUMN entity_cooccurrence.name_b IS 'Display name of entity_b.';
COMMENT ON COLUMN entity_cooccurrence.n_together IS 'Articles naming both (at least 2).';
COMMENT ON COLUMN entity_cooccurrence.n_a IS 'Articles naming entity_a.';
COMMENT ON COLUMN entity_cooccurrence.n_b IS 'Articles naming entity_b.';
COMMENT ON COLUMN entity_cooccurrence.n_documents IS 'All stored articles.';
COMMENT ON COLUMN entity_cooccurrence.pmi IS 'Pointwise mutual information, log2(n_together * n_documents / (n_a * n_b)); > 0 means named together more often than chance.';
