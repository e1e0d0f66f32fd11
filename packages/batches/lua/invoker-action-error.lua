-- Records why the batch's invoker action (number ARGV[1] only: a newer action clears it) cannot
-- finish, and settles a cancelled batch that was waiting for it: it ends CANCELLED, the error shown
-- with its invoker action, instead of staying CANCELLING for good.
-- KEYS: batch hash, outbox. ARGV: action number, error, now (ms), batch ID.
-- Returns 1 recorded, 0 a newer action (or none) is asked.
--@include settle-batch.lua
local batchKey, outboxKey = KEYS[1], KEYS[2]
if redis.call('HGET', batchKey, F.invokerSeq) ~= ARGV[1] then return 0 end
redis.call('HSET', batchKey, F.invokerError, ARGV[2])
settle(batchKey, outboxKey, ARGV[4], ARGV[3])
return 1
