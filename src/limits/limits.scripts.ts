import { LuaScript } from '../common/redis/lua-script';

/*
 * Keys of one scope (`<prefix><kind>:<id>:`), in this order wherever a script takes a scope:
 *   base      marker: the scope's spend counters are valid (seeded from the ledger)
 *   rpm       zset requestId → admission ms: the sliding 60 s request window
 *   inflight  zset requestId → expiry ms: held concurrency slots (= open reservations)
 *   resv      hash `r:<requestId>` → reserved micro-dollars, `sum` → their total
 *   roll      hash bucket index → spent micro-dollars (rolling 5 h window), plus, when known,
 *             field `-1` = the sum of its buckets and `-2` = its oldest bucket (-1 if none):
 *             admission reads those two instead of walking up to 60 buckets, and walks the hash
 *             only when the oldest has slid out of the window or they are missing (ROLL_LIB)
 *   day, week, month   string: spent micro-dollars in the calendar window named in the key
 *   total     string: spent micro-dollars ever
 * Amounts are integers; Lua compares them as doubles, exact below 2^53. Amounts reaching Redis
 * commands are passed as strings (Lua would print large numbers in exponent notation).
 */
export const SCOPE_KEY_PARTS = [
  'base',
  'rpm',
  'inflight',
  'resv',
  'roll',
  'day',
  'week',
  'month',
  'total',
] as const;
export type ScopeKeyPart = (typeof SCOPE_KEY_PARTS)[number];

/**
 * Arguments per scope: rpm, concurrency, then the five budgets (-1 means none), then '1' when
 * the scope's marker and all-time counter are due a TTL refresh (see MarkerRefreshes).
 */
export const LIMIT_ARGS_PER_SCOPE = 8;

/**
 * Rolling-window helpers shared by the scripts. The aggregates are an index over the bucket
 * fields, kept only while the hash exists (an HSET on a missing key would create it without an
 * expiry): `recount` walks the hash, drops buckets older than `oldest` and stores what remains;
 * `addToRoll` charges a bucket and keeps the aggregates in step when they are there.
 *
 * Their field names are negative bucket indexes on purpose: a replica still running the
 * previous release during a rolling upgrade takes every field for a bucket, so it sees these
 * as long slid out and deletes them (this release then recounts) instead of failing on a
 * non-number or counting the sum as spend.
 */
const ROLL_LIB = `
local SUM, LOW = '-1', '-2'
local function recount(key, oldest)
  local sum, low, stored = 0, -1, false
  local fields = redis.call('HGETALL', key)
  for i = 1, #fields, 2 do
    local b = tonumber(fields[i])
    if b < 0 then
      stored = true
    elseif b < oldest then
      redis.call('HDEL', key, fields[i])
    else
      local v = tonumber(fields[i + 1])
      sum = sum + v
      if v > 0 and (low < 0 or b < low) then low = b end
    end
  end
  if low >= 0 or stored then redis.call('HSET', key, SUM, string.format('%.0f', sum), LOW, low) end
  return sum, low
end

local function addToRoll(key, bucket, amount)
  local total = redis.call('HINCRBY', key, bucket, amount)
  local agg = redis.call('HMGET', key, SUM, LOW)
  if agg[1] then
    local low = tonumber(agg[2] or '-1')
    if low < 0 or tonumber(bucket) < low then
      redis.call('HSET', key, SUM, string.format('%.0f', tonumber(agg[1]) + tonumber(amount)), LOW, bucket)
    else
      redis.call('HINCRBY', key, SUM, amount)
    end
  end
  return total
end
`;

/**
 * KEYS: 9 per scope. ARGV: 1 now, 2 requestId, 3 reserve, 4 slotTtlMs, 5 rollBucket,
 * 6 rollOldestBucket, 7 rollBuckets, 8 rollBucketMs, 9 markerTtlMs, 10 checkBaseline (1|0),
 * 11 rpmWindowMs, 12-14 daily/weekly/monthly resetAt, 15 scope count, then per scope 7 limits
 * and the marker refresh flag.
 * Replies: {'baseline', scope...} when a marker is missing (nothing changed);
 * {'refused', kind, scope, window, retryAfterMs (-1 unknown)};
 * {'ok', per scope: rpmCount, rpmOldest, inflight, reserved, spent5h, daily, weekly, monthly,
 * total, rollOldestSpentBucket (-1 none)}.
 */
