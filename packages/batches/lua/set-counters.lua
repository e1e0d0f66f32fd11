-- Sets a batch's counters, unless a chunk write changed the batch since the caller began reading it.
-- KEYS: batch hash. ARGV: its rev as read first ('' for none), counters (JSON: field -> value).
-- Returns 1 when set, 0 when the batch changed meanwhile.
if (redis.call('HGET', KEYS[1], F.rev) or '') ~= ARGV[1] then return 0 end
for field, value in pairs(cjson.decode(ARGV[2])) do redis.call('HSET', KEYS[1], field, value) end
return 1
