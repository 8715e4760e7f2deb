-- presswatch core schema: what the loaders write.
-- Invariants live here (keys, NOT NULL, CHECK); every table and column is commented
-- so `presswatch schema` and DuckDB's own catalog explain the database to a person typing SQL.
-- Later stages (entities, topics, stories) add their own files beside this one.
-- Columns added after the first release are also added to older databases below their table
-- (the CHECKs of `documents` are brought up to date by analysis.ingest.supersede.upgrade).

CREATE TABLE IF NOT EXISTS loads (
    load_id        INTEGER PRIMARY KEY,
    started_at     TIMESTAMPTZ NOT NULL,
    finished_at    TIMESTAMPTZ,
    status         VARCHAR NOT NULL CHECK (status IN ('running', 'complete', 'interrupted')),
    arguments      VARCHAR NOT NULL,
    parser_version VARCHAR NOT NULL,
    n_inputs       BIGINT NOT NULL DEFAULT 0 CHECK (n_inputs >= 0),
    n_loaded       BIGINT NOT NULL DEFAULT 0 CHECK (n_loaded >= 0),
    n_duplicates   BIGINT NOT NULL DEFAULT 0 CHECK (n_duplicates >= 0),
    n_rejected     BIGINT NOT NULL DEFAULT 0 CHECK (n_rejected >= 0),
    n_unchanged    BIGINT NOT NULL DEFAULT 0 CHECK (n_unchanged >= 0),
    n_superseded   BIGINT NOT NULL DEFAULT 0 CHECK (n_superseded >= 0)
);

CREATE TABLE IF NOT EXISTS files (
    path      VARCHAR PRIMARY KEY,
    bytes     BIGINT NOT NULL CHECK (bytes >= 0),
    mtime_ns  BIGINT NOT NULL,
    format    VARCHAR,
    n_records BIGINT NOT NULL CHECK (n_records >= 0),
    load_id   INTEGER NOT NULL,
    retry     BOOLEAN NOT NULL DEFAULT false
);

CREATE TABLE IF NOT EXISTS documents (
    document_id    BIGINT PRIMARY KEY,
    path           VARCHAR NOT NULL,
    record         BIGINT NOT NULL DEFAULT 0 CHECK (record >= 0),
    sha256         VARCHAR NOT NULL CHECK (length(sha256) = 64),
    bytes          BIGINT NOT NULL CHECK (bytes >= 0),
    format         VARCHAR NOT NULL CHECK (format IN ('page', 'jsonl', 'csv', 'parquet', 'trec', 'unknown')),
    parser_version VARCHAR NOT NULL,
    load_id        INTEGER NOT NULL,
    status         VARCHAR NOT NULL CHECK (status IN ('loaded', 'duplicate', 'rejected', 'superseded')),
    duplicate_of   BIGINT,
    edition_lang   VARCHAR,
    site           VARCHAR,
    crawled_at     TIMESTAMPTZ,
    n_headlines    INTEGER NOT NULL DEFAULT 0 CHECK (n_headlines >= 0),
    warnings       VARCHAR[] NOT NULL DEFAULT [],
    crawl_source   VARCHAR CHECK (crawl_source IN ('option', 'manifest', 'file_mtime', 'inferred', 'unknown')),
    superseded_by  INTEGER,
    CHECK (status = 'superseded' OR (status = 'duplicate') = (duplicate_of IS NOT NULL)),
    CHECK ((status = 'superseded') = (superseded_by IS NOT NULL)),
    CHECK (crawl_source IS NULL OR format = 'page')
);

CREATE TABLE IF NOT EXISTS articles (
    article_id      BIGINT PRIMARY KEY,
    document_id     BIGINT NOT NULL UNIQUE,
    outlet          VARCHAR,
    outlet_raw      VARCHAR,
    url             VARCHAR,
    url_key         VARCHAR,
    title           VARCHAR,
    body            VARCHAR NOT NULL,
    lang            VARCHAR CHECK (lang IN ('fr', 'en', 'es', 'ar')),
    published_date  DATE,
    published_at    TIMESTAMPTZ,
    published_local TIMESTAMP,
    date_raw        VARCHAR,
    category        VARCHAR,
    related_title   VARCHAR,
    source_id       VARCHAR,
    content_sha256  VARCHAR NOT NULL CHECK (length(content_sha256) = 64),
    CHECK (title IS NOT NULL OR body <> ''),
    CHECK (published_date IS NULL OR date_raw IS NOT NULL)
);

