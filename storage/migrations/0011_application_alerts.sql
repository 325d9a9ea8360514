-- New-application alerts to coordinators: when an alert (or a digest) named each application.
-- One alert goes at once; applications sent within a few minutes of it wait for one digest.
ALTER TABLE applications ADD COLUMN alerted_at TEXT;
UPDATE applications SET alerted_at = submitted_at WHERE submitted_at IS NOT NULL;
CREATE INDEX applications_by_alert ON applications (alerted_at);
