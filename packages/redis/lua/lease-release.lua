-- Gives a lease up, when this holder has it. KEYS: the lease. ARGV: holder's token. Returns 1 or 0.
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
