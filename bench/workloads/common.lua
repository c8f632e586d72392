-- common.lua - what the Lua workloads share: the command line (--scale F),
-- the work count for a scale, a 32-bit FNV-1a checksum over the results,
-- a pinned LCG (the same stream on 32- and 64-bit builds), and the closing
-- report: checksum, peak_rss_kib, rss_end_kib (VmHWM and VmRSS from
-- /proc/self/status). Each workload loads it with dofile from its own
-- directory, so they run from anywhere without LUA_PATH.

local function parse_scale(argv)
  local scale = 1.0
  local i = 1
  while argv[i] do
    if argv[i] == "--scale" then
      scale = tonumber(argv[i + 1]); i = i + 2
    elseif argv[i]:match("^%-%-scale=") then
      scale = tonumber(argv[i]:sub(9)); i = i + 1
    elseif tonumber(argv[i]) then
      scale = tonumber(argv[i]); i = i + 1
    else
      io.stderr:write("usage: lua5.4 " .. arg[0] .. " [--scale F]\n"); os.exit(2)
    end
  end
  if not scale or scale <= 0 then
    io.stderr:write("scale must be a number > 0\n"); os.exit(2)
  end
  return scale
end
local function count(scale, base) return math.max(1, math.floor(base * scale + 0.5)) end
local function status_kib(field)
  local f = io.open("/proc/self/status", "r")
  if not f then return -1 end
  for line in f:lines() do
    local v = line:match("^" .. field .. ":%s*(%d+)")
    if v then f:close(); return tonumber(v) end
  end
  f:close(); return -1
end
local ck = 2166136261
local function add(v)  -- FNV-1a over integers and strings, 32 bits
  if type(v) == "number" then v = string.format("%d", math.tointeger(v) or math.floor(v)) end
  for i = 1, #v do ck = ((ck ~ v:byte(i)) * 16777619) & 0xffffffff end
  ck = ((ck ~ 59) * 16777619) & 0xffffffff
end
local function report(extra)
  for _, kv in ipairs(extra or {}) do print(kv[1] .. " " .. tostring(kv[2])) end
  print(string.format("checksum %08x", ck))
  print("peak_rss_kib " .. status_kib("VmHWM"))
  print("rss_end_kib " .. status_kib("VmRSS"))
end
local seed = 20250317
local function rand(n)  -- 0 .. n-1; the same stream on 32- and 64-bit builds
  seed = (seed * 1103515245 + 12345) % 2147483648
  return (seed >> 8) % n
end

return {parse_scale = parse_scale, count = count, add = add, report = report, rand = rand}
