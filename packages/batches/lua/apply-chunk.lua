-- One chunk transition as one atomic step: the chunk's new record (compare-and-set on its stamp: version and write ID),
-- the batch's counters, its start (the first chunk a worker touches makes a QUEUED batch RUNNING),
-- its reopening (a retry), MaxErrors (failed instances beyond it stop the batch) and, when this was
-- the last chunk left, its final status.
-- KEYS: batch hash, chunks hash, outbox.
-- ARGV: index, expected stamp (version and write ID), new stored record, counter deltas (JSON), now (epoch ms),
-- '1' to refuse when the batch is stopping, '1' when a final chunk goes back to the queue, batch ID,
-- the chunk's outcome-counts field and its new counts (instance-index.ts).
-- Returns {'ok', final batch status or '', createdAt, '1' when this step stopped the batch on
-- MaxErrors, invoker target or '', invoker action number} | {'missing'} | {'conflict'} | {'stopped'}.
--@include settle-batch.lua
local batchKey, chunksKey, outboxKey = KEYS[1], KEYS[2], KEYS[3]
local idx, expected, record, deltas, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if ARGV[6] == '1' and stopping(batchKey) then return {'stopped'} end
local raw = redis.call('HGET', chunksKey, idx)
if not raw then return {'missing'} end
if stampOf(raw) ~= expected then return {'conflict'} end
redis.call('HSET', chunksKey, idx, record, ARGV[9], ARGV[10])
applyDeltas(batchKey, deltas)
redis.call('HSET', batchKey, F.updatedAt, now)
if ARGV[7] == '1' and redis.call('HGET', batchKey, F.finishedAt) then
  redis.call('HDEL', batchKey, F.finishedAt)
  redis.call('HSET', batchKey, F.status, 'RUNNING')
elseif redis.call('HGET', batchKey, F.status) == 'QUEUED' then
  redis.call('HSET', batchKey, F.status, 'RUNNING', F.startedAt, now)
end
local stoppedNow = '0'
local maxErrors = redis.call('HGET', batchKey, F.maxErrors)
local failed = num(batchKey, F.instancesFailed)
if maxErrors and failed > tonumber(maxErrors) and not stopping(batchKey) then
  redis.call('HSET', batchKey, F.stopCode, 'MaxErrorsExceeded',
    F.stopMessage, failed .. ' instances failed, more than MaxErrors allows (' .. maxErrors .. ')')
  stoppedNow = '1'
end
local settled = settle(batchKey, outboxKey, ARGV[8], now)
return {'ok', settled, redis.call('HGET', batchKey, F.createdAt) or '0', stoppedNow,
  redis.call('HGET', batchKey, F.invokerTarget) or '', redis.call('HGET', batchKey, F.invokerSeq) or '0'}
