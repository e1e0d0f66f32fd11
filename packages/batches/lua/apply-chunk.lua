-- One chunk transition as one atomic step: the chunk's new record (compare-and-set on its version),
-- the batch's counters, its RUNNING start and, when this was the last chunk, its final status.
-- KEYS: batch hash, chunks hash.
-- ARGV: index, expected version, new stored record, counter field of the old status, of the new
-- status, now (epoch ms), '1' to refuse when the batch's cancel was asked, counter fields (JSON).
-- Returns {'ok', final batch status or '', createdAt} | {'missing'} | {'conflict'} | {'cancelled'}.
--@include settle-batch.lua
local batchKey, chunksKey = KEYS[1], KEYS[2]
local idx, expected, record, fromField, toField, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local F = cjson.decode(ARGV[8])
if ARGV[7] == '1' and redis.call('HGET', batchKey, 'cancelRequested') == '1' then return {'cancelled'} end
local raw = redis.call('HGET', chunksKey, idx)
if not raw then return {'missing'} end
if versionOf(raw) ~= expected then return {'conflict'} end
redis.call('HSET', chunksKey, idx, record)
if fromField ~= toField then
  redis.call('HINCRBY', batchKey, fromField, -1)
  redis.call('HINCRBY', batchKey, toField, 1)
end
redis.call('HSET', batchKey, 'updatedAt', now)
if toField == F.RUNNING and redis.call('HGET', batchKey, 'status') == 'QUEUED' then
  redis.call('HSET', batchKey, 'status', 'RUNNING', 'startedAt', now)
end
return {'ok', settle(batchKey, now, F), redis.call('HGET', batchKey, 'createdAt') or '0'}
