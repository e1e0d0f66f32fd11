-- Takes over an idempotency key whose first request died before its batch record appeared (or
-- after it expired): only when the key still names that batch and the batch has no record.
-- KEYS: idempotency key, the batch hash it names. ARGV: the value read, the new value, TTL seconds.
-- Returns 1 when taken over, else 0.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
