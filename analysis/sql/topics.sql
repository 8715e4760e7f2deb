-- presswatch topics: taxonomy scores, discovery models, and what each article/headline is about.
-- Written by the `topics` enrichment stage (analysis/topics/stage.py). Idempotent.

CREATE TABLE IF NOT EXISTS topics (
    topic_id VARCHAR PRIMARY KEY CHECK (topic_id <> ''),
    label    VARCHAR NOT NULL,
    source   VARCHAR NOT NULL CHECK (source IN ('taxonomy', 'model')),
    lang     VARCHAR CHECK (lang IS NULL OR lang IN ('fr', 'en', 'es', 'ar')),
    model_id VARCHAR,
    position INTEGER NOT NULL CHECK (position >= 0),
    CHECK ((source = 'model') = (model_id IS NOT NULL))
);

CREATE TABLE IF NOT EXISTS topic_labels (
    topic_id VARCHAR NOT NULL,
    lang     VARCHAR NOT NULL CHECK (lang IN ('fr', 'en', 'es', 'ar')),
    label    VARCHAR NOT NULL,
    PRIMARY KEY (topic_id, lang)
);

-- No primary key on the two score tables: at a million pages article_topics holds ~16M rows,
-- and DuckDB keeps a key's index in memory; deleting a rebuild's old scores under the stage's
-- 512 MB cap ran out of memory (bench/README.md). One row per (document, topic) is the
-- stage's own guarantee: a document is written only while it has no topic_scored row, in the
-- transaction that adds that row, and its old rows go first (topics.stage._forget for the
-- taxonomy, modelstore._delete_language for a refit); tests/test_topics_stage.py checks it.
-- Databases created before keep the key.
CREATE TABLE IF NOT EXISTS article_topics (
    article_id BIGINT NOT NULL,
    topic_id   VARCHAR NOT NULL,
    score      DOUBLE NOT NULL CHECK (score >= 0),
    is_primary BOOLEAN NOT NULL
);

CREATE TABLE IF NOT EXISTS headline_topics (
    headline_id BIGINT NOT NULL,
    topic_id    VARCHAR NOT NULL,
    score       DOUBLE NOT NULL CHECK (score >= 0),
    is_primary  BOOLEAN NOT NULL
);

CREATE TABLE IF NOT EXISTS topic_scored (
    kind      VARCHAR NOT NULL CHECK (kind IN ('article', 'headline', 'model')),
    doc_id    BIGINT NOT NULL,
    version   VARCHAR NOT NULL,
    scored_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (kind, doc_id)
);

CREATE TABLE IF NOT EXISTS topic_models (
    model_id      VARCHAR PRIMARY KEY,
    lang          VARCHAR NOT NULL UNIQUE CHECK (lang IN ('fr', 'en', 'es', 'ar')),
    method        VARCHAR NOT NULL,
    n_topics      INTEGER NOT NULL CHECK (n_topics > 0),
    n_documents   BIGINT NOT NULL CHECK (n_documents > 0),
    n_fitted      BIGINT NOT NULL CHECK (n_fitted > 0 AND n_fitted <= n_documents),
    n_terms       INTEGER NOT NULL CHECK (n_terms > 0),
    params        JSON NOT NULL,
    input_key     VARCHAR NOT NULL,
    reconstruction_error DOUBLE,
    seconds       DOUBLE NOT NULL CHECK (seconds >= 0),
    fitted_at     TIMESTAMPTZ NOT NULL,
    state         BLOB NOT NULL
);

CREATE TABLE IF NOT EXISTS topic_terms (
    topic_id VARCHAR NOT NULL,
    rank     INTEGER NOT NULL CHECK (rank >= 1),
    term     VARCHAR NOT NULL,
    key      VARCHAR NOT NULL,
    weight   DOUBLE NOT NULL CHECK (weight >= 0),
    PRIMARY KEY (topic_id, rank)
);

CREATE TABLE IF NOT EXISTS topic_examples (
    topic_id   VARCHAR NOT NULL,
    rank       INTEGER NOT NULL CHECK (rank >= 1),
    article_id BIGINT NOT NULL,
    weight     DOUBLE NOT NULL CHECK (weight >= 0),
    PRIMARY KEY (topic_id, rank)
);

COMMENT ON TABLE topics IS 'Every topic: the reviewed taxonomy (analysis/data/topics/) and the themes found by the discovery model of each language.';
COMMENT ON COLUMN topics.topic_id IS 'Stable key: the taxonomy id (e.g. football, sahara) or model:<lang>:<nn> for a discovery topic.';
COMMENT ON COLUMN topics.label IS 'English label (taxonomy) or the top three terms (model); other languages in topic_labels.';
COMMENT ON COLUMN topics.source IS 'taxonomy (hand-made keywords) or model (unsupervised NMF discovery).';
COMMENT ON COLUMN topics.lang IS 'Model topics: the language of the model; NULL for the multilingual taxonomy.';
COMMENT ON COLUMN topics.model_id IS 'Model topics: the fit in topic_models that produced it; NULL for the taxonomy.';
COMMENT ON COLUMN topics.position IS 'Display order (taxonomy file order, or model component number).';

