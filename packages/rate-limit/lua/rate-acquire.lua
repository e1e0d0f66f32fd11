-- GCRA without burst: one "theoretical arrival time" per bucket, timed by Redis's own clock.
-- KEYS: theoretical arrival time (µs), penalty (a "nobody sends before" time in µs).
-- ARGV: interval µs, key lifetime ms, lateness credit µs.
-- Returns {1, 0} granted, or {0, µs to wait}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
if blocked > now then return {0, blocked - now} end
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat > now then return {0, tat - now} end
local start = math.max(tat, now - tonumber(ARGV[3]))
redis.call('SET', KEYS[1], string.format('%.0f', start + interval), 'PX', ARGV[2])
return {1, 0}
