-- Records one answered call in a budget bucket's circuit breaker. A retryable failure (TAT or the
-- way to it unavailable) counts against the bucket; anything TAT answered counts for it. The bucket
-- opens when failures dominate recent calls (ARGV[4] in a row, or at least ARGV[5] of the last
-- ARGV[6]). While open, probes go out on the group's schedule (breaker-admit.lua): ARGV[7] ms after
-- opening, then each failed probe doubles the interval up to ARGV[8] ms. The first success closes
-- the bucket and lets the group's other open buckets probe at once (TAT is back for them too, likely).
-- KEYS: bucket's breaker hash, group hash, index of buckets (a set).
-- ARGV: bucket, '1' failure / '0' answered, caller's token, consecutive, failures, window,
-- first probe ms, probe cap ms.
-- Returns {transition ('opened', 'closed' or ''), state ('open' or 'closed'), now (epoch ms, Redis's
-- clock), '1' if a bucket of the group is open (a failure then is the outage's, whichever bucket)}.
--@include breaker-group.lua
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local bucket, group, failed = KEYS[1], KEYS[2], ARGV[2] == '1'
local first, cap = tonumber(ARGV[7]), tonumber(ARGV[8])
redis.call('SADD', KEYS[3], ARGV[1])
local wasProbe = redis.call('HGET', group, 'probe') == ARGV[3]
if wasProbe then redis.call('HDEL', group, 'probe', 'probeUntil') end
-- The group's next probe, `interval` ms from now.
local function schedule(interval)
  redis.call('HSET', group, 'interval', interval, 'nextProbeAt', now + interval)
end
local state = redis.call('HGET', bucket, 'state') or 'closed'
local window = tonumber(ARGV[6])
local recent = (redis.call('HGET', bucket, 'recent') or '') .. (failed and '0' or '1')
if #recent > window then recent = string.sub(recent, #recent - window + 1) end
local inRow = failed and tonumber(redis.call('HGET', bucket, 'inRow') or '0') + 1 or 0
redis.call('HSET', bucket, 'recent', recent, 'inRow', inRow)
-- The group's last answer and last opening (any of its buckets): what tells a caller whether its
-- earlier failures were an outage's or its own.
-- An answer also means this endpoint + account is reachable: the group stops counting as open for
-- its other buckets (an open bucket that sees no traffic would otherwise hold them all to probes),
-- while each open bucket still closes only on its own probe's success.
if not failed then
  redis.call('HSET', group, 'answeredAt', now)
  groupAnswered(group)
end
if state == 'open' then
  if not failed then
    redis.call('HSET', bucket, 'state', 'closed', 'closedAt', now, 'recent', '', 'inRow', 0)
    redis.call('HSET', group, 'interval', first, 'nextProbeAt', now)
    return {'closed', 'closed', tostring(now), '0'}
  end
  -- Calls already in flight when the bucket opened answer too: only the probe's failure counts.
  if wasProbe then
    local doubled = math.min(tonumber(redis.call('HGET', group, 'interval') or first) * 2, cap)
    schedule(doubled)
  end
  return {'', 'open', tostring(now), '1'}
end
-- A probe from a closed bucket of an open group: the group's schedule goes on (doubled after a
-- failure; after a success every open bucket may probe at once).
if wasProbe then
  if failed then
    schedule(math.min(tonumber(redis.call('HGET', group, 'interval') or first) * 2, cap))
  else
    redis.call('HSET', group, 'interval', first, 'nextProbeAt', now)
  end
end
local _, failures = string.gsub(recent, '0', '')
if failed and (inRow >= tonumber(ARGV[4]) or (#recent >= window and failures >= tonumber(ARGV[5]))) then
  redis.call('HSET', bucket, 'state', 'open', 'openedAt', now)
  redis.call('HSET', group, 'openedAt', now, 'open:' .. ARGV[1], '1')
  -- A group already probing (another bucket is open) keeps its schedule.
  if tonumber(redis.call('HGET', group, 'nextProbeAt') or '0') <= now then schedule(first) end
  return {'opened', 'open', tostring(now), '1'}
end
return {'', state, tostring(now), groupIsOpen(group) and '1' or '0'}
