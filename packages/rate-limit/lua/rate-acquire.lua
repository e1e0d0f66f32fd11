-- GCRA without burst: one "theoretical arrival time" per bucket, timed by Redis's own clock.
-- KEYS: theoretical arrival time (µs), penalty (a "nobody sends before" time in µs), the widest
-- interval any sender asked for lately (each process asks for its own: its margin adapts to how
-- unevenly it sends, and the bucket spaces every send by the widest of the last 10 s).
-- ARGV: interval µs, key lifetime ms, lateness credit µs, lookahead µs (a slot due that soon is
-- granted now, to be used at its time: the caller prepares meanwhile and sends on time).
-- Returns {1, µs until the slot's time} granted, or {0, µs to wait before asking again}.
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
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
if blocked > now + lookahead then return {0, blocked - now - lookahead} end
local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), blocked)
if tat > now + lookahead then return {0, tat - now - lookahead} end
local start = math.max(tat, now - tonumber(ARGV[3]))
redis.call('SET', KEYS[1], string.format('%.0f', start + interval), 'PX', ARGV[2])
return {1, math.max(0, start - now)}
