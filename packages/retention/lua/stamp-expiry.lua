-- Stamps when a batch became finished (its expiry is that plus BATCH_RETENTION, whatever the
-- retention is then), unless it was removed or reopened since it was looked at.
-- KEYS: batch hash, unfinished set, expiring set. ARGV: batch ID, finished since (epoch ms).
-- Returns 1 when stamped, 0 otherwise.
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'quietAt', ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
return 1
