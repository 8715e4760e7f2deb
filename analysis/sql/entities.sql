-- Entities stage (issue 3): canonical entities, their names, and every mention found in
-- article titles, bodies and ticker headlines. Written by `presswatch enrich` (stage "entities").
-- Registry rows are rewritten from analysis/data/entities/*.yaml on every run; NER rows are
-- discovered in the text. No foreign keys: the stage rewrites entities and mentions in bulk.

CREATE TABLE IF NOT EXISTS entities (
    entity_id   VARCHAR PRIMARY KEY CHECK (entity_id <> ''),
    name        VARCHAR NOT NULL CHECK (name <> ''),
    type        VARCHAR NOT NULL CHECK (type IN ('PER', 'ORG', 'LOC', 'EVENT', 'MISC')),
    wikidata_id VARCHAR CHECK (wikidata_id IS NULL OR regexp_full_match(wikidata_id, 'Q[1-9][0-9]*')),
    source      VARCHAR NOT NULL CHECK (source IN ('registry', 'ner')),
    name_fr     VARCHAR,
    name_en     VARCHAR,
    name_ar     VARCHAR,
    name_es     VARCHAR,
    CHECK ((source = 'ner') = starts_with(entity_id, 'ner:'))
);

CREATE TABLE IF NOT EXISTS aliases (
    entity_id VARCHAR NOT NULL,
    alias     VARCHAR NOT NULL CHECK (alias <> ''),
    lang      VARCHAR CHECK (lang IN ('fr', 'en', 'ar', 'es')),
    alias_key VARCHAR NOT NULL CHECK (alias_key <> ''),
    source    VARCHAR NOT NULL CHECK (source IN ('registry', 'ner')),
    UNIQUE (entity_id, alias, lang)
);

CREATE TABLE IF NOT EXISTS mentions (
    article_id  BIGINT,
    headline_id BIGINT,
    field       VARCHAR NOT NULL CHECK (field IN ('title', 'body', 'headline')),
    entity_id   VARCHAR NOT NULL,
    surface     VARCHAR NOT NULL CHECK (surface <> ''),
    "start"     INTEGER NOT NULL CHECK ("start" >= 0),
    "end"       INTEGER NOT NULL,
    method      VARCHAR NOT NULL CHECK (method IN ('registry', 'spacy', 'spacy:registry', 'spacy:surname', 'spacy:fuzzy',
                                                   'crf', 'crf:registry', 'crf:surname', 'crf:fuzzy', 'gazetteer')),
    label       VARCHAR NOT NULL CHECK (label IN ('PER', 'ORG', 'LOC', 'EVENT', 'MISC')),
    CHECK ("end" > "start"),
    CHECK ((article_id IS NULL) <> (headline_id IS NULL)),
    CHECK ((field = 'headline') = (headline_id IS NOT NULL))
);

CREATE TABLE IF NOT EXISTS entity_done (
    kind   VARCHAR NOT NULL CHECK (kind IN ('article', 'headline')),
    doc_id BIGINT NOT NULL,
    PRIMARY KEY (kind, doc_id)
);

CREATE TABLE IF NOT EXISTS entity_state (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

COMMENT ON TABLE entities IS 'Canonical entities: one row per real-world person, organisation, place, event or other named thing, whatever language or spelling names it.';
COMMENT ON COLUMN entities.entity_id IS 'Stable id: the registry id (e.g. morocco, mohammed-vi) or ner:<slug> for an entity discovered by NER.';
COMMENT ON COLUMN entities.name IS 'Display name: the French name when known, else English, Arabic or Spanish; for NER entities the most frequent spelling.';
COMMENT ON COLUMN entities.type IS 'PER, ORG, LOC, EVENT or MISC (for NER entities: the most frequent label of their mentions).';
COMMENT ON COLUMN entities.wikidata_id IS 'Wikidata item (Q…) when the registry gives one.';
COMMENT ON COLUMN entities.source IS 'registry (analysis/data/entities/*.yaml) or ner (discovered by the statistical recognisers).';
COMMENT ON COLUMN entities.name_fr IS 'Preferred French name (registry only).';
COMMENT ON COLUMN entities.name_en IS 'Preferred English name (registry only).';
COMMENT ON COLUMN entities.name_ar IS 'Preferred Arabic name (registry only).';
COMMENT ON COLUMN entities.name_es IS 'Preferred Spanish name (registry only).';

COMMENT ON TABLE aliases IS 'Every name an entity is known by: registry names and aliases per language, and spellings NER found.';
COMMENT ON COLUMN aliases.entity_id IS 'The entity.';
COMMENT ON COLUMN aliases.alias IS 'The name as written.';
COMMENT ON COLUMN aliases.lang IS 'Language of the alias (fr, en, ar, es); NULL when it is used in any language (acronyms) or unknown.';
COMMENT ON COLUMN aliases.alias_key IS 'Folded matching key: lower case, no Latin accents, Arabic letter variants unified.';
COMMENT ON COLUMN aliases.source IS 'registry or ner.';

COMMENT ON TABLE mentions IS 'One row per entity mention in an article title or body, or in a ticker headline.';
COMMENT ON COLUMN mentions.article_id IS 'The article (NULL for headline mentions).';
COMMENT ON COLUMN mentions.headline_id IS 'The ticker headline (NULL for article mentions).';
COMMENT ON COLUMN mentions.field IS 'title, body or headline: the text the offsets refer to.';
COMMENT ON COLUMN mentions.entity_id IS 'The canonical entity (entities.entity_id).';
COMMENT ON COLUMN mentions.surface IS 'The text as found (for NER: without titles such as M. or SM).';
COMMENT ON COLUMN mentions."start" IS 'Start offset (Python characters) in the field; quote the name in SQL: "start".';
COMMENT ON COLUMN mentions."end" IS 'End offset (exclusive); quote the name in SQL: "end".';
COMMENT ON COLUMN mentions.method IS 'registry (alias matcher); crf (the CRF recogniser, analysis/data/models) or spacy (French NER), alone or with :registry (NER surface that is a registry alias), :surname (surname resolved to a full name in the same document), :fuzzy (near-identical spelling merged); gazetteer (a name the recognisers learned from the sampled documents, matched in a document they did not read).';
COMMENT ON COLUMN mentions.label IS 'Type of this mention: the registry type, or the NER label in context (the evidence for entities.type, which is what reports show).';

COMMENT ON TABLE entity_done IS 'Articles and headlines the entities stage has processed (so `presswatch enrich` only does new ones).';
COMMENT ON COLUMN entity_done.kind IS 'article or headline.';
COMMENT ON COLUMN entity_done.doc_id IS 'article_id or headline_id.';

COMMENT ON TABLE entity_state IS 'Bookkeeping of the entities stage (e.g. the registry fingerprint of the last run; a change triggers a rebuild).';
COMMENT ON COLUMN entity_state.key IS 'Setting name.';
COMMENT ON COLUMN entity_state.value IS 'Setting value.';
