-- Shared by the batch scripts. F names the batch hash's fields (BATCH_FIELDS_LUA in batch-hash.ts,
-- put before each script). settle returns the batch's final status when this step finished it, else ''.
local function num(batchKey, field) return tonumber(redis.call('HGET', batchKey, field) or '0') end

-- Invokers not yet in the state the batch's last invoker action asked for (0 when none was asked):
-- the counters F.pending names for its target (PENDING_INVOKER_STATES in batch-hash.ts).
local function invokersPending(batchKey)
  local target = redis.call('HGET', batchKey, F.invokerTarget)
  local pending = 0
  for _, field in ipairs((target and F.pending[target]) or {}) do pending = pending + num(batchKey, field) end
  return pending
end

-- Records an event for the webhook deliverer (the outbox): appended in the same step as the change.
local function emit(outboxKey, batchId, kind, n, now)
  local id = 'evt-' .. batchId .. '-' .. kind .. '-' .. n
  redis.call('RPUSH', outboxKey, cjson.encode({EventId = id, Kind = kind, BatchId = batchId, At = tonumber(now)}))
end

-- Once no chunk is queued or running, derives the final status (cancelled, stopped on an error or
-- on MaxErrors: FAILED, else by instances) and stamps finishedAt, once. A cancelled batch whose
-- invokers are still being disabled or deleted waits, CANCELLING, until they all are, or until the
-- action fails for good (its error is recorded). A finished batch's invoker action completing is an
-- event too.
local function settle(batchKey, outboxKey, batchId, now)
  if num(batchKey, F.queued) + num(batchKey, F.running) > 0 then return '' end
  local pending = invokersPending(batchKey)
  local cancelled = redis.call('HGET', batchKey, F.cancelRequested) == '1'
  if pending == 0 and redis.call('HGET', batchKey, F.invokerTarget) and not redis.call('HGET', batchKey, F.invokerDoneAt) then
    redis.call('HSET', batchKey, F.invokerDoneAt, now)
    if redis.call('HGET', batchKey, F.finishedAt) then
      emit(outboxKey, batchId, 'invokers', redis.call('HGET', batchKey, F.invokerSeq) or '0', now)
      return ''
    end
  end
  if redis.call('HGET', batchKey, F.finishedAt) then return '' end
  if cancelled and pending > 0 and not redis.call('HGET', batchKey, F.invokerError) then
    redis.call('HSET', batchKey, F.status, 'CANCELLING')
    return ''
  end
  local status
  local succeeded = num(batchKey, F.instancesSucceeded)
  if cancelled then status = 'CANCELLED'
  elseif redis.call('HGET', batchKey, F.stopCode) then status = 'FAILED'
  elseif succeeded >= num(batchKey, F.instanceCount) then status = 'SUCCEEDED'
  elseif succeeded == 0 then status = 'FAILED'
  else status = 'PARTIALLY_FAILED' end
  redis.call('HSET', batchKey, F.status, status, F.finishedAt, now)
  emit(outboxKey, batchId, 'finished', now, now)
  return status
end

-- Moves the batch's counters by a chunk write's deltas (a JSON object: field -> delta), and counts
-- the write in `rev`: a recount (set-counters.lua) made from chunks read before it is refused.
local function applyDeltas(batchKey, deltas)
  for field, delta in pairs(cjson.decode(deltas)) do redis.call('HINCRBY', batchKey, field, delta) end
  redis.call('HINCRBY', batchKey, F.rev, 1)
end

-- Whether workers must send nothing more for the batch: cancelled, or stopped.
local function stopping(batchKey)
  return redis.call('HGET', batchKey, F.cancelRequested) == '1' or redis.call('HGET', batchKey, F.stopCode) ~= false
end

-- A stored chunk is '<version>|{"w":"<write ID>",...}' (the ID absent on a record written without
-- one): its stamp, '<version>.<write ID>' (chunkStamp in chunk-codec.ts), is all a script needs.
local function stampOf(raw)
  local version = string.match(raw, '^(%d+)|')
  if not version then return nil end
  return version .. '.' .. (string.match(raw, '^%d+|{"w":"(%x+)"') or '')
end
