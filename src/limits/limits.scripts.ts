import { LuaScript } from '../common/redis/lua-script';
import { ROLL_LIB } from './bucket-hash-lib';

/*
 * Keys of one scope (`<prefix><kind>:<id>:`), in this order wherever a script takes a scope:
 *   base      marker: the scope's spend counters are valid (seeded from the ledger)
 *   rpm       zset requestId → admission ms: the request window of releases before the rate
 *             hash; only read (counted), so that during a rolling upgrade this release sees what
 *             replicas of the previous one admitted
 *   inflight  zset requestId → expiry ms: held concurrency slots (= open reservations)
 *   resv      hash `r:<requestId>` → reserved micro-dollars, `sum` → their total
 *   roll      hash bucket index → spent micro-dollars (rolling 5 h window), plus, when known,
 *             field `-1` = the sum of its buckets and `-2` = its oldest bucket (-1 if none):
 *             admission reads those two instead of walking up to 60 buckets, and walks the hash
 *             only when the oldest has slid out of the window or they are missing (ROLL_LIB)
 *   day, week, month   string: spent micro-dollars in the calendar window named in the key
 *   total     string: spent micro-dollars ever
 *   rate      hash second (admission ms / 1,000) → requests admitted in it: the 60 s request
 *             window in steps of a second, plus aggregates `-1` (the count) and `-2` (the oldest
 *             second with requests) as in roll. A request counts until the end of its second plus
 *             60 s: never less than 60 s, at most a second more. Until session 32 this was a zset
 *             with one entry per request, exact to the millisecond: on a busy scope (200,000
 *             entries at 3,300 requests/s) its insert and trim were ~8 µs of Redis' ~23 per
 *             admit + settle (INFO commandstats of `npm run bench:limits`), and ~120 bytes each.
 * Amounts are integers; Lua compares them as doubles, exact below 2^53. Numbers reaching Redis
 * commands are passed as strings made by `int` (below), never as Lua numbers: Lua would print
 * large numbers in exponent notation, and Redis 7.0 turns a number argument into text with
 * `%.17g`, whose glibc implementation divides in multi-precision arithmetic. Those conversions
 * (and `%.0f`, the same code) were ~9 % of Redis' CPU per admit + settle (`perf` of
 * `npm run bench:limits`); `%d` of an integer takes the plain integer path. The other way, text
 * known to hold a number is read with `+ 0`: Lua 5.1's `tonumber` runs `strtod` twice per string
 * (a check, then the conversion), and those calls were 9 % of Redis' instructions (callgrind);
 * `tonumber` stays only where a value may be missing (`false` from Redis, nil).
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
  'rate',
] as const;
export type ScopeKeyPart = (typeof SCOPE_KEY_PARTS)[number];

/**
 * Admits a batch of requests, in order, as if each had run alone right after the one before:
 * the requests a gateway process admits in one event-loop turn (see `TurnBatch`). Each scope's
 * state is read once per batch and its writes are made once at the end (one count per second in
 * the rate hash, variadic ZADD and HSET), so a batch of n requests of the same key costs Redis
 * about what one did.
 *
 * KEYS: 10 per distinct scope. ARGV: 1 checkBaseline (1|0), 2 now, 3 slotTtlMs, 4 rollOldestBucket,
 * 5 rollBuckets, 6 rollBucketMs, 7 markerTtlMs, 8 rpmWindowMs, 9-11 daily/weekly/monthly resetAt,
 * 12 scope count, 13 request count, 14 TTL of the rate hash, 15 TTL of the inflight zset and the
 * resv hash, 16 the rate hash's step (1,000 ms), then per scope rpm, concurrency, the five
 * budgets (-1 means none), '1' when its marker and all-time counter are due a TTL refresh and
 * '1' when its rate, inflight and resv keys are (see MarkerRefreshes), then per request:
 * requestId, reserve, its scope count, the indexes of its scopes.
 *
 * Those three keys get their TTL when this call creates them (they were empty) or when the
 * scope's refresh is due, not on every call: three PEXPIREs per scope per call were a tenth of
 * the calls an admission makes. Their TTLs (14, 15) are the window, or the slot TTL, plus twice
 * the refresh interval, so each outlives every entry a process adds between two refreshes, even
 * one refresh lost to a failed call.
 * Replies: {'baseline', scope...} when a marker is missing (nothing changed); else one reply per
 * request: {'refused', kind, scope position in the request, window, retryAfterMs (-1 unknown)} or
 * {'ok', per scope of the request: rpmCount, rpmOldest (the end of the oldest counted second: its
 * requests leave the window a window later), inflight, reserved}, and after them one
 * more: per scope of the call, spent5h, daily, weekly, monthly, total and rollOldestSpentBucket
 * (-1 none). Spend is read once and no admission changes it, so it is sent once per scope, not
 * once per request: turning the replies into RESP was ~7 % of the script's instructions.
 */
