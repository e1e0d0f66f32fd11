-- Stops a batch, once: a cancel (ARGV[1] = 'cancel'), or a stop on an error that every chunk would
-- meet (ARGV[1] = the code, ARGV[2] its message). The first stop wins; a cancel after a stop only
-- marks the cancel asked. An unknown or finished batch is left as it is.
-- KEYS: batch hash. Returns 'stopped', 'already' (stopped before) or 'missing'.
--@include settle-batch.lua
local batchKey = KEYS[1]
local status = redis.call('HGET', batchKey, F.status)
if not status or status == 'STAGING' then return 'missing' end
if redis.call('HGET', batchKey, F.finishedAt) then return 'already' end
if ARGV[1] == 'cancel' then
  if redis.call('HGET', batchKey, F.cancelRequested) == '1' then return 'already' end
  redis.call('HSET', batchKey, F.cancelRequested, '1')
  return 'stopped'
end
if stopping(batchKey) then return 'already' end
redis.call('HSET', batchKey, F.stopCode, ARGV[1], F.stopMessage, ARGV[2])
return 'stopped'