const ADMIT = `${ROLL_LIB}
local K, P = 9, 8
local now, id = tonumber(ARGV[1]), ARGV[2]
local reserve = tonumber(ARGV[3])
local rollBucket, rollOldest = tonumber(ARGV[5]), tonumber(ARGV[6])
local rollBuckets, rollBucketMs = tonumber(ARGV[7]), tonumber(ARGV[8])
local rpmWindow = tonumber(ARGV[11])
local resets = {tonumber(ARGV[12]), tonumber(ARGV[13]), tonumber(ARGV[14])}
local n = tonumber(ARGV[15])
local names = {'5h', 'daily', 'weekly', 'monthly', 'total'}

if ARGV[10] == '1' then
  local missing = {'baseline'}
  for s = 1, n do
    if redis.call('EXISTS', KEYS[(s - 1) * K + 1]) == 0 then missing[#missing + 1] = s end
  end
  if #missing > 1 then return missing end
end

local state = {}
for s = 1, n do
  local k, a = (s - 1) * K, 15 + (s - 1) * P
  local rpm, conc = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  local st = {rpmCount = 0, rpmOldest = -1}

  if rpm >= 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[k + 2], '-inf', now - rpmWindow)
    st.rpmCount = redis.call('ZCARD', KEYS[k + 2])
    if st.rpmCount >= rpm then
      -- The (count - rpm + 1) oldest must slide out before one more fits.
      local e = redis.call('ZRANGE', KEYS[k + 2], st.rpmCount - rpm, st.rpmCount - rpm, 'WITHSCORES')
      local retry = -1
      if e[2] then retry = tonumber(e[2]) + rpmWindow - now end
      return {'refused', 'rate', s, '', retry}
    end
  end

  -- Expired slots (a gateway died mid-request) give back their slot and reservation.
  local expired = redis.call('ZRANGEBYSCORE', KEYS[k + 3], '-inf', now)
  for _, m in ipairs(expired) do
    local amt = redis.call('HGET', KEYS[k + 4], 'r:' .. m)
    if amt then
      if amt ~= '0' then redis.call('HINCRBY', KEYS[k + 4], 'sum', '-' .. amt) end
      redis.call('HDEL', KEYS[k + 4], 'r:' .. m)
    end
  end
  if #expired > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[k + 3], '-inf', now) end
  st.again = redis.call('ZSCORE', KEYS[k + 3], id)
  st.inflight = redis.call('ZCARD', KEYS[k + 3])
  if conc >= 0 and not st.again and st.inflight >= conc then
    return {'refused', 'concurrency', s, '', -1}
  end

  local resv = redis.call('HMGET', KEYS[k + 4], 'sum', 'r:' .. id)
  st.reserved = tonumber(resv[1] or '0')
  st.prev = resv[2]
  if st.prev then st.reserved = st.reserved - tonumber(st.prev) end

  -- Rolling window: the stored sum, unless its oldest bucket slid out (or it is not known).
  local agg = redis.call('HMGET', KEYS[k + 5], SUM, LOW)
  local spent5h, low = tonumber(agg[1]), tonumber(agg[2] or '-1')
  if not spent5h or (low >= 0 and low < rollOldest) then
    spent5h, low = recount(KEYS[k + 5], rollOldest)
  end
  st.rollOldestSpent = low
  st.spent = {spent5h}
  local counters = redis.call('MGET', KEYS[k + 6], KEYS[k + 7], KEYS[k + 8], KEYS[k + 9])
  for w = 2, 5 do st.spent[w] = tonumber(counters[w - 1] or '0') end

  for w = 1, 5 do
    local limit = tonumber(ARGV[a + 2 + w])
    local need = st.spent[w] + st.reserved + reserve - limit
    if limit >= 0 and need > 0 then
      local retry = -1
      if reserve + st.reserved <= limit then
        if w == 1 then
          -- Refused: worth walking the buckets, oldest first, to say when enough slides out.
          local buckets, fields = {}, redis.call('HGETALL', KEYS[k + 5])
          for i = 1, #fields, 2 do
            local b = tonumber(fields[i])
            if b and b >= rollOldest then buckets[#buckets + 1] = {b, tonumber(fields[i + 1])} end
          end
          table.sort(buckets, function(x, y) return x[1] < y[1] end)
          local freed = 0
          for _, bv in ipairs(buckets) do
            freed = freed + bv[2]
            if freed >= need then
              retry = (bv[1] + rollBuckets) * rollBucketMs - now
              break
            end
          end
        elseif w <= 4 then
          retry = resets[w - 1] - now
        end
      end
      return {'refused', 'budget', s, names[w], retry}
    end
  end
  state[s] = st
end

local reply = {'ok'}
for s = 1, n do
  local k, a, st = (s - 1) * K, 15 + (s - 1) * P, state[s]
  if tonumber(ARGV[a + 1]) >= 0 then
    redis.call('ZADD', KEYS[k + 2], now, id)
    redis.call('PEXPIRE', KEYS[k + 2], rpmWindow)
    st.rpmCount = st.rpmCount + 1
    st.rpmOldest = tonumber(redis.call('ZRANGE', KEYS[k + 2], 0, 0, 'WITHSCORES')[2])
  end
  redis.call('ZADD', KEYS[k + 3], now + tonumber(ARGV[4]), id)
  redis.call('PEXPIRE', KEYS[k + 3], ARGV[4])
  if not st.again then st.inflight = st.inflight + 1 end
  if st.prev and st.prev ~= '0' then redis.call('HINCRBY', KEYS[k + 4], 'sum', '-' .. st.prev) end
  redis.call('HSET', KEYS[k + 4], 'r:' .. id, ARGV[3])
  redis.call('HINCRBY', KEYS[k + 4], 'sum', ARGV[3])
  redis.call('PEXPIRE', KEYS[k + 4], ARGV[4])
  if ARGV[a + 8] == '1' then
    redis.call('PEXPIRE', KEYS[k + 1], ARGV[9])
    redis.call('PEXPIRE', KEYS[k + 9], ARGV[9])
  end
  reply[#reply + 1] = st.rpmCount
  reply[#reply + 1] = st.rpmOldest
  reply[#reply + 1] = st.inflight
  reply[#reply + 1] = st.reserved + reserve
  for w = 1, 5 do reply[#reply + 1] = st.spent[w] end
  reply[#reply + 1] = st.rollOldestSpent
end
return reply
`;

