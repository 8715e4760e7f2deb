-- How long each ticker headline stayed on the aggregators' tickers, as observed by the crawls.
-- A crawl sees a snapshot: the true time on the ticker is longer by up to one crawl interval at
-- each end, and a headline seen on the first or last crawl day may have lived outside the
-- collection window (censored). Per-headline figures come from headline_spans (analysis/rollups.py)
-- while rollups_fresh(), else from every sighting.
CREATE OR REPLACE VIEW headline_lifespans AS
WITH seen AS (
    SELECT s.headline_id, s.document_id, s.position, s.seen_at, d.site
    FROM sightings s JOIN documents d ON d.document_id = s.document_id
    WHERE NOT rollups_fresh()
),
window_days AS (
    SELECT CAST(min(seen_at) AS DATE) AS first_day, CAST(max(seen_at) AS DATE) AS last_day FROM sightings
),
per_headline AS (
    SELECT headline_id,
           min(seen_at) AS first_seen,
           max(seen_at) AS last_seen,
           count(DISTINCT CAST(seen_at AS DATE)) AS days_on_ticker,
           count(DISTINCT document_id) AS n_pages,
           count(*) AS n_sightings,
           min(position) AS best_position,
           list(DISTINCT site ORDER BY site) FILTER (WHERE site IS NOT NULL) AS sites
    FROM seen
    GROUP BY headline_id
    UNION ALL
    SELECT headline_id, first_seen, last_seen, days_on_ticker, n_pages, n_sightings, best_position, sites
    FROM headline_spans
    WHERE rollups_fresh()
),
final AS (
    SELECT h.headline_id, h.text, h.lang, p.first_seen, p.last_seen,
           epoch(p.last_seen - p.first_seen) / 86400.0 AS span_days,
           p.days_on_ticker, p.n_pages, p.n_sightings, p.best_position,
           coalesce(p.sites, []) AS sites,
           (CAST(p.first_seen AS DATE) = w.first_day OR CAST(p.last_seen AS DATE) = w.last_day) AS censored
    FROM headlines h
    JOIN per_headline p ON p.headline_id = h.headline_id
    CROSS JOIN window_days w
)
SELECT * FROM final;

COMMENT ON VIEW headline_lifespans IS 'One row per ticker headline: when it was first and last seen, on how many days and pages, at which best position (observed by the crawls: a lower bound of its true time on the ticker).';
COMMENT ON COLUMN headline_lifespans.headline_id IS 'The headline (headlines.headline_id).';
COMMENT ON COLUMN headline_lifespans.text IS 'Headline text as first seen.';
COMMENT ON COLUMN headline_lifespans.lang IS 'Detected language: fr, en, es or ar.';
COMMENT ON COLUMN headline_lifespans.first_seen IS 'Crawl time of the first page that showed it; NULL when no sighting has a known time.';
COMMENT ON COLUMN headline_lifespans.last_seen IS 'Crawl time of the last page that showed it.';
COMMENT ON COLUMN headline_lifespans.span_days IS 'last_seen - first_seen in days (fractional); 0 when seen by one crawl only; NULL when undated.';
COMMENT ON COLUMN headline_lifespans.days_on_ticker IS 'Distinct UTC calendar days with at least one dated sighting.';
COMMENT ON COLUMN headline_lifespans.n_pages IS 'Distinct pages (documents) whose ticker showed it.';
COMMENT ON COLUMN headline_lifespans.n_sightings IS 'Ticker slots that showed it (a page can show it once).';
COMMENT ON COLUMN headline_lifespans.best_position IS 'Highest place it reached on a ticker (1 = first item).';
COMMENT ON COLUMN headline_lifespans.sites IS 'Aggregator sites whose tickers showed it, sorted (empty when the sites are unknown).';
COMMENT ON COLUMN headline_lifespans.censored IS 'True when first or last seen on the first or last crawl day of the whole collection: its lifespan may extend beyond what was collected. NULL when undated.';
