-- Check the balance of each entry from the inserting statement's own rows (O(batch), not a scan of
-- the journal): every statement must add a zero-sum set of postings to each entry it touches, so every
-- entry, being a sum of zero-sum sets, balances per asset.
CREATE OR REPLACE FUNCTION postings_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    SELECT n.entry_id, n.asset, sum(n.amount) AS total INTO bad
      FROM new_postings n
     GROUP BY n.entry_id, n.asset
    HAVING sum(n.amount) <> 0
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal entry % does not balance in %: off by %', bad.entry_id, bad.asset, bad.total
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;

    INSERT INTO balances (account_id, asset)
    SELECT DISTINCT n.account_id, n.asset FROM new_postings n ORDER BY 1, 2
    ON CONFLICT DO NOTHING;

    PERFORM 1 FROM balances b
     WHERE (b.account_id, b.asset) IN (SELECT n.account_id, n.asset FROM new_postings n)
     ORDER BY b.account_id, b.asset
       FOR UPDATE;

    UPDATE balances b
       SET available = b.available + d.available, held = b.held + d.held
      FROM (SELECT n.account_id, n.asset,
                   coalesce(sum(n.amount) FILTER (WHERE n.bucket = 'available'), 0) AS available,
                   coalesce(sum(n.amount) FILTER (WHERE n.bucket = 'held'), 0) AS held
              FROM new_postings n GROUP BY n.account_id, n.asset) d
     WHERE b.account_id = d.account_id AND b.asset = d.asset;
    RETURN NULL;
END
$$;
