-- Cancels queued chunks whose jobs the caller has already removed: each is written only when its
-- version is still the one the caller read (a worker that touched it since keeps it).
-- KEYS: batch hash, chunks hash.
-- ARGV: now, settle fields (JSON), then per chunk: index, expected version, new stored record,
-- counter deltas (JSON).
-- Returns how many were cancelled.
--@include settle-batch.lua
local batchKey, chunksKey = KEYS[1], KEYS[2]
local now = ARGV[1]
local n = 0
for i = 3, #ARGV, 4 do
  local raw = redis.call('HGET', chunksKey, ARGV[i])
  if raw and versionOf(raw) == ARGV[i + 1] then
    redis.call('HSET', chunksKey, ARGV[i], ARGV[i + 2])
    applyDeltas(batchKey, ARGV[i + 3])
    n = n + 1
  end
end
redis.call('HSET', batchKey, 'updatedAt', now)
settle(batchKey, now, cjson.decode(ARGV[2]))
return n