CREATE TABLE IF NOT EXISTS outlets (
    outlet_id VARCHAR PRIMARY KEY,
    name      VARCHAR NOT NULL UNIQUE CHECK (name <> ''),
    country   VARCHAR,
    lang      VARCHAR,
    aliases   VARCHAR[] NOT NULL DEFAULT []
);

CREATE TABLE IF NOT EXISTS headlines (
    headline_id BIGINT PRIMARY KEY,
    text        VARCHAR NOT NULL CHECK (text <> ''),
    lang        VARCHAR CHECK (lang IN ('fr', 'en', 'es', 'ar')),
    first_seen  TIMESTAMPTZ,
    last_seen   TIMESTAMPTZ,
    n_sightings BIGINT NOT NULL CHECK (n_sightings > 0),
    CHECK (first_seen IS NULL OR first_seen <= last_seen)
);

CREATE TABLE IF NOT EXISTS sightings (
    document_id BIGINT NOT NULL,
    headline_id BIGINT NOT NULL,
    position    INTEGER NOT NULL CHECK (position >= 1),
    seen_at     TIMESTAMPTZ,
    seen_source VARCHAR NOT NULL CHECK (seen_source IN ('option', 'manifest', 'file_mtime', 'inferred', 'unknown')),
    CHECK ((seen_at IS NULL) = (seen_source = 'unknown'))
);

CREATE TABLE IF NOT EXISTS rejects (
    path    VARCHAR NOT NULL,
    record  BIGINT,
    reason  VARCHAR NOT NULL,
    detail  VARCHAR,
    load_id INTEGER NOT NULL,
    document_id BIGINT
);

ALTER TABLE loads ADD COLUMN IF NOT EXISTS n_superseded BIGINT DEFAULT 0;
ALTER TABLE files ADD COLUMN IF NOT EXISTS retry BOOLEAN DEFAULT false;
ALTER TABLE articles ADD COLUMN IF NOT EXISTS outlet_raw VARCHAR;

COMMENT ON TABLE loads IS 'One row per `presswatch load` run: when, with which arguments, and how its inputs were accounted for (files found = files read + n_unchanged; n_inputs = n_loaded + n_duplicates + n_rejected). The counts are as the run wrote them: a later run that supersedes a document does not change them.';
COMMENT ON COLUMN loads.load_id IS 'Sequential id of the run.';
COMMENT ON COLUMN loads.started_at IS 'When the run started (UTC).';
COMMENT ON COLUMN loads.finished_at IS 'When the run finished; NULL while running or if it was interrupted.';
COMMENT ON COLUMN loads.status IS 'running, complete, or interrupted (a run that died; its committed batches stay, re-running finishes the job).';
COMMENT ON COLUMN loads.arguments IS 'The command-line arguments of the run, as JSON.';
COMMENT ON COLUMN loads.parser_version IS 'Version of the parsers used by this run.';
COMMENT ON COLUMN loads.n_inputs IS 'Input files or records seen (committed batches only).';
COMMENT ON COLUMN loads.n_loaded IS 'Inputs stored as new documents.';
COMMENT ON COLUMN loads.n_duplicates IS 'Inputs recognised as duplicates of a stored document (same content hash or same article URL).';
COMMENT ON COLUMN loads.n_rejected IS 'Inputs rejected; the reason is in `rejects`.';
COMMENT ON COLUMN loads.n_unchanged IS 'Input files skipped because the same path, size and mtime were loaded before.';
COMMENT ON COLUMN loads.n_superseded IS 'Documents of earlier runs this run superseded: their file changed (or could not be read before) and was read again.';

