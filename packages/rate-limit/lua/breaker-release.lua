-- Gives back a probe that was not sent (the caller stopped before the call left), so the group's
-- next caller may probe at once instead of waiting out the lease.
-- KEYS: group hash. ARGV: caller's token. Returns 1 when it was this caller's probe.
if redis.call('HGET', KEYS[1], 'probe') == ARGV[1] then
  redis.call('HDEL', KEYS[1], 'probe', 'probeUntil')
  return 1
end
return 0
