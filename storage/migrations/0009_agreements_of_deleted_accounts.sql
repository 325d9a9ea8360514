-- An agreement kept by law after its volunteer deleted the account belongs to no one who can
-- sign in: the same Telegram id starting again is a new person, who neither sees nor exports it.
ALTER TABLE agreements ADD COLUMN owner_deleted_at TEXT;

-- Accounts deleted before this release: the profile was reduced to the bare id and every
-- application erased. Their agreements are marked, and those still running are ended.
UPDATE agreements SET owner_deleted_at = (SELECT u.last_seen_at FROM users u WHERE u.telegram_id = agreements.telegram_id)
WHERE telegram_id IN (SELECT telegram_id FROM users WHERE first_name = '' AND last_name IS NULL AND username IS NULL)
  AND NOT EXISTS (SELECT 1 FROM applications ap WHERE ap.telegram_id = agreements.telegram_id);
INSERT INTO agreement_history (agreement_id, at, actor_id, action, note)
SELECT id, owner_deleted_at, NULL, 'ended', 'account deleted' FROM agreements
WHERE owner_deleted_at IS NOT NULL AND state IN ('accepted', 'signed', 'active');
UPDATE agreements SET state = 'ended', ended_at = owner_deleted_at, ended_on = substr(owner_deleted_at, 1, 10),
    end_reason = 'account deleted', updated_at = owner_deleted_at
WHERE owner_deleted_at IS NOT NULL AND state IN ('accepted', 'signed', 'active');
