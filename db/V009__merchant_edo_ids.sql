-- The merchant's EDO participant id (assigned by its EDO operator, e.g. "2BM-..."): the sender
-- (O) in the file name of the FNS XML (УПД, ON_NSCHFDOPPR_{A}_{O}_...). Filled by operations
-- from Invoicebox's merchant registry; NULL: unknown, and the file names the agent's configured
-- KASSA_SELLER_EDO_ID, or a placeholder from the merchant's INN-KPP, instead.
ALTER TABLE kassa.merchants
    ADD COLUMN edo_participant_id text
        CHECK (edo_participant_id ~ '^[0-9A-Za-z-]{4,46}$');
