-- The receipts' look-up of their message by the provider's id (outbox_provider_ids_idx, a GIN
-- index of outbox_messages.provider_message_ids) without GIN's pending list (issue 15, goal 3).
-- With fastupdate on, PostgreSQL's default, new entries go to an unsorted list that is merged into
-- the index only by VACUUM or when it passes gin_pending_list_limit, and every search reads the
-- whole list, comparing each entry. Migration 0012 capped the list at 64 kB; even so perf of
-- bench:dispatch put 9.6% of PostgreSQL's CPU in gingetbitmap (ginCompareEntries, bttextcmp) under
-- the journal write's receipt look-up. A message has one provider id per part (1-3), inserted at
-- once into the index's tree: bench:dispatch 1 part w50 receipts on, 216 instead of 232 µs of
-- PostgreSQL CPU per receipt (BENCHMARKS.md, fifth pass).
ALTER INDEX outbox_provider_ids_idx SET (fastupdate = off);
ALTER INDEX outbox_provider_ids_idx RESET (gin_pending_list_limit);
-- What the list holds now moves into the tree; from now on nothing goes to it.
SELECT gin_clean_pending_list('outbox_provider_ids_idx'::regclass);
