-- Allocation-heavy, deterministic workload for tests/preload/lua.sh.
-- Prints counts and checksums only, so a run under
-- LD_PRELOAD=libmallard.so must print exactly what a normal run prints.

local function checksum(s)
  local h = 5381
  for i = 1, #s do
    h = (h * 33 + s:byte(i)) % 4294967296
  end
  return string.format("%08x", h)
end

-- a small LCG: the same stream on 32- and 64-bit builds
local seed = 20240601
local function rand(n)
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % n
end

-- tables: arrays, hashes, holes, rehashing
do
  local t, keys = {}, 0
  for i = 1, 60000 do
    local k = "k" .. rand(20000)
    if t[k] == nil then keys = keys + 1; t[k] = {} end
    local list = t[k]
    list[#list + 1] = i
  end
  local removed = 0
  for k, v in pairs(t) do
    if #v % 3 == 0 then t[k] = nil; removed = removed + 1 end
  end
  local arr = {}
  for i = 1, 50000 do arr[i] = i * 7 % 1000 end
  for i = 1, 50000, 2 do arr[i] = nil end
  local sum = 0
  for i = 2, 50000, 2 do sum = sum + arr[i] end
  table.sort(arr, function(a, b) return (a or 0) < (b or 0) end)
  print(string.format("tables: keys=%d removed=%d sum=%d", keys, removed, sum))
end

-- strings: concatenation, table.concat, gsub, format, rep
do
  local parts = {}
  for i = 1, 20000 do
    parts[#parts + 1] = string.format("%05d:%s", i, string.rep(string.char(97 + i % 26), rand(30)))
  end
  local joined = table.concat(parts, ",")
  local upper = joined:upper():gsub("A", "<a>")
  local words = 0
  for _ in joined:gmatch("[^,]+") do words = words + 1 end
  local built = ""
  for i = 1, 3000 do built = built .. parts[i]:sub(1, 3) end
  print(string.format("strings: len=%d words=%d upper=%s built=%s", #joined, words,
                      checksum(upper), checksum(built)))
end

-- closures and upvalues
do
  local counters = {}
  for i = 1, 20000 do
    local n = i
    counters[i] = function(d) n = n + d; return n end
  end
  local total = 0
  for r = 1, 5 do
    for i = 1, #counters, 3 do total = total + counters[i](r) end
  end
  print(string.format("closures: n=%d total=%d", #counters, total))
end

-- coroutines: generators and a producer/consumer pipeline
do
  local function gen(n)
    return coroutine.wrap(function()
      for i = 1, n do coroutine.yield({i, tostring(i)}) end
    end)
  end
  local count, acc = 0, 0
  for _ = 1, 200 do
    for item in gen(200) do
      count = count + 1
      acc = (acc + item[1] * #item[2]) % 1000003
    end
  end
  local producer = coroutine.create(function()
    for i = 1, 20000 do coroutine.yield(string.rep("x", i % 50)) end
  end)
  local bytes = 0
  while true do
    local ok, s = coroutine.resume(producer)
    if not ok or s == nil then break end
    bytes = bytes + #s
  end
  print(string.format("coroutines: items=%d acc=%d bytes=%d", count, acc, bytes))
end

-- garbage: cycles, weak tables, full and incremental/generational collections
do
  local weak = setmetatable({}, {__mode = "k"})
  local keep = {}
  for round = 1, 10 do
    for i = 1, 5000 do
      local a, b = {name = "a" .. i}, {name = "b" .. i}
      a.peer, b.peer = b, a
      weak[a] = true
      if i % 1000 == 0 then keep[#keep + 1] = a end
    end
    if round % 3 == 0 then collectgarbage("collect") else collectgarbage("step", 100) end
  end
  collectgarbage("generational")
  for i = 1, 20000 do local _ = {i, i + 1, tostring(i)} end
  collectgarbage("incremental")
  collectgarbage("collect")
  collectgarbage("collect")
  local alive = 0
  for _ in pairs(weak) do alive = alive + 1 end
  print(string.format("gc: kept=%d weak_alive=%d", #keep, alive))
end

print("done: " .. _VERSION .. ", " .. (string.packsize("j") * 8) .. "-bit integers")
