-- Every foreign key gets an index led by its column: without one, deleting or changing a parent
-- row scans the whole child table (an application deleted by retention scanned every agreement).
CREATE INDEX IF NOT EXISTS event_notices_by_event ON event_notices (event_id);
CREATE INDEX IF NOT EXISTS agreements_by_renewal_of ON agreements (renewal_of);
CREATE INDEX IF NOT EXISTS agreements_by_application ON agreements (application_id);
CREATE INDEX IF NOT EXISTS attestations_by_agreement ON attestations (agreement_id);
