-- Shared by the chunk scripts. F names the batch hash fields it reads (SETTLE_FIELDS_JSON in
-- chunk-tally.ts): once no chunk is queued or running, it derives the batch's final status from
-- its instances and stamps finishedAt (once). Returns the final status, or ''.
local function settle(batchKey, now, F)
  local function num(field) return tonumber(redis.call('HGET', batchKey, field) or '0') end
  if num(F.queued) + num(F.running) > 0 then return '' end
  if redis.call('HGET', batchKey, 'finishedAt') then return '' end
  local status
  if redis.call('HGET', batchKey, 'cancelRequested') == '1' then status = 'CANCELLED'
  elseif num(F.succeeded) >= num(F.instances) then status = 'SUCCEEDED'
  elseif num(F.succeeded) == 0 then status = 'FAILED'
  else status = 'PARTIALLY_FAILED' end
  redis.call('HSET', batchKey, 'status', status, 'finishedAt', now)
  return status
end

-- Moves the batch's counters by a chunk write's deltas (a JSON object: field -> delta).
local function applyDeltas(batchKey, deltas)
  for field, delta in pairs(cjson.decode(deltas)) do redis.call('HINCRBY', batchKey, field, delta) end
end

-- A stored chunk is "<version>|<json>": the version is all a script needs to read of it.
local function versionOf(raw)
  return string.match(raw, '^(%d+)|')
end
