-- GCRA without burst, plus a log of when the last sends left; all timed by Redis's own clock.
-- KEYS: theoretical arrival time (µs), penalty (a "nobody sends before" time in µs), the widest
-- interval any sender asked for lately (each process asks for its own: its margin adapts, and the
-- bucket spaces every send by the widest of the last 10 s), the send log (ZSET: member = a slot's
-- time, score = when its call left, as the sender recorded it; the slot's time until then).
-- ARGV: interval µs, key lifetime ms, lateness credit µs, lookahead µs (a slot due that soon is
-- granted now, to be used at its time: the caller prepares meanwhile and sends on time), limit
-- (with the send log: a slot is no earlier than `limit` intervals after the limit-th latest send;
-- 0: no log, spacing alone), catch-up spacing (with the send log: after a slot the log held back,
-- the next may follow this share of an interval later rather than a whole one, so that a late
-- send moves only the slot a window after it instead of every slot after that one).
-- Returns {1, µs until the slot's time, Redis's time µs} granted, or {0, µs to wait before asking again}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local widest = tonumber(redis.call('GET', KEYS[3]) or '0')
if interval > widest then
  redis.call('SET', KEYS[3], ARGV[1], 'PX', 10000)
else
  interval = widest
end
local lookahead = tonumber(ARGV[4] or '0')
local limit = tonumber(ARGV[5] or '0')
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
if blocked > now + lookahead then return {0, blocked - now - lookahead} end
local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), blocked)
local spacing = interval
if limit > 0 then
  -- The window counts from when the calls really left.
  local logged = redis.call('ZCARD', KEYS[4])
  if logged >= limit then
    local oldest = redis.call('ZRANGE', KEYS[4], logged - limit, logged - limit, 'WITHSCORES')
    local bound = tonumber(oldest[2]) + interval * limit
    if bound > tat then
      tat = bound
      spacing = interval * tonumber(ARGV[6] or '1')
    end
  end
end
if tat > now + lookahead then return {0, tat - now - lookahead} end
local start = math.max(tat, now - tonumber(ARGV[3]))
redis.call('SET', KEYS[1], string.format('%.0f', start + spacing), 'PX', ARGV[2])
if limit > 0 then
  local member = string.format('%.0f', start)
  redis.call('ZADD', KEYS[4], member, member)
  redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -(limit + 1))
  redis.call('PEXPIRE', KEYS[4], ARGV[2])
end
return {1, math.max(0, start - now), now}
