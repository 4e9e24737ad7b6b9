-- Receipts find their message through this GIN index. Its pending list (entries not yet merged into
-- the index, which every search reads through) may otherwise grow to 4 MB under a steady stream of
-- sends, and a search then costs milliseconds; 64 kB keeps a search cheap and inserts still batched.
ALTER INDEX outbox_provider_ids_idx SET (gin_pending_list_limit = 64);
