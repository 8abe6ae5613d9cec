-- 0015_thread_subject_date: the guarded subject fallback asks for the newest conversations
-- with a subject (ORDER BY last_date DESC LIMIT 20). With (account_id, subject_key) alone
-- SQLite read and sorted every conversation with that subject, hundreds for a common one in
-- a big mailbox, for every reply stored; this index hands them over newest first.
CREATE INDEX threads_account_subject_date_idx ON threads (account_id, subject_key, last_date DESC);
DROP INDEX threads_account_subject_idx;
