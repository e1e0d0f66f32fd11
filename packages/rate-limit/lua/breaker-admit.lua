-- May a call of this bucket go out? Closed, with no bucket of its group open: yes. Else (TAT is
-- unavailable at this endpoint + account, whichever action saw it first): once the group's next probe time has come,
-- one caller becomes the probe (its lease lasts ARGV[2] ms, in case its process dies); the others
-- wait. A group is an endpoint + account: its open buckets share one probe schedule, so an outage of
-- TAT costs one probe per interval, not one per action.
-- KEYS: bucket's breaker hash, group hash. ARGV: caller's token, probe lease ms.
-- Returns {'go'} | {'probe'} | {'wait', ms}.
--@include breaker-group.lua
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local bucket, group = KEYS[1], KEYS[2]
local bucketOpen = (redis.call('HGET', bucket, 'state') or 'closed') == 'open'
if not bucketOpen and not groupIsOpen(group) then return {'go'} end
local lease = tonumber(redis.call('HGET', group, 'probeUntil') or '0')
if lease > now then return {'wait', tostring(lease - now)} end
local nextProbeAt = tonumber(redis.call('HGET', group, 'nextProbeAt') or '0')
if now < nextProbeAt then return {'wait', tostring(nextProbeAt - now)} end
redis.call('HSET', group, 'probe', ARGV[1], 'probeUntil', now + tonumber(ARGV[2]))
return {'probe'}
