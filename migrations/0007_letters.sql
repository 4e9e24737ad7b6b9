-- Printed letters: `izvestie letters export --date D` gathers the day's queued letters into one PDF
-- and a CSV manifest for the print house. A batch row is written in the same transaction that marks
-- its letters sent (provider 'print', provider_message_ids = {batch id}), and only once both files
-- are complete on disk, so a batch row always names files that exist and hold exactly its letters.

-- The id is taken before the files are written, since it is part of their names.
CREATE SEQUENCE letter_batch_ids;

CREATE TABLE letter_batches (
  id            bigint PRIMARY KEY DEFAULT nextval('letter_batch_ids'),
  -- The Europe/Sofia day whose letters (created up to its end) the batch holds.
  date          date NOT NULL,
  pdf_file      text NOT NULL CHECK (pdf_file <> ''),
  manifest_file text NOT NULL CHECK (manifest_file <> ''),
  letters       integer NOT NULL CHECK (letters > 0),
  pages         integer NOT NULL CHECK (pages >= letters),
  created_at    timestamptz NOT NULL DEFAULT now(),
  created_by    text NOT NULL CHECK (created_by <> '')
);
ALTER SEQUENCE letter_batch_ids OWNED BY letter_batches.id;
CREATE INDEX letter_batches_date_idx ON letter_batches (date);
