-- Shared by the scheduler's scripts. A budget's lanes live under `<root>:<budget>:lane:<LANE>:`:
-- `callers` (ZSET: caller -> pass, its virtual time), `vt` (the pass last served: where a caller
-- joining the lane starts), and `ring:<caller>` (LIST: the caller's batches with chunks to send).
local function laneKey(root, budget, lane, part)
  return root .. ':' .. budget .. ':lane:' .. lane .. ':' .. part
end

-- Puts a batch in a caller's ring of a lane, and the caller in the lane, once.
local function joinLane(root, budget, lane, caller, batch)
  local ring = laneKey(root, budget, lane, 'ring:' .. caller)
  if redis.call('LPOS', ring, batch) then return end
  redis.call('RPUSH', ring, batch)
  local callers = laneKey(root, budget, lane, 'callers')
  if not redis.call('ZSCORE', callers, caller) then
    redis.call('ZADD', callers, redis.call('GET', laneKey(root, budget, lane, 'vt')) or '0', caller)
  end
end