COMMENT ON TABLE files IS 'Every input file read so far, so a re-run skips files that did not change (same path, size, mtime) without reading them.';
COMMENT ON COLUMN files.path IS 'Absolute path of the input file (a zip archive is one file; its members are documents).';
COMMENT ON COLUMN files.bytes IS 'File size in bytes when it was read (compressed size for .gz/.zip).';
COMMENT ON COLUMN files.mtime_ns IS 'Modification time in nanoseconds when it was read.';
COMMENT ON COLUMN files.format IS 'Formats of the documents it produced, comma-separated (page, trec, jsonl, csv, parquet, unknown).';
COMMENT ON COLUMN files.n_records IS 'Number of documents (records) the file produced, rejected ones included.';
COMMENT ON COLUMN files.load_id IS 'The load that read the file.';
COMMENT ON COLUMN files.retry IS 'True when the file could not be read (e.g. permission denied): the next load reads it again even if it did not change.';

COMMENT ON TABLE documents IS 'One row per input file (page dumps, TREC files) or per record (JSONL/CSV/Parquet exports): loaded, duplicate or rejected.';
COMMENT ON COLUMN documents.document_id IS 'Sequential id.';
COMMENT ON COLUMN documents.path IS 'Input file path (archive.zip!member for zip members).';
COMMENT ON COLUMN documents.record IS 'Record number inside the file, 0 for single-document files (0-based line or row, or <DOC> index).';
COMMENT ON COLUMN documents.sha256 IS 'SHA-256 of the document bytes (a whole file, or the raw record); equal hashes are exact duplicates.';
COMMENT ON COLUMN documents.bytes IS 'Size of the document in bytes.';
COMMENT ON COLUMN documents.format IS 'page, jsonl, csv, parquet, trec, or unknown (rejected).';
COMMENT ON COLUMN documents.parser_version IS 'Version of the parser that read it, e.g. page/1.';
COMMENT ON COLUMN documents.load_id IS 'The load that stored it.';
COMMENT ON COLUMN documents.status IS 'loaded (its content is in articles/sightings), duplicate (see duplicate_of), rejected (see rejects), or superseded (a later version of its file replaced it: its article and sightings were removed; see superseded_by).';
COMMENT ON COLUMN documents.duplicate_of IS 'For duplicates: the stored document it repeats.';
COMMENT ON COLUMN documents.edition_lang IS 'For page dumps: the language of the site edition, from its fixed strings (fr, ar).';
COMMENT ON COLUMN documents.site IS 'Aggregator site (maghress, turess, djazairess, masress, sauress) when known from a manifest URL or the file name.';
COMMENT ON COLUMN documents.crawled_at IS 'When the page was crawled, from --crawled-at, a manifest or file mtime; NULL when unknown or inferred from the ticker (see crawl_source).';
COMMENT ON COLUMN documents.crawl_source IS 'For pages: how the crawl time is known (option, manifest, file_mtime, inferred from ticker dates, or unknown); NULL for other formats.';
COMMENT ON COLUMN documents.superseded_by IS 'For superseded documents: the load that read a new version of the file.';
COMMENT ON COLUMN documents.n_headlines IS 'Number of ticker items on the page (sightings).';
COMMENT ON COLUMN documents.warnings IS 'What the parser could not read (e.g. no_dateline, bad_date, no_title); the rest of the document is kept.';

COMMENT ON TABLE articles IS 'One row per distinct article: from a page dump (its one article) or an export record. Dated by its own dateline, never by the ticker.';
COMMENT ON COLUMN articles.article_id IS 'Sequential id.';
COMMENT ON COLUMN articles.document_id IS 'The document it was read from.';
COMMENT ON COLUMN articles.outlet IS 'Publishing outlet under its canonical name from the outlets table (analysis/data/outlets/outlets.yaml: Jawhara FM for جوهرة أف أم, Sky News Arabia for skynews); an outlet the table does not know as written; NULL when unknown.';
COMMENT ON COLUMN articles.outlet_raw IS 'The outlet as the input wrote it (dateline, TREC <SRC>, export column) or as given by load --outlet; NULL for articles loaded before outlets were normalised.';
COMMENT ON COLUMN articles.url IS 'Article URL as given by the source.';
COMMENT ON COLUMN articles.url_key IS 'Normalised URL used to recognise the same article twice (lower-case host, decoded, no tracking parameters or fragment).';
COMMENT ON COLUMN articles.title IS 'Title; NULL when the source had none (never invented).';
COMMENT ON COLUMN articles.body IS 'Body text, one paragraph per line.';
COMMENT ON COLUMN articles.lang IS 'Detected language: fr, en, es or ar.';
COMMENT ON COLUMN articles.published_date IS 'Publication date as printed by the outlet; NULL when unreadable (see date_raw).';
COMMENT ON COLUMN articles.published_at IS 'Publication instant, only when the source gave a time with a UTC offset.';
COMMENT ON COLUMN articles.published_local IS 'Publication wall-clock time as printed, when the source gave a time.';
COMMENT ON COLUMN articles.date_raw IS 'The date string exactly as found in the source.';
COMMENT ON COLUMN articles.category IS 'The source''s own section or category, when it has one (e.g. TREC <CAT>).';
COMMENT ON COLUMN articles.related_title IS 'Page dumps: the sidebar link title shown above the article (another article).';
COMMENT ON COLUMN articles.source_id IS 'The source''s own id for the article when it has one (TREC DOCNO, an export''s id column).';
COMMENT ON COLUMN articles.content_sha256 IS 'SHA-256 of the normalised outlet, title and body; equal values are the same article (the same text from another outlet is another placement).';