const ADMIT = `${ROLL_LIB}
local K, P, H = 10, 9, 16
local now, nowArg, slotTtl = ARGV[2] + 0, ARGV[2], ARGV[3]
local rpmKeyTtl, slotKeysTtl = ARGV[14], ARGV[15]
local rollOldest, rollBuckets, rollBucketMs = ARGV[4] + 0, ARGV[5] + 0, ARGV[6] + 0
local rpmWindow, rpmSecondMs = ARGV[8] + 0, ARGV[16] + 0
-- The second of this call, the seconds a request's count spans (its own and the window's), and
-- the oldest whose requests still count.
local rpmSecond = math.floor(now / rpmSecondMs)
local rpmSpan = rpmWindow / rpmSecondMs + 1
local rpmOldestSecond = rpmSecond - rpmSpan + 1
local legacyCutoff, slotExpiry = '(' .. int(now - rpmWindow), int(now + slotTtl)
local resets = {ARGV[9] + 0, ARGV[10] + 0, ARGV[11] + 0}
local S, R = ARGV[12] + 0, ARGV[13] + 0
local names = {'5h', 'daily', 'weekly', 'monthly', 'total'}

-- Each scope's marker and calendar counters in one read: a missing marker ends the call.
local counters, missing = {}, {'baseline'}
for s = 1, S do
  local k = (s - 1) * K
  counters[s] = redis.call('MGET', KEYS[k + 1], KEYS[k + 6], KEYS[k + 7], KEYS[k + 8], KEYS[k + 9])
  if ARGV[1] == '1' and not counters[s][1] then missing[#missing + 1] = s end
end
if #missing > 1 then return missing end

local reqs, users = {}, {}
for s = 1, S do users[s] = {} end
local a = H + S * P + 1
for r = 1, R do
  local q = {id = ARGV[a], reserveArg = ARGV[a + 1], reserve = ARGV[a + 1] + 0, scopes = {}}
  for j = 1, ARGV[a + 2] + 0 do
    local s = ARGV[a + 2 + j] + 0
    q.scopes[j] = s
    users[s][#users[s] + 1] = q.id
  end
  a = a + 3 + #q.scopes
  reqs[r] = q
end

-- Each scope's state, once: what the requests before in the batch then change in memory.
local state = {}
for s = 1, S do
  local k, p = (s - 1) * K, H + (s - 1) * P
  -- Every field is in the constructor, which sizes the table once (a field added later grows it).
  local st = {rpm = ARGV[p + 1] + 0, conc = ARGV[p + 2] + 0, limits = {},
    refresh = ARGV[p + 8] == '1', refreshKeys = ARGV[p + 9] == '1',
    refreshInflight = false, refreshResv = false,
    rpmCount = 0, rpmStored = 0, rpmLow = -1, rpmOldest = -1, rpmAdds = 0, rpmLegacy = 0,
    inflight = 0,
    prev = {}, reserved = 0, storedReserved = 0, resvOrder = {}, resvArgs = {},
    rollOldestSpent = -1, spent = false, touched = false}
  for w = 1, 5 do st.limits[w] = ARGV[p + 2 + w] + 0 end
  if st.rpm >= 0 then
    -- The stored count, unless its oldest second slid out (or it is not known).
    local agg = redis.call('HMGET', KEYS[k + 10], SUM, LOW)
    local count, low = tonumber(agg[1]), (agg[2] or '-1') + 0
    if not count or (low >= 0 and low < rpmOldestSecond) then
      count, low = recount(KEYS[k + 10], rpmOldestSecond)
    end
    st.rpmStored, st.rpmLow = count, low
    if low >= 0 then st.rpmOldest = (low + 1) * rpmSecondMs end
    st.rpmLegacy = redis.call('ZCOUNT', KEYS[k + 2], legacyCutoff, '+inf')
    st.rpmCount = count + st.rpmLegacy
  end

  -- Expired slots (a gateway died mid-request) give back their slot and reservation. Field
  -- x:<id> says the request was swept, not settled: should it end after all, its settlement
  -- still charges it once (see settleScript).
  local expired = redis.call('ZRANGEBYSCORE', KEYS[k + 3], '-inf', nowArg)
  for _, m in ipairs(expired) do
    local amt = redis.call('HGET', KEYS[k + 4], 'r:' .. m)
    if amt then
      if amt ~= '0' then redis.call('HINCRBY', KEYS[k + 4], 'sum', '-' .. amt) end
      redis.call('HDEL', KEYS[k + 4], 'r:' .. m)
      redis.call('HSET', KEYS[k + 4], 'x:' .. m, '1')
    end
  end
  if #expired > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[k + 3], '-inf', nowArg) end
  local ids, fields = users[s], {'sum'}
  for j, id in ipairs(ids) do fields[j + 1] = 'r:' .. id end
  st.inflight = redis.call('ZCARD', KEYS[k + 3])
  local resv = redis.call('HMGET', KEYS[k + 4], unpack(fields))
  st.reserved = (resv[1] or '0') + 0
  -- No slot held means no inflight key; no sum may mean no resv key (or reservations of 0).
  -- Each is given its TTL on its own account: at one request at a time every admission finds
  -- the inflight key gone (the settlement before took its last slot) while the resv hash, whose
  -- sum stays, still has its TTL.
  st.refreshInflight = st.refreshKeys or st.inflight == 0
  st.refreshResv = st.refreshKeys or not resv[1]
  st.storedReserved = st.reserved
  -- A request admitted again (ioredis resending after a reconnect) still has the reservation
  -- that was written with its slot and its rpm entry (and is removed with its slot): it keeps
  -- its one slot and is counted once. No ZMSCORE of the two zsets is needed to know it. A
  -- request with a prev reservation (held before, or admitted earlier in this batch) holds
  -- a slot and an rpm entry already.
  for j, id in ipairs(ids) do
    if resv[j + 1] then
      st.prev[id] = resv[j + 1] + 0
    end
  end

  -- Rolling window: the stored sum, unless its oldest bucket slid out (or it is not known).
  local agg = redis.call('HMGET', KEYS[k + 5], SUM, LOW)
  local spent5h, low = tonumber(agg[1]), (agg[2] or '-1') + 0
  if not spent5h or (low >= 0 and low < rollOldest) then
    spent5h, low = recount(KEYS[k + 5], rollOldest)
  end
  st.rollOldestSpent = low
  st.spent = {spent5h}
  for w = 2, 5 do st.spent[w] = (counters[s][w] or '0') + 0 end
  state[s] = st
end

-- When enough of a bucketed window (the rolling spend, the request seconds) slides out for a
-- refusal to pass, oldest first: -1 if what is stored is not enough. A bucket b leaves once
-- bucket b + span begins.
local function bucketRetry(key, need, oldest, span, bucketMs)
  local buckets, fields = {}, redis.call('HGETALL', key)
  for i = 1, #fields, 2 do
    local b = tonumber(fields[i])
    if b and b >= oldest then buckets[#buckets + 1] = {b, fields[i + 1] + 0} end
  end
  table.sort(buckets, function(x, y) return x[1] < y[1] end)
  local freed = 0
  for _, bv in ipairs(buckets) do
    freed = freed + bv[2]
    if freed >= need then return (bv[1] + span) * bucketMs - now end
  end
  return -1
end

local function refusal(q)
  for j, s in ipairs(q.scopes) do
    local st, k = state[s], (s - 1) * K
    local known = st.prev[q.id] ~= nil
    if st.rpm >= 0 and st.rpmCount >= st.rpm and not known then
      -- The (count - rpm + 1) oldest must slide out; this batch's own are the newest, in this
      -- second. Entries of a previous release's replicas are not placed in time: unknown.
      local need, retry = st.rpmCount - st.rpm + 1, -1
      if st.rpmLegacy > 0 then
        retry = -1
      elseif st.rpmStored >= need then
        retry = bucketRetry(KEYS[k + 10], need, rpmOldestSecond, rpmSpan, rpmSecondMs)
      else
        retry = (rpmSecond + rpmSpan) * rpmSecondMs - now
      end
      return {'refused', 'rate', j, '', retry}
    end
    if st.conc >= 0 and not known and st.inflight >= st.conc then
      return {'refused', 'concurrency', j, '', -1}
    end
    local others = st.reserved - (st.prev[q.id] or 0)
    for w = 1, 5 do
      local limit = st.limits[w]
      local need = st.spent[w] + others + q.reserve - limit
      if limit >= 0 and need > 0 then
        local retry = -1
        if q.reserve + others <= limit then
          if w == 1 then retry = bucketRetry(KEYS[k + 5], need, rollOldest, rollBuckets, rollBucketMs)
          elseif w <= 4 then retry = resets[w - 1] - now end
        end
        return {'refused', 'budget', j, names[w], retry}
      end
    end
  end
  return nil
end

local replies = {}
for r, q in ipairs(reqs) do
  local refused = refusal(q)
  if refused then
    replies[r] = refused
  else
    local reply = {'ok'}
    for _, s in ipairs(q.scopes) do
      local st = state[s]
      st.touched = true
      local before = st.prev[q.id]
      if before == nil then
        if st.rpm >= 0 then
          st.rpmAdds = st.rpmAdds + 1
          st.rpmCount = st.rpmCount + 1
        end
        st.inflight = st.inflight + 1
      end
      if st.rpm >= 0 and st.rpmOldest < 0 then st.rpmOldest = (rpmSecond + 1) * rpmSecondMs end
      st.reserved = st.reserved - (before or 0) + q.reserve
      st.prev[q.id] = q.reserve
      if not st.resvArgs[q.id] then st.resvOrder[#st.resvOrder + 1] = q.id end
      st.resvArgs[q.id] = q.reserveArg
      reply[#reply + 1] = st.rpmCount
      reply[#reply + 1] = st.rpmOldest
      reply[#reply + 1] = st.inflight
      reply[#reply + 1] = st.reserved
    end
    replies[r] = reply
  end
end
local spent = {}
for s = 1, S do
  local st = state[s]
  for w = 1, 5 do spent[#spent + 1] = st.spent[w] end
  spent[#spent + 1] = st.rollOldestSpent
end
replies[#reqs + 1] = spent

for s = 1, S do
  local k, st = (s - 1) * K, state[s]
  if st.touched then
    if st.rpmAdds > 0 then
      -- One count per second and batch, whatever the number of requests. The aggregates are
      -- written whole (the script read them), so a batch leaves what its requests one by one
      -- would have left.
      local second, low = int(rpmSecond), st.rpmLow
      if low < 0 or rpmSecond < low then low = rpmSecond end
      redis.call('HINCRBY', KEYS[k + 10], second, int(st.rpmAdds))
      redis.call('HSET', KEYS[k + 10], SUM, int(st.rpmStored + st.rpmAdds), LOW, int(low))
      if st.rpmStored == 0 or st.refreshKeys then redis.call('PEXPIRE', KEYS[k + 10], rpmKeyTtl) end
    end
    local slots, fields = {}, {}
    for _, id in ipairs(st.resvOrder) do
      slots[#slots + 1] = slotExpiry
      slots[#slots + 1] = id
      fields[#fields + 1] = 'r:' .. id
      fields[#fields + 1] = st.resvArgs[id]
    end
    redis.call('ZADD', KEYS[k + 3], unpack(slots))
    redis.call('HSET', KEYS[k + 4], unpack(fields))
    local delta = st.reserved - st.storedReserved
    if delta ~= 0 then redis.call('HINCRBY', KEYS[k + 4], 'sum', int(delta)) end
    if st.refreshInflight then redis.call('PEXPIRE', KEYS[k + 3], slotKeysTtl) end
    if st.refreshResv then redis.call('PEXPIRE', KEYS[k + 4], slotKeysTtl) end
    if st.refresh then
      redis.call('PEXPIRE', KEYS[k + 1], ARGV[7])
      redis.call('PEXPIRE', KEYS[k + 9], ARGV[7])
    end
  end
end
return replies
`;

