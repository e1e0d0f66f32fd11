/**
 * Lua scripts: each chunk transition updates the chunk, the batch's counts and its status in one
 * atomic step, so a status read is always consistent.
 */

/** Shared by the scripts below: derive the batch's status once no chunk is left to run. */
const SETTLE_BATCH = `
local function settle(batchKey, now)
  local q = tonumber(redis.call('HGET', batchKey, 'queued') or '0')
  local r = tonumber(redis.call('HGET', batchKey, 'running') or '0')
  if q + r > 0 then return '' end
  if redis.call('HGET', batchKey, 'finishedAt') then return '' end
  local s = tonumber(redis.call('HGET', batchKey, 'succeeded') or '0')
  local f = tonumber(redis.call('HGET', batchKey, 'failed') or '0')
  local c = tonumber(redis.call('HGET', batchKey, 'cancelled') or '0')
  local status
  if redis.call('HGET', batchKey, 'cancelRequested') == '1' then status = 'CANCELLED'
  elseif f == 0 and c == 0 then status = 'SUCCEEDED'
  elseif s == 0 then status = 'FAILED'
  else status = 'PARTIALLY_FAILED' end
  redis.call('HSET', batchKey, 'status', status, 'finishedAt', now)
  return status
end
`;

/**
 * KEYS: batch hash, chunks hash.
 * ARGV: index, allowed previous statuses (comma list, or *), new status, JSON patch, comma list of
 * fields to remove, attempt delta, now (epoch ms), '1' to refuse when the batch's cancel was asked.
 * Returns {'ok', previous, final batch status if this step finished the batch else '', createdAt}
 * | {'missing'} | {'conflict', current} | {'cancelled'}.
 */
export const TRANSITION_CHUNK = `${SETTLE_BATCH}
local batchKey, chunksKey = KEYS[1], KEYS[2]
local idx, allowed, to, patch, unset, delta, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6]), ARGV[7]
if ARGV[8] == '1' and redis.call('HGET', batchKey, 'cancelRequested') == '1' then return {'cancelled'} end
local raw = redis.call('HGET', chunksKey, idx)
if not raw then return {'missing'} end
local chunk = cjson.decode(raw)
local from = chunk.s
if allowed ~= '*' and not string.find(',' .. allowed .. ',', ',' .. from .. ',', 1, true) then
  return {'conflict', from}
end
for k, v in pairs(cjson.decode(patch)) do chunk[k] = v end
for k in string.gmatch(unset, '[^,]+') do chunk[k] = nil end
chunk.s = to
chunk.a = (chunk.a or 0) + delta
redis.call('HSET', chunksKey, idx, cjson.encode(chunk))
if from ~= to then
  redis.call('HINCRBY', batchKey, string.lower(from), -1)
  redis.call('HINCRBY', batchKey, string.lower(to), 1)
end
redis.call('HSET', batchKey, 'updatedAt', now)
if to == 'RUNNING' and redis.call('HGET', batchKey, 'status') == 'QUEUED' then
  redis.call('HSET', batchKey, 'status', 'RUNNING', 'startedAt', now)
end
local settled = settle(batchKey, now)
return {'ok', from, settled, redis.call('HGET', batchKey, 'createdAt') or '0'}
`;

/**
 * Cancels every QUEUED chunk of the given indexes whose job the caller has already removed.
 * KEYS: batch hash, chunks hash. ARGV: now, then indexes. Returns how many were cancelled.
 */
export const CANCEL_CHUNKS = `${SETTLE_BATCH}
local batchKey, chunksKey = KEYS[1], KEYS[2]
local now = ARGV[1]
local n = 0
for i = 2, #ARGV do
  local raw = redis.call('HGET', chunksKey, ARGV[i])
  if raw then
    local chunk = cjson.decode(raw)
    if chunk.s == 'QUEUED' then
      chunk.s = 'CANCELLED'
      redis.call('HSET', chunksKey, ARGV[i], cjson.encode(chunk))
      n = n + 1
    end
  end
end
if n > 0 then
  redis.call('HINCRBY', batchKey, 'queued', -n)
  redis.call('HINCRBY', batchKey, 'cancelled', n)
end
redis.call('HSET', batchKey, 'updatedAt', now)
settle(batchKey, now)
return n
`;
