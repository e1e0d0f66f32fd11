-- BullMQ's own addStandardJob, run once per job in one call: its body becomes a function whose
-- parameters shadow KEYS and ARGV, and each job brings its three ARGV entries. The loader puts
-- BullMQ's script text where the marker line is.
local function addOne(KEYS, ARGV)
--@bullmq addStandardJob
end
local results = {}
for i = 1, #ARGV, 3 do
  results[#results + 1] = addOne(KEYS, {ARGV[i], ARGV[i + 1], ARGV[i + 2]})
end
return results
