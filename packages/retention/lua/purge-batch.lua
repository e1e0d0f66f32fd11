-- Removes a finished batch and everything under it in one step, if it is still finished: final (a
-- retry clears finishedAt in the step that reopens a chunk), its invoker action done, its last run
-- over; with
-- mode 'expired', only if it was stamped finished by the cutoff. A batch that fails the check
-- loses its stamp (the sweep stamps it again once it is finished again).
-- KEYS: batch hash, batch index, unfinished set, expiring set.
-- ARGV: mode ('expired' or 'now'), cutoff (epoch ms: now less the retention), batch ID, chunks key, sched pending key,
--       idempotency key prefix, the caller's keys (JSON list of [before, after] the caller's name),
--       runs index key, runs follow key, rerun counter key, run key prefix (run ID appended), run
--       key suffixes (JSON list).
-- Returns 'purged', 'missing', 'not-due' or why it is not finished ('unfinished', 'invokers', 'run').
local batchKey, indexKey, unfinishedKey, expiringKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local mode, cutoff, batchId = ARGV[1], tonumber(ARGV[2]), ARGV[3]
if redis.call('EXISTS', batchKey) == 0 then
  redis.call('ZREM', indexKey, batchId)
  redis.call('ZREM', expiringKey, batchId)
  return 'missing'
end
local function unstamp(why)
  redis.call('HDEL', batchKey, F.quietAt)
  redis.call('ZREM', expiringKey, batchId)
  return why
end
local status = redis.call('HGET', batchKey, F.status)
local final = status == 'SUCCEEDED' or status == 'FAILED' or status == 'PARTIALLY_FAILED' or status == 'CANCELLED'
if not final or not redis.call('HGET', batchKey, F.finishedAt) then return unstamp('unfinished') end
if redis.call('HGET', batchKey, F.invokerTarget) and not redis.call('HGET', batchKey, F.invokerDoneAt)
  and not redis.call('HGET', batchKey, F.invokerError) then
  return unstamp('invokers')
end
local runPrefix = ARGV[11]
local lastRun = redis.call('HGET', batchKey, F.lastRunId)
if lastRun and redis.call('EXISTS', runPrefix .. lastRun) == 1
  and not redis.call('HGET', runPrefix .. lastRun, 'finishedAt') then
  return unstamp('run')
end
if mode == 'expired' then
  local quietAt = tonumber(redis.call('HGET', batchKey, F.quietAt) or '')
  if not quietAt then return unstamp('not-due') end
  if quietAt > cutoff then return 'not-due' end
end

local caller = redis.call('HGET', batchKey, F.caller)
local idem = redis.call('HGET', batchKey, F.idempotencyKey)
if idem then
  local idemKey = ARGV[6] .. idem
  -- Only the key's claim for this batch: the key may have been claimed again since.
  local value = redis.call('GET', idemKey)
  if value and string.find(value, ' ' .. batchId .. ' ', 1, true) then redis.call('UNLINK', idemKey) end
end
if caller then
  for _, around in ipairs(cjson.decode(ARGV[7])) do redis.call('ZREM', around[1] .. caller .. around[2], batchId) end
end
local suffixes = cjson.decode(ARGV[12])
for _, runId in ipairs(redis.call('ZRANGE', ARGV[8], 0, -1)) do
  for _, suffix in ipairs(suffixes) do redis.call('UNLINK', runPrefix .. runId .. suffix) end
end
-- UNLINK frees large values (a 100,000-instance batch's chunks, a run's tasks) off Redis's main thread.
redis.call('UNLINK', batchKey, ARGV[4], ARGV[5], ARGV[8], ARGV[9], ARGV[10])
redis.call('ZREM', indexKey, batchId)
redis.call('ZREM', unfinishedKey, batchId)
redis.call('ZREM', expiringKey, batchId)
return 'purged'