/**
 * Settles a batch of requests (those a process settles in one event-loop turn). Idempotent per
 * request, by the reservation itself: a request is settled by the call that finds its
 * reservation field (`r:<requestId>`), or the `x:<requestId>` an admission left when it swept the
 * request's expired slot, in one of its scopes' resv hashes and removes it; a call that finds
 * neither (a settlement sent again, or a second settle of the same reservation) changes nothing
 * for it. Only a degraded reservation (admitted while Redis failed, so it holds nothing
 * here) or an admission of no scope is marked settled by a `done` marker, SET NX. A request
 * given twice in one call counts once. Slots and reservations are released per scope in one call
 * each; the charges of a scope and window set are summed and added once.
 *
 * Why not a marker for every request: one key per request was ~1 SET and ~150 bytes of Redis per
 * request for ten minutes (~720 MB at 8,000 requests/s), and the reservation field that the
 * settlement reads and deletes anyway already says whether the request was settled.
 *
 * KEYS: the done markers of those requests, then inflight + resv per release group (a
 * scope), then base, roll, day, week, month, total per charge group (a scope and the windows of an
 * admission instant).
 * ARGV: 1 request count, 2 release groups, 3 charge groups, 4 rollOldestBucket, 5 markerTtlMs,
 * 6 doneTtlMs, 7 rollBuckets, 8 marker count, then the request ids, then the indexes of the
 * requests with a marker (in the order of their keys); per release group: its request count and
 * the requests' indexes; per charge group: rollBucket, rollTtlMs, daily/weekly/monthly ttlMs, '1'
 * when its marker and all-time counter were refreshed recently (see MarkerRefreshes), then its
 * request count and (request index, actual micro-dollars) pairs.
 * Returns per request 1, or 0 when it was settled already. A charged scope without its marker is
 * skipped: its spend is not known and will be rebuilt from the ledger, which will hold the request.
 *
 * Calendar counters expire at a fixed time (their window's end plus a grace), so their TTL is
 * set when a settlement creates them, not on every charge; the rolling hash's expiry is checked,
 * and the hash trimmed, only when a charge opened a new bucket.
 */
