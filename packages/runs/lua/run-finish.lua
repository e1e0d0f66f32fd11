-- Ends a run once nothing of it is left to follow: no invoker without its record, no invocation
-- running, no failed task's details to fetch, no instance pending. Its status by its instances, its
-- finish time and a webhook event in the outbox, all in one step, once.
-- KEYS: run hash, awaiting set, running set, details-due set, outbox.
-- ARGV: now (epoch ms), batch ID, run ID.
-- Returns the final status, or '' while the run goes on (or was already final).
local runKey = KEYS[1]
if redis.call('HGET', runKey, 'finishedAt') then return '' end
for i = 2, 4 do
  if redis.call('SCARD', KEYS[i]) > 0 then return '' end
end
local function count(field) return tonumber(redis.call('HGET', runKey, field) or '0') end
if count('c:Pending') > 0 then return '' end
local total, succeeded = count('total'), count('c:Succeeded')
local status
if total > 0 and succeeded == total then status = 'SUCCEEDED'
elseif succeeded == 0 then status = 'FAILED'
else status = 'PARTIALLY_FAILED' end
redis.call('HSET', runKey, 'status', status, 'finishedAt', ARGV[1])
local id = 'evt-' .. ARGV[2] .. '-run-' .. ARGV[3]
redis.call('RPUSH', KEYS[5], cjson.encode({EventId = id, Kind = 'run', BatchId = ARGV[2], RunId = ARGV[3], At = tonumber(ARGV[1])}))
return status
