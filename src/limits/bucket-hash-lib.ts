/**
 * Helpers for the scripts' bucketed hashes: the rolling 5 h spend (`roll`, buckets of 5 min) and
 * the request window (`rate`, buckets of a second). The aggregates are an index over the bucket
 * fields, kept only while the hash exists (an HSET on a missing key would create it without an
 * expiry): `recount` walks the hash, drops buckets older than `oldest` and stores what remains;
 * `addToRoll` charges a bucket and keeps the aggregates in step when they are there.
 *
 * Their field names are negative bucket indexes on purpose: a replica still running the
 * previous release during a rolling upgrade takes every field for a bucket, so it sees these
 * as long slid out and deletes them (this release then recounts) instead of failing on a
 * non-number or counting the sum as spend.
 */
export const ROLL_LIB = `
local SUM, LOW = '-1', '-2'
local function int(x) return string.format('%d', x) end
local function recount(key, oldest)
  local sum, low, stored = 0, -1, false
  local fields = redis.call('HGETALL', key)
  for i = 1, #fields, 2 do
    local b = fields[i] + 0
    if b < 0 then
      stored = true
    elseif b < oldest then
      redis.call('HDEL', key, fields[i])
    else
      local v = fields[i + 1] + 0
      sum = sum + v
      if v > 0 and (low < 0 or b < low) then low = b end
    end
  end
  if low >= 0 or stored then redis.call('HSET', key, SUM, int(sum), LOW, int(low)) end
  return sum, low
end

local function addToRoll(key, bucket, amount)
  local total = redis.call('HINCRBY', key, bucket, amount)
  local agg = redis.call('HMGET', key, SUM, LOW)
  if agg[1] then
    local low = (agg[2] or '-1') + 0
    if low < 0 or bucket + 0 < low then
      redis.call('HSET', key, SUM, int(agg[1] + amount), LOW, bucket)
    else
      redis.call('HINCRBY', key, SUM, amount)
    end
  end
  return total
end
`;