const SETTLE = `${ROLL_LIB}
local n, nr, nc, nd = ARGV[1] + 0, ARGV[2] + 0, ARGV[3] + 0, ARGV[8] + 0
local oldest = ARGV[4] + 0
local ids, first, found, fresh, replies = {}, {}, {}, {}, {}
for i = 1, n do
  local id = ARGV[8 + i]
  ids[i] = id
  if not first[id] then first[id] = i end
end
local a = 9 + n
for d = 1, nd do
  local i = ARGV[a + d - 1] + 0
  if first[ids[i]] == i then
    fresh[i] = redis.call('SET', KEYS[d], '1', 'NX', 'PX', ARGV[6]) ~= false
  end
end
a = a + nd
for g = 1, nr do
  local inflight, resv = KEYS[nd + 2 * g - 1], KEYS[nd + 2 * g]
  local m, members, fields, owners = ARGV[a] + 0, {}, {}, {}
  for j = 1, m do
    local i = ARGV[a + j] + 0
    if first[ids[i]] == i then
      members[#members + 1] = ids[i]
      fields[#fields + 1] = 'r:' .. ids[i]
      owners[#owners + 1] = i
    end
  end
  a = a + 1 + m
  if #members > 0 then
    redis.call('ZREM', inflight, unpack(members))
    local amounts, held, total = redis.call('HMGET', resv, unpack(fields)), {}, 0
    for j, field in ipairs(fields) do
      if amounts[j] then
        found[owners[j]] = true
        held[#held + 1] = field
        total = total + amounts[j]
      end
    end
    if #held > 0 then
      if total ~= 0 then redis.call('HINCRBY', resv, 'sum', int(-total)) end
      redis.call('HDEL', resv, unpack(held))
    end
    -- Not held: settled before, or swept when its slot expired (then charged now, once).
    if #held < #fields then
      local swept, sweptOwners, gone = {}, {}, {}
      for j, i in ipairs(owners) do
        if not amounts[j] then
          swept[#swept + 1] = 'x:' .. ids[i]
          sweptOwners[#swept] = i
        end
      end
      local marks = redis.call('HMGET', resv, unpack(swept))
      for j, mark in ipairs(swept) do
        if marks[j] then
          found[sweptOwners[j]] = true
          gone[#gone + 1] = mark
        end
      end
      if #gone > 0 then redis.call('HDEL', resv, unpack(gone)) end
    end
  end
end
for i = 1, n do
  -- A marker decided for a request that has one; any other is fresh if its reservation was held.
  if fresh[i] == nil then fresh[i] = found[i] == true end
  replies[i] = fresh[i] and 1 or 0
end
for g = 1, nc do
  local b = nd + 2 * nr + (g - 1) * 6
  local bucket, m, sum = ARGV[a], ARGV[a + 6] + 0, 0
  for j = 1, m do
    if fresh[ARGV[a + 5 + 2 * j] + 0] then sum = sum + ARGV[a + 6 + 2 * j] end
  end
  if sum > 0 and redis.call('EXISTS', KEYS[b + 1]) == 1 then
    local amount = int(sum)
    if bucket + 0 >= oldest then
      -- Only a charge that opens a bucket can move the hash's expiry: the first charge of every
      -- bucket (and the seed) already made it last until that bucket leaves the window.
      if addToRoll(KEYS[b + 2], bucket, amount) == sum then
        -- The hash lives until its newest bucket leaves the window: a request admitted in an older
        -- bucket that settles late must not bring that forward (PTTL is -1 for a fresh hash).
        if redis.call('PTTL', KEYS[b + 2]) < ARGV[a + 1] + 0 then
          redis.call('PEXPIRE', KEYS[b + 2], ARGV[a + 1])
        end
        -- A scope charged but never admitted (a provider) is not recounted by admission.
        if redis.call('HLEN', KEYS[b + 2]) > 2 * ARGV[7] then recount(KEYS[b + 2], oldest) end
      end
    end
    for w = 1, 3 do
      if redis.call('INCRBY', KEYS[b + 2 + w], amount) == sum then
        redis.call('PEXPIRE', KEYS[b + 2 + w], ARGV[a + 1 + w])
      end
    end
    redis.call('INCRBY', KEYS[b + 6], amount)
    if ARGV[a + 5] ~= '1' then
      redis.call('PEXPIRE', KEYS[b + 6], ARGV[5])
      redis.call('PEXPIRE', KEYS[b + 1], ARGV[5])
    end
  end
  a = a + 7 + 2 * m
end
return replies
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

/**
 * Takes an admission that no request used (see `LimitsEngine.withdraw`) out of its scopes'
 * request windows, as if it had never been admitted. KEYS: the rate hash of each scope. ARGV:
 * 1 the second it was admitted in, 2 the oldest second still counted. A second that slid out
 * meanwhile holds nothing to take back.
 */
const WITHDRAW = `${ROLL_LIB}
if ARGV[1] + 0 < ARGV[2] + 0 then return 0 end
for i = 1, #KEYS do
  if (tonumber(redis.call('HGET', KEYS[i], ARGV[1])) or 0) > 0 then
    addToRoll(KEYS[i], ARGV[1], '-1')
  end
end
return 1
`;

export const admitScript = new LuaScript(ADMIT);
export const withdrawScript = new LuaScript(WITHDRAW);
export const settleScript = new LuaScript(SETTLE);
export const seedScript = new LuaScript(SEED);
