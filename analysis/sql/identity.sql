-- One identity across scripts (issue 20): learned entities merged into another entity on strong
-- evidence, by analysis.entities.identity at the end of the entities stage. A merged entity keeps
-- its row and aliases (so its spellings still resolve); its mentions move to the entity it joined
-- and are logged, so that a merge can be undone exactly.

CREATE TABLE IF NOT EXISTS entity_merges (
    from_id  VARCHAR PRIMARY KEY CHECK (starts_with(from_id, 'ner:')),
    into_id  VARCHAR NOT NULL,
    evidence VARCHAR NOT NULL CHECK (evidence IN ('registry', 'transliteration')),
    detail   VARCHAR NOT NULL,
    status   VARCHAR NOT NULL CHECK (status IN ('merged', 'refused')),
    decided  TIMESTAMPTZ NOT NULL,
    CHECK (from_id <> into_id)
);

CREATE TABLE IF NOT EXISTS entity_merge_mentions (
    from_id     VARCHAR NOT NULL,
    article_id  BIGINT,
    headline_id BIGINT,
    field       VARCHAR NOT NULL,
    "start"     INTEGER NOT NULL,
    CHECK ((article_id IS NULL) <> (headline_id IS NULL))
);

COMMENT ON TABLE entity_merges IS 'Learned (ner:) entities joined to another entity across scripts, with the evidence; refused rows are merges a user undid, never made again.';
COMMENT ON COLUMN entity_merges.from_id IS 'The learned entity merged away (its row and aliases stay; its mentions moved).';
COMMENT ON COLUMN entity_merges.into_id IS 'The entity it joined: a registry entity, or the learned entity named in Latin script.';
COMMENT ON COLUMN entity_merges.evidence IS 'registry (a spelling of both is a registry alias), transliteration (same consonant skeleton and agreeing context).';
COMMENT ON COLUMN entity_merges.detail IS 'The spellings compared and the context shared (type, months, co-mentioned registry entities).';
COMMENT ON COLUMN entity_merges.status IS 'merged, or refused (undone by analysis.entities.identity.unmerge).';
COMMENT ON COLUMN entity_merges.decided IS 'When the merge was made or refused.';

COMMENT ON TABLE entity_merge_mentions IS 'Which mentions a merge moved (to give them back when it is undone).';
COMMENT ON COLUMN entity_merge_mentions.from_id IS 'The merged learned entity the mention belonged to.';
COMMENT ON COLUMN entity_merge_mentions.article_id IS 'The article of the mention (NULL for headlines).';
COMMENT ON COLUMN entity_merge_mentions.headline_id IS 'The headline of the mention (NULL for articles).';
COMMENT ON COLUMN entity_merge_mentions.field IS 'title, body or headline.';
COMMENT ON COLUMN entity_merge_mentions."start" IS 'Start offset of the mention in the field.';
