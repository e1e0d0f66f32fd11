-- Stamps when a batch became finished (its expiry is that plus BATCH_RETENTION, whatever the
-- retention is then), unless it was removed or reopened since it was looked at.
-- KEYS: batch hash, expiring set. ARGV: batch ID, finished since (epoch ms).
-- Returns 1 when stamped, 0 otherwise (removed, or reopened: no finishedAt).
if not redis.call('HGET', KEYS[1], F.finishedAt) then return 0 end
redis.call('HSET', KEYS[1], F.quietAt, ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1
