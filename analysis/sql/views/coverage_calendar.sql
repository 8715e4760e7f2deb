-- What was collected, day by day, with the zeros: tells "no news" from "no data".
-- Articles count by the outlet's own publication date; pages by the UTC day they were crawled
-- (pages carry the tickers, so a site with 0 pages on a day has no ticker data for it).
CREATE OR REPLACE VIEW coverage_calendar AS
WITH counted AS (
    SELECT 'articles' AS kind, outlet AS source, published_date AS day, count(*) AS n
    FROM articles
    WHERE published_date IS NOT NULL
    GROUP BY ALL
    UNION ALL
    SELECT 'pages', coalesce(site, 'unknown') || '/' || coalesce(edition_lang, 'unknown'),
           CAST(crawled_at AS DATE), count(*)
    FROM documents
    WHERE format = 'page' AND status IN ('loaded', 'duplicate') AND crawled_at IS NOT NULL
    GROUP BY ALL
),
spans AS (
    SELECT kind, source, min(day) AS first_day, max(day) AS last_day FROM counted GROUP BY ALL
),
ranges AS (
    SELECT kind, min(day) AS lo, max(day) AS hi FROM counted GROUP BY kind
),
days AS (
    SELECT r.kind, CAST(g.day AS DATE) AS day
    FROM ranges r, LATERAL range(r.lo, r.hi + INTERVAL 1 DAY, INTERVAL 1 DAY) AS g(day)
),
final AS (
    SELECT d.day, s.kind, s.source, coalesce(c.n, 0) AS n_documents,
           d.day BETWEEN s.first_day AND s.last_day AS in_span
    FROM spans s
    JOIN days d ON d.kind = s.kind
    LEFT JOIN counted c ON c.kind = s.kind AND c.source IS NOT DISTINCT FROM s.source AND c.day = d.day
)
SELECT * FROM final;

COMMENT ON VIEW coverage_calendar IS 'Documents collected per source per day, zero days included, over the whole date range of each kind: a 0 inside the source''s span is a day without documents, a day outside it has no data for that source.';
COMMENT ON COLUMN coverage_calendar.day IS 'Calendar day: publication date for articles, UTC crawl date for pages.';
COMMENT ON COLUMN coverage_calendar.kind IS 'articles (by outlet and publication date) or pages (page dumps by site/edition and crawl date; they carry the tickers).';
COMMENT ON COLUMN coverage_calendar.source IS 'articles: the outlet as written (NULL when unknown); pages: site/edition language, e.g. maghress/fr (unknown when not known).';
COMMENT ON COLUMN coverage_calendar.n_documents IS 'Articles published, or pages crawled, that day (0 when none).';
COMMENT ON COLUMN coverage_calendar.in_span IS 'True between the source''s first and last day with documents; False outside it, where a 0 means no data rather than no news.';
