-- Moves tasks of a run to what the follower read, atomically with the run's counters: each task's
-- record, its status set (sorted by the instance's position), the count per status (s:<status>)
-- and per group (c:<group>). A task already final never goes back (a stale read), and one not in
-- the run is ignored.
-- KEYS: run hash, tasks hash. ARGV: status set prefix, groups (JSON: status -> group), final
-- statuses (JSON: status -> true), then per task: instance, status, invocation ID, task ID.
-- Returns {status, n, status, n, ...}: how many tasks became final in each status.
local runKey, tasksKey, prefix = KEYS[1], KEYS[2], ARGV[1]
local groups, finals = cjson.decode(ARGV[2]), cjson.decode(ARGV[3])
local reached = {}
for i = 4, #ARGV, 4 do
  local instance, status, invocation, task = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local raw = redis.call('HGET', tasksKey, instance)
  if raw then
    local old, oldInvocation, oldTask, pos = string.match(raw, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)$')
    if not finals[old] and (old ~= status or oldInvocation ~= invocation or oldTask ~= task) then
      redis.call('HSET', tasksKey, instance, status .. '|' .. invocation .. '|' .. task .. '|' .. pos)
      if old ~= status then
        redis.call('ZREM', prefix .. old, instance)
        redis.call('ZADD', prefix .. status, tonumber(pos), instance)
        redis.call('HINCRBY', runKey, 's:' .. old, -1)
        redis.call('HINCRBY', runKey, 's:' .. status, 1)
        if groups[old] ~= groups[status] then
          redis.call('HINCRBY', runKey, 'c:' .. groups[old], -1)
          redis.call('HINCRBY', runKey, 'c:' .. groups[status], 1)
        end
        if finals[status] then reached[status] = (reached[status] or 0) + 1 end
      end
    end
  end
end
local reply = {}
for status, n in pairs(reached) do
  reply[#reply + 1] = status
  reply[#reply + 1] = n
end
return reply
