-- A group (an endpoint + account) remembers its open buckets as fields `open:<bucket>` of its hash.
local function groupIsOpen(group)
  for _, field in ipairs(redis.call('HKEYS', group)) do
    if string.sub(field, 1, 5) == 'open:' then return true end
  end
  return false
end

-- The group answered: it no longer counts as open for its other buckets.
local function groupAnswered(group)
  for _, field in ipairs(redis.call('HKEYS', group)) do
    if string.sub(field, 1, 5) == 'open:' then redis.call('HDEL', group, field) end
  end
end
