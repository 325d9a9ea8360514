-- Verifiable documents (issue 14, part 6): every agreement and attestation issued from this release
-- carries a short unguessable code, printed with a QR code outside the fingerprinted text. Anyone
-- holding the code sees what the document states and whether it is valid, replaced or revoked.
-- Documents issued before (agreements offered, attestations asked for) have no row: no code.
CREATE TABLE documents (
    id              INTEGER PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,        -- 12 characters from storage.documents.ALPHABET
    kind            TEXT NOT NULL CHECK (kind IN ('agreement', 'attestation')),
    telegram_id     INTEGER NOT NULL,            -- the person the document is about
    agreement_id    INTEGER NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    attestation_id  INTEGER REFERENCES attestations (id) ON DELETE CASCADE,  -- kind 'attestation'
    number          TEXT NOT NULL,               -- the number the document states
    text_sha256     TEXT NOT NULL,               -- of the text issued (an attestation's first; an opinion re-issues it)
    facts           TEXT NOT NULL,               -- JSON: what it states (issuer, name, period, hours...)
    issued_at       TEXT NOT NULL,
    issued_by       INTEGER,                     -- a coordinator who replaced an earlier one; else NULL
    revoked_at      TEXT,
    revoked_by      INTEGER,
    replaced_by     INTEGER REFERENCES documents (id) ON DELETE SET NULL,
    replaced_at     TEXT,
    verifications   INTEGER NOT NULL DEFAULT 0   -- how many times it was checked; never who checked
);
CREATE INDEX documents_by_person ON documents (telegram_id);
CREATE INDEX documents_by_agreement ON documents (agreement_id, id);
CREATE INDEX documents_by_attestation ON documents (attestation_id);
CREATE INDEX documents_by_replacement ON documents (replaced_by);
