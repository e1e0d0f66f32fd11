-- Ends queued chunks of a stopping batch whose jobs the caller has already removed: each is written
-- only when its stamp is still the one the caller read (a worker that touched it since keeps it).
-- KEYS: batch hash, chunks hash, outbox.
-- ARGV: now, batch ID, then per chunk: index, expected stamp, new stored
-- record, counter deltas (JSON), outcome-counts field, outcome counts (instance-index.ts).
-- Returns how many were written.
--@include settle-batch.lua
local batchKey, chunksKey, outboxKey = KEYS[1], KEYS[2], KEYS[3]
local now = ARGV[1]
local n = 0
for i = 3, #ARGV, 6 do
  local raw = redis.call('HGET', chunksKey, ARGV[i])
  if raw and stampOf(raw) == ARGV[i + 1] then
    redis.call('HSET', chunksKey, ARGV[i], ARGV[i + 2], ARGV[i + 4], ARGV[i + 5])
    applyDeltas(batchKey, ARGV[i + 3])
    n = n + 1
  end
end
redis.call('HSET', batchKey, F.updatedAt, now)
settle(batchKey, outboxKey, ARGV[2], now)
return n