COMMENT ON TABLE outlets IS 'The outlets table (analysis/data/outlets/outlets.yaml) as the last load read it: join articles.outlet to name for an outlet''s country and language.';
COMMENT ON COLUMN outlets.outlet_id IS 'Stable id of the outlet (e.g. jawhara-fm).';
COMMENT ON COLUMN outlets.name IS 'Display name, the value articles.outlet holds for this outlet.';
COMMENT ON COLUMN outlets.country IS 'ISO 3166 country code; NULL when several papers of different countries share the name.';
COMMENT ON COLUMN outlets.lang IS 'Main language of publication (fr, ar, en, es).';
COMMENT ON COLUMN outlets.aliases IS 'Other spellings and codes that load as this outlet (matched ignoring case, accents, Arabic letter forms, spaces and punctuation).';

COMMENT ON TABLE headlines IS 'One row per distinct normalised ticker headline, dated by when pages showing it were crawled.';
COMMENT ON COLUMN headlines.headline_id IS 'Stable id derived from the normalised text (the same headline gets the same id in every database).';
COMMENT ON COLUMN headlines.text IS 'Headline text (whitespace collapsed) as first seen.';
COMMENT ON COLUMN headlines.lang IS 'Detected language: fr, en, es or ar.';
COMMENT ON COLUMN headlines.first_seen IS 'Earliest known sighting time (NULL if no sighting has a known time).';
COMMENT ON COLUMN headlines.last_seen IS 'Latest known sighting time.';
COMMENT ON COLUMN headlines.n_sightings IS 'Number of ticker slots that showed it.';

COMMENT ON TABLE sightings IS 'Which page showed which headline, where in its ticker, and when.';
COMMENT ON COLUMN sightings.document_id IS 'The page (document) whose ticker showed it.';
COMMENT ON COLUMN sightings.headline_id IS 'The headline.';
COMMENT ON COLUMN sightings.position IS '1-based position among the non-empty ticker items of the page.';
COMMENT ON COLUMN sightings.seen_at IS 'Crawl time of the page; NULL when unknown.';
COMMENT ON COLUMN sightings.seen_source IS 'How seen_at was known: option (--crawled-at), manifest, file_mtime, inferred (the day the ticker''s own dates agree on, day precision) or unknown.';

COMMENT ON TABLE rejects IS 'Why an input (file or record) was not loaded.';
COMMENT ON COLUMN rejects.path IS 'Input file.';
COMMENT ON COLUMN rejects.record IS 'Record number inside the file, NULL when the whole file was rejected.';
COMMENT ON COLUMN rejects.reason IS 'Short reason code: empty_file, binary, encoding, too_large, bad_json, bad_csv, bad_parquet, missing_column, unknown_format, not_a_page, empty_record, bad_archive, unreadable.';
COMMENT ON COLUMN rejects.detail IS 'Human-readable detail (the error message, the offending position).';
COMMENT ON COLUMN rejects.load_id IS 'The load that rejected it.';
COMMENT ON COLUMN rejects.document_id IS 'The rejected document row.';
