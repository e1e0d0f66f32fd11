-- Asks for every invoker of a batch to be brought to a state (ENABLED, DISABLED or DELETED): a new
-- invoker action, numbered. When nothing is left to change, it completes at once.
-- KEYS: batch hash, outbox, expiring set (a batch that acts again is no longer finished: no expiry). ARGV: target, now, settle fields (JSON), batch ID.
-- Returns the action's number, or 0 for an unknown batch.
--@include settle-batch.lua
local batchKey, outboxKey = KEYS[1], KEYS[2]
local status = redis.call('HGET', batchKey, 'status')
if not status or status == 'STAGING' then return 0 end
redis.call('HSET', batchKey, 'invokerTarget', ARGV[1], 'invokerRequestedAt', ARGV[2])
redis.call('HDEL', batchKey, 'invokerDoneAt', 'invokerError', 'quietAt')
redis.call('ZREM', KEYS[3], ARGV[4])
local seq = redis.call('HINCRBY', batchKey, 'invokerSeq', 1)
settle(batchKey, outboxKey, ARGV[4], ARGV[2], cjson.decode(ARGV[3]))
return seq
