-- Chooses a budget's next chunks to send, until `depth` are in flight:
--   1. by lane: HIGH and NORMAL share the budget, HIGH `highShare` of it (stride scheduling between
--      the two lanes, as between callers: NORMAL is never starved), then LOW, once neither has work
--      (a LOW batch waiting `aging` ms moves to NORMAL);
--   2. within a lane, the caller with the lowest pass (stride scheduling: each pick adds 1/weight);
--   3. within a caller, its batches in turn (a ring).
-- Picked chunks are leased (in flight: a ZSET scored by when) until their job releases them;
-- leases older than `stale` ms (a job lost between pick and add, or in a long backoff) stop counting.
-- A lease's member ("<batch ID>\t<ref>") is made here only: the caller carries it, opaque.
-- KEYS: budgets set. ARGV: root, budget, depth, now (ms), aging ms, stale ms, HIGH's share (0.5-0.99).
-- Returns {batch ID, ref, lease, batch ID, ref, lease, ...}: the chunks to add as jobs.
--@include sched-lanes.lua
local root, budget = ARGV[1], ARGV[2]
local depth, now, aging, stale = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local shares = { HIGH = tonumber(ARGV[7]), NORMAL = 1 - tonumber(ARGV[7]) }
local b = root .. ':' .. budget
local inflight, lowSince, lanePass = b .. ':inflight', b .. ':low-since', b .. ':lane-pass'
redis.call('ZREMRANGEBYSCORE', inflight, '-inf', now - stale)

local function split(member)
  local tab = string.find(member, '\t', 1, true)
  return string.sub(member, 1, tab - 1), string.sub(member, tab + 1)
end

for _, member in ipairs(redis.call('ZRANGEBYSCORE', lowSince, '-inf', now - aging)) do
  local caller, batch = split(member)
  local lowRing = laneKey(root, budget, 'LOW', 'ring:' .. caller)
  if redis.call('LREM', lowRing, 0, batch) > 0 then
    joinLane(root, budget, 'NORMAL', caller, batch)
    if redis.call('LLEN', lowRing) == 0 then redis.call('ZREM', laneKey(root, budget, 'LOW', 'callers'), caller) end
  end
  redis.call('ZREM', lowSince, member)
end

local function leaveRing(lane, ring, caller, batch)
  redis.call('LPOP', ring)
  if lane == 'LOW' then redis.call('ZREM', lowSince, caller .. '\t' .. batch) end
end

local picks = {}
local n = redis.call('ZCARD', inflight)
local empty = false
for _ = 1, 10000 do
  if n >= depth then break end
  local waiting = {}
  for _, l in ipairs({ 'HIGH', 'NORMAL', 'LOW' }) do
    waiting[l] = redis.call('ZCARD', laneKey(root, budget, l, 'callers')) > 0
  end
  local lane
  if waiting.HIGH or waiting.NORMAL then
    -- Each of the two lanes' pass grows by 1/share a pick, and the lane whose next pick would end
    -- first goes (HIGH first on a tie). A lane that comes back from idle starts at the pass last
    -- served (no credit for idle time), so the shares hold whenever both have work.
    local vt = tonumber(redis.call('HGET', lanePass, 'vt') or '0')
    for _, l in ipairs({ 'HIGH', 'NORMAL' }) do
      if not waiting[l] then redis.call('HDEL', lanePass, l)
      elseif not redis.call('HGET', lanePass, l) then redis.call('HSET', lanePass, l, vt) end
    end
    local function passOf(l) return tonumber(redis.call('HGET', lanePass, l) or '0') end
    local function finish(l) return passOf(l) + 1 / shares[l] end
    if waiting.HIGH and (not waiting.NORMAL or finish('HIGH') <= finish('NORMAL')) then lane = 'HIGH' else lane = 'NORMAL' end
    local pass = passOf(lane)
    redis.call('HSET', lanePass, 'vt', pass, lane, pass + 1 / shares[lane])
  elseif waiting.LOW then
    lane = 'LOW'
  else
    empty = true
    break
  end
  local callers = laneKey(root, budget, lane, 'callers')
  local head = redis.call('ZRANGE', callers, 0, 0, 'WITHSCORES')
  local caller, pass = head[1], tonumber(head[2])
  local ring = laneKey(root, budget, lane, 'ring:' .. caller)
  local batch = redis.call('LINDEX', ring, 0)
  if batch then
    local pending = root .. ':pending:' .. batch
    local ref = redis.call('LPOP', pending)
    if not ref or redis.call('LLEN', pending) == 0 then
      leaveRing(lane, ring, caller, batch)
    else
      redis.call('LMOVE', ring, ring, 'LEFT', 'RIGHT')
    end
    if ref then
      local weight = tonumber(redis.call('HGET', root .. ':weights', caller) or '1') or 1
      redis.call('SET', laneKey(root, budget, lane, 'vt'), head[2])
      redis.call('ZADD', callers, pass + 1 / weight, caller)
      local lease = batch .. '\t' .. ref
      redis.call('ZADD', inflight, now, lease)
      picks[#picks + 1] = batch
      picks[#picks + 1] = ref
      picks[#picks + 1] = lease
      n = n + 1
    end
  end
  if redis.call('LLEN', ring) == 0 then redis.call('ZREM', callers, caller) end
end
if empty and n == 0 then redis.call('SREM', KEYS[1], budget) end
return picks
