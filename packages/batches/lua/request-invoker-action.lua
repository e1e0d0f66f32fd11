-- Asks for every invoker of a batch to be brought to a state (ENABLED, DISABLED or DELETED): a new
-- invoker action, numbered. When nothing is left to change, it completes at once.
-- KEYS: batch hash, outbox, expiring set (a batch that acts again is no longer finished: no expiry). ARGV: target, now, batch ID.
-- Returns the action's number, or 0 for an unknown batch.
--@include settle-batch.lua
local batchKey, outboxKey = KEYS[1], KEYS[2]
local status = redis.call('HGET', batchKey, F.status)
if not status or status == 'STAGING' then return 0 end
redis.call('HSET', batchKey, F.invokerTarget, ARGV[1], F.invokerRequestedAt, ARGV[2])
redis.call('HDEL', batchKey, F.invokerDoneAt, F.invokerError, F.quietAt)
redis.call('ZREM', KEYS[3], ARGV[3])
local seq = redis.call('HINCRBY', batchKey, F.invokerSeq, 1)
settle(batchKey, outboxKey, ARGV[3], ARGV[2])
return seq
