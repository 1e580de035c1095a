-- Finance views of the cash-register gateway (kassa.registrations). Days are Moscow dates,
-- money is kopecks. A receipt counts as registered when its own registration or a correction of
-- it is done; its deadline is the end of the Moscow day after its settlement (core/recon.hpp,
-- registration_deadline).

-- Each receipt with where its registration stands.
CREATE VIEW kassa.receipt_registrations AS
SELECT r.receipt_id, r.order_id, r.kind, r.issued_at AS settled_at, r.total AS total_kopecks,
       ((date_trunc('day', r.issued_at AT TIME ZONE 'UTC' + interval '3 hours')
         + interval '2 days' - interval '3 hours') AT TIME ZONE 'UTC') AS deadline,
       CASE WHEN own.status = 'done' THEN 'done'
            WHEN EXISTS (SELECT 1 FROM kassa.registrations c
                         WHERE c.receipt_id = r.receipt_id AND c.purpose = 'correction'
                           AND c.status = 'done') THEN 'corrected'
            WHEN EXISTS (SELECT 1 FROM kassa.registrations c
                         WHERE c.receipt_id = r.receipt_id AND c.purpose = 'correction')
                 THEN 'correcting'
            ELSE coalesce(own.status, 'wait') END AS status,
       own.uuid, own.fiscal_document_number, own.fn_number, own.error_code, own.error_text
FROM kassa.receipts r
LEFT JOIN kassa.registrations own ON own.external_id = r.receipt_id;

-- Per Moscow day of settlement: receipts and money by registration status.
CREATE VIEW kassa.registration_status_daily AS
SELECT (settled_at AT TIME ZONE 'UTC' + interval '3 hours')::date AS day, status,
       count(*) AS receipts, sum(total_kopecks) AS total_kopecks
FROM kassa.receipt_registrations
GROUP BY 1, 2;

-- Receipts the tax service does not have yet, by how their deadline stands now.
CREATE VIEW kassa.registration_deadline_ageing AS
SELECT status,
       CASE WHEN now() <= deadline THEN 'within deadline'
            WHEN now() - deadline < interval '1 day' THEN 'overdue 0-1 days'
            WHEN now() - deadline < interval '7 days' THEN 'overdue 1-7 days'
            WHEN now() - deadline < interval '30 days' THEN 'overdue 7-30 days'
            ELSE 'overdue over 30 days' END AS age,
       count(*) AS receipts, sum(total_kopecks) AS total_kopecks, min(deadline) AS oldest_deadline
FROM kassa.receipt_registrations
WHERE status NOT IN ('done', 'corrected')
GROUP BY 1, 2;
