-- Stamps a finished batch's expiry, unless it was removed or reopened since it was looked at.
-- KEYS: batch hash, unfinished set, expiring set. ARGV: batch ID, expiry (epoch ms).
-- Returns 1 when stamped, 0 otherwise.
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'expiresAt', ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
return 1
