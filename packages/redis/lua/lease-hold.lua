-- Takes a lease, or renews it when this holder has it. KEYS: the lease. ARGV: holder's token, ms.
-- Returns 1 when the caller holds the lease, 0 when another does.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
