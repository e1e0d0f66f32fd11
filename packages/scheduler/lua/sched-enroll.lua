-- Takes one batch out of the inbox into its budget's lane (HIGH, NORMAL or LOW), once: the worker
-- that removes it from the inbox enrolls it. A LOW batch is remembered with the time it came, to
-- age into NORMAL.
-- KEYS: inbox. ARGV: root, batch ID, budget, lane, caller, weight, now (ms), the budget's calls/s.
-- Returns 1 enrolled, 0 not in the inbox (another worker took it).
--@include sched-lanes.lua
local root, batch, budget, lane, caller = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if redis.call('LREM', KEYS[1], 1, batch) == 0 then return 0 end
joinLane(root, budget, lane, caller, batch)
redis.call('HSET', root .. ':weights', caller, ARGV[6])
if lane == 'LOW' then redis.call('ZADD', root .. ':' .. budget .. ':low-since', 'NX', ARGV[7], caller .. '\t' .. batch) end
redis.call('SADD', root .. ':budgets', budget)
redis.call('HSET', root .. ':budget-rates', budget, ARGV[8])
return 1
