-- Shared by the chunk scripts: once no chunk is queued or running, derives the batch's final
-- status and stamps finishedAt (once). F maps each chunk status to its counter field in the batch
-- hash (CHUNK_COUNTER_FIELDS in chunk-record.ts, passed in as JSON).
-- Returns the final status, or '' when the batch is not finished by this step.
local function settle(batchKey, now, F)
  local function count(status) return tonumber(redis.call('HGET', batchKey, F[status]) or '0') end
  if count('QUEUED') + count('RUNNING') > 0 then return '' end
  if redis.call('HGET', batchKey, 'finishedAt') then return '' end
  local status
  if redis.call('HGET', batchKey, 'cancelRequested') == '1' then status = 'CANCELLED'
  elseif count('FAILED') == 0 and count('CANCELLED') == 0 then status = 'SUCCEEDED'
  elseif count('SUCCEEDED') == 0 then status = 'FAILED'
  else status = 'PARTIALLY_FAILED' end
  redis.call('HSET', batchKey, 'status', status, 'finishedAt', now)
  return status
end

-- A stored chunk is "<version>|<json>": the version is all a script needs to read of it.
local function versionOf(raw)
  return string.match(raw, '^(%d+)|')
end
