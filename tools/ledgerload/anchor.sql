-- pgbench anchor for ledgerload and apiload: one issue's transaction on
-- the PostgreSQL ledger, written by hand against the scratch tables of
-- anchor-schema.sql, so that actkit's issuing is judged against what the
-- server itself does for the same work:
--   lock the licence's row, take the chain's advisory lock, read the
--   chain head, insert the activation, count the seat, append the audit
--   entry, commit (durably: synchronous_commit as the server has it).
-- Run with -M prepared (actkit's statements are prepared too),
-- -D nlic=N, the number of licences, and -D nclients=C, the number of
-- clients: client c takes licences among c, c+C, c+2C, ... (numbered
-- from 1), as the load tools' clients do (loadkit.Spread), so that no
-- two clients share a licence's row.
\set lic 1 + (:client_id + :nclients * random(0, :nlic / :nclients - 1)) % :nlic
\set machine random(1, 9000000000000000000)
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT l.key, l.display, l.product, l.seats, l.in_use, l.expires, l.features, l.customer, l.status, l.created, p.features, l.plan
	FROM anchor_licences l JOIN anchor_products p ON p.id = l.product
	WHERE l.key = 'ANCHORLICENCE' || lpad(:lic::text, 7, '0') FOR UPDATE OF l;
SELECT pg_advisory_xact_lock(hashtextextended('licence/ANCHORLICENCE' || lpad(:lic::text, 7, '0'), 0));
SELECT seq AS head FROM anchor_audit WHERE chain = 'licence/ANCHORLICENCE' || lpad(:lic::text, 7, '0') ORDER BY seq DESC LIMIT 1 \gset
INSERT INTO anchor_activations(licence, machine, seats, key_id, issued, expires, features, created, name)
	VALUES ('ANCHORLICENCE' || lpad(:lic::text, 7, '0'), 'M' || :machine, 1, 'b7a2', 20788, NULL, 0, '2026-12-01T10:00:00.000000001Z', '') RETURNING serial;
UPDATE anchor_licences SET in_use = in_use + 1 WHERE key = 'ANCHORLICENCE' || lpad(:lic::text, 7, '0');
INSERT INTO anchor_audit(chain, seq, at, action, subject, detail, prev, hash)
	VALUES ('licence/ANCHORLICENCE' || lpad(:lic::text, 7, '0'), :head + 1, '2026-12-01T10:00:00.000000001Z', 'code.issue', 'UMENU-ANCHO-RLICE-NCE' || lpad(:lic::text, 7, '0'),
		'{"serial":1,"machine":"19DSX-5JRR5-00000-0000E","keyId":"b7a2","issued":"2026-12-01","expires":"","seats":1,"features":0}',
		sha256(('p' || :machine)::bytea), sha256(('h' || :machine)::bytea));
COMMIT;
