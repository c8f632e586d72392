-- tables.lua - table churn for lua5.4 (every table, array part and hash
-- part is allocated and resized through the C library's realloc/free).
--
--   lua5.4 tables.lua [--scale F]
--
-- Per round: arrays grown element by element and shrunk with
-- table.remove, hash tables with string and integer keys filled and
-- emptied (rehashes both ways), nested record tables built, sorted and
-- grouped, sparse tables with holes, table.concat/table.move/table.unpack,
-- and a bounded cache that keeps a slowly changing set of records alive
-- across rounds.
--
-- Deterministic: an integer LCG with a pinned seed; nothing depends on the
-- order of pairs() over string keys (Lua randomises string hashes per
-- run) or over table keys (addresses). Prints `checksum`, `peak_rss_kib`,
-- `rss_end_kib` (VmHWM and VmRSS from /proc/self/status).

-- helpers: bench/workloads/common.lua, loaded from this script's directory
-- (the workloads are run from anywhere, without LUA_PATH)
local common = dofile((arg[0]:match("^(.*)/") or ".") .. "/common.lua")
local parse_scale, count, add, report, rand =
  common.parse_scale, common.count, common.add, common.report, common.rand

-- the workload
local function arrays(n)
  local a = {}
  for i = 1, n do a[#a + 1] = rand(1000) end
  local s = 0
  while #a > n // 2 do  -- remove at random: swap with the last, shrink
    local j = rand(#a) + 1
    s = s + a[j]
    a[j] = a[#a]
    a[#a] = nil
  end
  for i = 1, n // 4 do a[#a + 1] = i end
  for i = 1, 50 do table.insert(a, rand(#a) + 1, i) end  -- a few shifts
  local b = table.move(a, 1, #a, 1, {})
  table.sort(b)
  add(s); add(#a); add(b[1]); add(b[#b]); add(b[#b // 2])
  local c = {}
  for i = 1, #b, 7 do c[#c + 1] = tostring(b[i]) end
  add(#table.concat(c, ","))
end

local function hashes(n)
  local h, ints = {}, {}
  for i = 1, n do
    local k = "key" .. rand(n)
    h[k] = (h[k] or 0) + 1
    ints[rand(n * 4)] = i
  end
  local keys = {}
  for k in pairs(h) do keys[#keys + 1] = k end
  table.sort(keys)
  local s = 0
  for i, k in ipairs(keys) do
    s = s + h[k] * i
    if i % 3 == 0 then h[k] = nil end  -- holes, then rehash on insert
  end
  for i = 1, n // 2 do h["new" .. i] = i end
  local cnt = 0
  for _ in pairs(h) do cnt = cnt + 1 end
  local isum, icnt = 0, 0
  for k, v in pairs(ints) do isum = isum + k * v; icnt = icnt + 1 end
  add(#keys); add(s); add(cnt); add(isum); add(icnt)
end

local NAMES = {"ant", "bee", "cat", "dog", "eel", "fox", "gnu", "hen", "ibis", "jay"}
local function records(n)
  local rs = {}
  for i = 1, n do
    rs[i] = {id = i, name = NAMES[rand(#NAMES) + 1] .. i, score = rand(100000),
             tags = {NAMES[rand(#NAMES) + 1], NAMES[rand(#NAMES) + 1]},
             pos = {x = rand(2000) - 1000, y = rand(2000) - 1000}}
  end
  table.sort(rs, function(a, b)
    if a.score ~= b.score then return a.score < b.score end
    return a.id < b.id
  end)
  local groups = {}
  for _, r in ipairs(rs) do
    for _, t in ipairs(r.tags) do
      local g = groups[t]
      if not g then g = {}; groups[t] = g end
      g[#g + 1] = r.id
    end
  end
  local s = 0
  for i = 1, #NAMES do
    local g = groups[NAMES[i]] or {}
    s = s + #g * i + (g[1] or 0)
  end
  add(rs[1].id); add(rs[#rs].id); add(s)
  return rs
end

local function sparse(n)
  local t = {}
  for i = 1, n do t[i * 3] = {i} end
  for i = 1, n, 2 do t[i * 3] = nil end
  local s = 0
  for i = 1, n * 3 do if t[i] then s = s + t[i][1] end end
  local packed = table.pack(table.unpack(t, 1, 200))
  add(s); add(packed.n)
end

local scale = parse_scale(arg)
local rounds = count(scale, 8)
local cache, cache_order, cache_n, head, tail = {}, {}, 0, 1, 0
for r = 1, rounds do
  arrays(20000)
  hashes(20000)
  local rs = records(8000)
  sparse(20000)
  -- survivors: up to 2500 records, oldest evicted first
  for i = 1, 400 do
    local rec = rs[rand(#rs) + 1]
    local k = rec.id * 1000 + r
    if not cache[k] then
      cache[k] = rec; cache_n = cache_n + 1
      tail = tail + 1
      cache_order[tail] = k
    end
  end
  while cache_n > 2500 do
    cache[cache_order[head]] = nil
    cache_order[head] = nil
    head = head + 1
    cache_n = cache_n - 1
  end
  collectgarbage("step", 0)
end
local s = 0
for i = head, tail do s = (s + cache[cache_order[i]].score * i) % 1000000007 end
add(cache_n); add(s)
report({{"rounds", rounds}, {"survivors", cache_n}})
