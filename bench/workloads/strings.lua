-- strings.lua - string building and pattern matching for lua5.4 (every
-- string is interned or allocated through realloc/free; long strings,
-- luaL_Buffer growth and table.concat go through realloc).
--
--   lua5.4 strings.lua [--scale F]
--
-- Per round: builds a synthetic document with table.concat and with
-- repeated `..` (quadratic copying on purpose, in short runs),
-- string.format and string.rep, tokenises it with gmatch, rewrites it with
-- gsub (string, table and function replacements), upper/lower/reverse,
-- splits it into lines and words and counts them in a table of
-- string keys, string.pack/unpack records, and builds a CSV and parses it
-- back. Many short strings (interned) and a few long ones (hundreds of
-- KiB, not interned) are made and dropped.
--
-- Deterministic: an integer LCG with a pinned seed; counts are summed, not
-- read in pairs() order. Prints `checksum`, `peak_rss_kib`, `rss_end_kib`.

-- helpers: bench/workloads/common.lua, loaded from this script's directory
-- (the workloads are run from anywhere, without LUA_PATH)
local common = dofile((arg[0]:match("^(.*)/") or ".") .. "/common.lua")
local parse_scale, count, add, report, rand =
  common.parse_scale, common.count, common.add, common.report, common.rand

-- the workload

local WORDS = {}
do
  local syl = {"ka", "ri", "to", "mo", "na", "shi", "ve", "lo", "qua", "zen",
               "tir", "bel", "fo", "gu", "pra", "sten", "dro", "mi", "lu", "xe"}
  for i = 1, 3000 do
    local parts = {}
    for j = 1, 1 + rand(4) do parts[j] = syl[rand(#syl) + 1] end
    WORDS[i] = table.concat(parts) .. (i % 7 == 0 and tostring(i) or "")
  end
end

local function document(lines)
  local out = {}
  for i = 1, lines do
    local w = {}
    for j = 1, 4 + rand(12) do
      local r = rand(1000)
      if r < 25 then  -- a rare word: mostly seen once
        w[j] = WORDS[rand(#WORDS) + 1] .. "q" .. rand(1000000)
      else
        w[j] = WORDS[(r * r * r) // 333334 + 1]
      end
    end
    out[i] = string.format("%05d: %s.", i, table.concat(w, " "))
  end
  return table.concat(out, "\n")
end

local function concat_runs(n)
  local total = 0
  for i = 1, n do
    local s = ""
    for j = 1, 40 do s = s .. WORDS[rand(#WORDS) + 1] .. "," end
    total = total + #s
  end
  return total
end

local REPL = {ka = "KA", zen = "Z-E-N", lo = "LOLO"}

local function one_round(r)
  local doc = document(2500)
  add(#doc)
  local counts, nwords, nlines = {}, 0, 0
  for line in doc:gmatch("[^\n]+") do
    nlines = nlines + 1
    local body = line:match("^%d+: (.*)%.$")
    for w in body:gmatch("%a+%d*") do
      nwords = nwords + 1
      counts[w] = (counts[w] or 0) + 1
    end
  end
  local distinct, weighted = 0, 0
  for w, c in pairs(counts) do distinct = distinct + 1; weighted = weighted + c * #w end
  add(nlines); add(nwords); add(distinct); add(weighted)

  local a, na = doc:gsub("(%a+)", REPL)
  local b, nb = a:gsub("%d+", function(d) return tostring(tonumber(d) * 3) end)
  local c, nc = b:gsub("(%w+) (%w+)", "%2 %1")
  add(#a); add(na); add(#b); add(nb); add(#c); add(nc)
  local u = c:upper()
  local l = u:lower():reverse()
  add(#u + #l); add(l:sub(1, 64))
  add(select(2, l:gsub("n%-e%-z", "")))

  add(concat_runs(300))

  local recs = {}
  for i = 1, 3000 do
    recs[i] = string.pack("<i4 i8 s2 d", i, i * 1000003, WORDS[rand(#WORDS) + 1], i / 8)
  end
  local packed = table.concat(recs)
  local pos, s = 1, 0
  while pos <= #packed do
    local i4, i8, name, d
    i4, i8, name, d, pos = string.unpack("<i4 i8 s2 d", packed, pos)
    s = s + i4 + i8 % 1000 + #name + math.floor(d)
  end
  add(#packed); add(s)

  local rows = {}
  for i = 1, 2000 do
    rows[i] = string.format("%d,%q,%s,%d", i, WORDS[rand(#WORDS) + 1], string.rep("x", rand(40)), rand(1000000))
  end
  local csv = table.concat(rows, "\n")
  local fields, fsum = 0, 0
  for line in csv:gmatch("[^\n]+") do
    for f in (line .. ","):gmatch("([^,]*),") do
      fields = fields + 1
      fsum = fsum + #f
    end
  end
  add(fields); add(fsum)
  return counts
end

local scale = parse_scale(arg)
local rounds = count(scale, 18)
local keep, nkeep = {}, 0
for r = 1, rounds do
  local counts = one_round(r)
  -- survivors: the rare words of every round, as longer strings
  for w, c in pairs(counts) do
    if c == 1 then
      keep[r .. ":" .. w] = w:rep(3); nkeep = nkeep + 1
    end
  end
end
local klen = 0
for _, v in pairs(keep) do klen = klen + #v end
add(nkeep); add(klen)
report({{"rounds", rounds}, {"survivors", nkeep}})