/**
 * KEYS: 1 done marker, then inflight + resv per released scope, then base, roll, day, week,
 * month, total per charged scope. ARGV: 1 requestId, 2 actual, 3 rollBucket, 4 rollOldestBucket,
 * 5 rollTtlMs, 6-8 daily/weekly/monthly ttlMs, 9 markerTtlMs, 10 doneTtlMs, 11 released count,
 * 12 charged count, 13 rollBuckets, 14 one character per charged scope: '1' when its marker and
 * all-time counter were refreshed recently (by this request's admission or an earlier request;
 * see MarkerRefreshes), so settling need not. Returns 1, or 0 when the request was
 * settled already. A charged scope without its marker is skipped: its spend is not known and
 * will be rebuilt from the ledger, which will hold this request too.
 *
 * Calendar counters expire at a fixed time (their window's end plus a grace), so their TTL is
 * set when a settlement creates them, not on every charge; the rolling hash is trimmed only when
 * a charge opened a new bucket.
 */
const SETTLE = `${ROLL_LIB}
local id, actual = ARGV[1], ARGV[2]
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[10]) then return 0 end
local nr, nc = tonumber(ARGV[11]), tonumber(ARGV[12])
for s = 1, nr do
  local inflight, resv = KEYS[2 * s], KEYS[2 * s + 1]
  redis.call('ZREM', inflight, id)
  local amt = redis.call('HGET', resv, 'r:' .. id)
  if amt then
    if amt ~= '0' then redis.call('HINCRBY', resv, 'sum', '-' .. amt) end
    redis.call('HDEL', resv, 'r:' .. id)
  end
end
if actual == '0' then return 1 end
local oldest = tonumber(ARGV[4])
for s = 1, nc do
  local b = 1 + 2 * nr + (s - 1) * 6
  if redis.call('EXISTS', KEYS[b + 1]) == 1 then
    if tonumber(ARGV[3]) >= oldest then
      local bucketTotal = addToRoll(KEYS[b + 2], ARGV[3], actual)
      redis.call('PEXPIRE', KEYS[b + 2], ARGV[5])
      -- A scope charged but never admitted (a provider) is not recounted by admission.
      if bucketTotal == tonumber(actual) and redis.call('HLEN', KEYS[b + 2]) > 2 * tonumber(ARGV[13]) then
        recount(KEYS[b + 2], oldest)
      end
    end
    for w = 1, 3 do
      if redis.call('INCRBY', KEYS[b + 2 + w], actual) == tonumber(actual) then
        redis.call('PEXPIRE', KEYS[b + 2 + w], ARGV[5 + w])
      end
    end
    redis.call('INCRBY', KEYS[b + 6], actual)
    if string.sub(ARGV[14], s, s) ~= '1' then
      redis.call('PEXPIRE', KEYS[b + 6], ARGV[9])
      redis.call('PEXPIRE', KEYS[b + 1], ARGV[9])
    end
  end
end
return 1
`;

/**
 * KEYS: base, roll, day, week, month, total of one scope. ARGV: 1 markerTtlMs, 2 rollTtlMs,
 * 3-5 daily/weekly/monthly ttlMs, 6-9 daily/weekly/monthly/total amounts, then bucket/amount
 * pairs. Writes the baseline only if no other gateway did (the marker is SET NX); returns 1 if
 * it wrote, 0 if the marker was there.
 */
const SEED = `${ROLL_LIB}
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 0 end
redis.call('DEL', KEYS[2])
for i = 10, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
if #ARGV >= 10 then
  recount(KEYS[2], 0)
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
for w = 1, 3 do redis.call('SET', KEYS[2 + w], ARGV[5 + w], 'PX', ARGV[2 + w]) end
redis.call('SET', KEYS[6], ARGV[9], 'PX', ARGV[1])
return 1
`;

export const admitScript = new LuaScript(ADMIT);
export const settleScript = new LuaScript(SETTLE);
export const seedScript = new LuaScript(SEED);
