-- pgbench anchor for siteload: issue 24's activation transaction on one
-- site licence, written by hand against the scratch tables of
-- anchor-schema.sql, every client on licence 1 (as siteload's clients all
-- activate on one licence):
--   lock the licence's row, insert the activation, bump the seat counter,
--   append the audit entry after the chain's head, commit (durably).
-- Four statements between BEGIN and COMMIT. Run with -M prepared.
\set machine random(1, 9000000000000000000)
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT seats, in_use FROM anchor_licences WHERE key = 'ANCHORLICENCE0000001' FOR UPDATE;
INSERT INTO anchor_activations(licence, machine, seats, key_id, issued, expires, features, created, name)
	VALUES ('ANCHORLICENCE0000001', 'M' || :machine, 1, 'b7a2', 20788, NULL, 0, '2026-12-01T10:00:00.000000001Z', '');
UPDATE anchor_licences SET in_use = in_use + 1 WHERE key = 'ANCHORLICENCE0000001';
INSERT INTO anchor_audit(chain, seq, at, action, subject, detail, prev, hash)
	SELECT 'licence/ANCHORLICENCE0000001', COALESCE(MAX(seq), 0) + 1, '2026-12-01T10:00:00.000000001Z', 'code.issue', 'UMENU-ANCHO-RLICE-NCE0000001',
		'{"serial":1,"machine":"19DSX-5JRR5-00000-0000E","keyId":"b7a2","issued":"2026-12-01","expires":"","seats":1,"features":0}',
		sha256(('p' || :machine)::bytea), sha256(('h' || :machine)::bytea)
	FROM anchor_audit WHERE chain = 'licence/ANCHORLICENCE0000001';
COMMIT;
