-- One chunk transition as one atomic step: the chunk's new record (compare-and-set on its version),
-- the batch's counters, its start (the first chunk a worker touches makes a QUEUED batch RUNNING),
-- its reopening (a retry) and, when this was the last chunk left, its final status.
-- KEYS: batch hash, chunks hash.
-- ARGV: index, expected version, new stored record, counter deltas (JSON), now (epoch ms),
-- '1' to refuse when the batch's cancel was asked, settle fields (JSON), '1' when a final chunk
-- goes back to the queue.
-- Returns {'ok', final batch status or '', createdAt} | {'missing'} | {'conflict'} | {'cancelled'}.
--@include settle-batch.lua
local batchKey, chunksKey = KEYS[1], KEYS[2]
local idx, expected, record, deltas, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if ARGV[6] == '1' and redis.call('HGET', batchKey, 'cancelRequested') == '1' then return {'cancelled'} end
local raw = redis.call('HGET', chunksKey, idx)
if not raw then return {'missing'} end
if versionOf(raw) ~= expected then return {'conflict'} end
redis.call('HSET', chunksKey, idx, record)
applyDeltas(batchKey, deltas)
redis.call('HSET', batchKey, 'updatedAt', now)
local status = redis.call('HGET', batchKey, 'status')
if ARGV[8] == '1' and redis.call('HGET', batchKey, 'finishedAt') then
  redis.call('HDEL', batchKey, 'finishedAt')
  redis.call('HSET', batchKey, 'status', 'RUNNING')
elseif status == 'QUEUED' then
  redis.call('HSET', batchKey, 'status', 'RUNNING', 'startedAt', now)
end
return {'ok', settle(batchKey, now, cjson.decode(ARGV[7])), redis.call('HGET', batchKey, 'createdAt') or '0'}