COMMENT ON TABLE topic_labels IS 'Taxonomy topic labels in fr, ar, en and es (for charts and reports in the reader''s language).';
COMMENT ON COLUMN topic_labels.topic_id IS 'The topic.';
COMMENT ON COLUMN topic_labels.lang IS 'Language of the label.';
COMMENT ON COLUMN topic_labels.label IS 'The label.';

COMMENT ON TABLE article_topics IS 'What each article is about: taxonomy scores (every topic scoring at least store_min_score) and its discovery-model topics; at most one primary topic per article and source.';
COMMENT ON COLUMN article_topics.article_id IS 'The article.';
COMMENT ON COLUMN article_topics.topic_id IS 'The topic (see topics.source for taxonomy or model).';
COMMENT ON COLUMN article_topics.score IS 'Taxonomy: keyword evidence, sum of weight x (1 + ln count), title occurrences counted twice. Model: share of the article''s NMF weight on this topic (0..1).';
COMMENT ON COLUMN article_topics.is_primary IS 'True for the article''s primary topic: taxonomy when its score passes min_score and min_share (topics.yaml), model for the largest component.';

COMMENT ON TABLE headline_topics IS 'Taxonomy topic scores of ticker headlines (headline thresholds of topics.yaml; no model topics).';
COMMENT ON COLUMN headline_topics.headline_id IS 'The headline.';
COMMENT ON COLUMN headline_topics.topic_id IS 'The taxonomy topic.';
COMMENT ON COLUMN headline_topics.score IS 'Keyword evidence, sum of weight x (1 + ln count).';
COMMENT ON COLUMN headline_topics.is_primary IS 'True for the headline''s primary topic (at most one).';

COMMENT ON TABLE topic_scored IS 'What the topics stage has processed: articles and headlines by the taxonomy scorer (with the taxonomy version: a changed taxonomy file means a rescore) and articles by the discovery model of their language.';
COMMENT ON COLUMN topic_scored.kind IS 'article or headline (taxonomy), model (discovery topics of an article).';
COMMENT ON COLUMN topic_scored.doc_id IS 'article_id or headline_id.';
COMMENT ON COLUMN topic_scored.version IS 'Hash of the taxonomy files (article, headline) or the model_id (model).';
COMMENT ON COLUMN topic_scored.scored_at IS 'When it was scored (UTC).';

COMMENT ON TABLE topic_models IS 'The discovery model of each language (TF-IDF on lemmas + NMF, fixed seed): how it was fitted, so a report can say which model it used.';
COMMENT ON COLUMN topic_models.model_id IS 'nmf-<lang>-<hash of parameters and input>.';
COMMENT ON COLUMN topic_models.lang IS 'Language of the articles it models (one current model per language).';
COMMENT ON COLUMN topic_models.method IS 'NMF (full batch) or MiniBatchNMF (large corpora), from scikit-learn.';
COMMENT ON COLUMN topic_models.n_topics IS 'Number of components.';
COMMENT ON COLUMN topic_models.n_documents IS 'Articles of the language when fitted (all of them get model topics).';
COMMENT ON COLUMN topic_models.n_fitted IS 'Articles the model was fitted on (a deterministic sample when the language has more than max_fit_documents).';
COMMENT ON COLUMN topic_models.n_terms IS 'Vocabulary size (lemma keys) after document-frequency filtering.';
COMMENT ON COLUMN topic_models.params IS 'Every parameter of the fit as JSON (vectoriser, NMF, seed, library versions).';
COMMENT ON COLUMN topic_models.input_key IS 'Fingerprint of the articles it was fitted on; enrichment refits when it changes.';
COMMENT ON COLUMN topic_models.reconstruction_error IS 'Frobenius reconstruction error reported by scikit-learn.';
COMMENT ON COLUMN topic_models.seconds IS 'Fit time in seconds.';
COMMENT ON COLUMN topic_models.fitted_at IS 'When it was fitted (UTC).';
COMMENT ON COLUMN topic_models.state IS 'The fitted model as a NumPy .npz archive (vocabulary keys, idf, NMF components; no pickle), so new articles get topics without a refit.';

COMMENT ON TABLE topic_terms IS 'Top terms of each discovery topic, most important first.';
COMMENT ON COLUMN topic_terms.topic_id IS 'The model topic.';
COMMENT ON COLUMN topic_terms.rank IS '1 = the heaviest term.';
COMMENT ON COLUMN topic_terms.term IS 'The term as most often written in the articles.';
COMMENT ON COLUMN topic_terms.key IS 'The lemma/stem key the model used.';
COMMENT ON COLUMN topic_terms.weight IS 'Its weight in the NMF component.';

COMMENT ON TABLE topic_examples IS 'Representative articles of each discovery topic (highest topic weight first).';
COMMENT ON COLUMN topic_examples.topic_id IS 'The model topic.';
COMMENT ON COLUMN topic_examples.rank IS '1 = most representative.';
COMMENT ON COLUMN topic_examples.article_id IS 'The article.';
COMMENT ON COLUMN topic_examples.weight IS 'The article''s normalised weight on the topic (0..1).';
