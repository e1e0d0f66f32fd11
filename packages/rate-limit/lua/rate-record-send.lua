-- Records when a granted slot's call left (never earlier than recorded: a slot is not used early).
-- KEYS: send log (see rate-acquire.lua). ARGV: the slot's time µs (its member), when it left µs.
-- A slot already out of the log (a newer `limit` sends pushed it out) is not added back.
-- Returns 1 if recorded.
return redis.call('ZADD', KEYS[1], 'XX', 'GT', 'CH', ARGV[2], ARGV[1])
