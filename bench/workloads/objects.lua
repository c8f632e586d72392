-- objects.lua - object-oriented Lua for lua5.4: classes built from
-- metatables with inheritance, closures as objects, coroutines, and a
-- simulation (a market of traders with orders, an order book, and
-- accounts) in which small objects are born and die every tick while the
-- accounts and the book live on.
--
--   lua5.4 objects.lua [--scale F]
--
-- What is allocated: tables with metatables (__index chains, __add/__eq/
-- __lt/__tostring/__len metamethods), upvalues and closures (one per
-- callback, counter and iterator), coroutines (a stack each), short
-- strings for ids and log lines, and a bounded trade log.
--
-- Deterministic: an integer LCG with a pinned seed, integer prices; the
-- order book is kept sorted by (price, sequence), never by pairs() order.
-- Prints `checksum`, `peak_rss_kib`, `rss_end_kib`.

-- helpers: bench/workloads/common.lua, loaded from this script's directory
-- (the workloads are run from anywhere, without LUA_PATH)
local common = dofile((arg[0]:match("^(.*)/") or ".") .. "/common.lua")
local parse_scale, count, add, report, rand =
  common.parse_scale, common.count, common.add, common.report, common.rand

-- the workload

-- a tiny class system
local function class(parent)
  local c = {}
  c.__index = c
  if parent then
    setmetatable(c, {__index = parent})
    -- metamethods are looked up raw: copy them (defined before subclassing)
    for _, k in ipairs({"__add", "__sub", "__eq", "__lt", "__le", "__len", "__tostring"}) do
      c[k] = rawget(parent, k)
    end
  end
  c.new = function(...)
    local o = setmetatable({}, c)
    o:init(...)
    return o
  end
  return c
end

local Money = class()
function Money:init(cents) self.cents = cents end
Money.__add = function(a, b) return Money.new(a.cents + b.cents) end
Money.__sub = function(a, b) return Money.new(a.cents - b.cents) end
Money.__eq = function(a, b) return a.cents == b.cents end
Money.__lt = function(a, b) return a.cents < b.cents end
Money.__tostring = function(a) return string.format("%d.%02d", a.cents // 100, a.cents % 100) end

local Account = class()
function Account:init(id, cash)
  self.id = id
  self.cash = Money.new(cash)
  self.shares = 0
  self.history = {}
end
function Account:record(what)
  local h = self.history
  h[#h + 1] = what
  if #h > 16 then
    local keep = {}
    for i = 9, #h do keep[#keep + 1] = h[i] end
    self.history = keep
  end
end

local Order = class()
function Order:init(seq, account, side, price, qty)
  self.seq, self.account, self.side, self.price, self.qty = seq, account, side, price, qty
  self.tag = side .. "#" .. seq
end
Order.__len = function(o) return o.qty end
function Order:expired(now) return now > self.seq + 2000 end  -- good for a while

local LimitOrder = class(Order)
function LimitOrder:init(seq, account, side, price, qty, ttl)
  Order.init(self, seq, account, side, price, qty)
  self.ttl = ttl
end
function LimitOrder:expired(now) return now > self.seq + self.ttl end

local Book = class()
function Book:init() self.bids, self.asks, self.trades, self.log, self.logn = {}, {}, 0, {}, 0 end

local function better(side)
  if side == "buy" then
    return function(a, b) if a.price ~= b.price then return a.price > b.price end return a.seq < b.seq end
  end
  return function(a, b) if a.price ~= b.price then return a.price < b.price end return a.seq < b.seq end
end
local buy_first, sell_first = better("buy"), better("sell")

function Book:insert(o)
  local list = o.side == "buy" and self.bids or self.asks
  local cmp = o.side == "buy" and buy_first or sell_first
  local i = #list + 1
  while i > 1 and cmp(o, list[i - 1]) do list[i] = list[i - 1]; i = i - 1 end
  list[i] = o
end

function Book:match(on_trade)
  local bids, asks = self.bids, self.asks
  while #bids > 0 and #asks > 0 and bids[1].price >= asks[1].price do
    local b, a = bids[1], asks[1]
    local q = math.min(#b, #a)
    assert(q > 0)
    local price = (a.seq < b.seq) and a.price or b.price
    b.qty, a.qty = b.qty - q, a.qty - q
    on_trade(b, a, q, price)
    if b.qty == 0 then table.remove(bids, 1) end
    if a.qty == 0 then table.remove(asks, 1) end
  end
end

function Book:expire(now)
  for _, list in ipairs({self.bids, self.asks}) do
    local j = 0
    for i = 1, #list do
      local o = list[i]
      if not o:expired(now) then j = j + 1; list[j] = o end
    end
    for i = #list, j + 1, -1 do list[i] = nil end
  end
end

-- closures: per-trader strategies with private state
local function momentum(window)
  local last = {}
  return function(price)
    last[#last + 1] = price
    if #last > window then table.remove(last, 1) end
    return price + (last[#last] - last[1]) // window
  end
end
local function contrarian(anchor)
  local n = 0
  return function(price)
    n = n + 1
    anchor = (anchor * 7 + price) // 8
    return anchor * 2 - price + (n % 3) - 1
  end
end

-- a coroutine per batch of traders that yields orders
local function trader_gen(traders, book_price, now, seq0)
  return coroutine.wrap(function()
    local seq = seq0
    for _, t in ipairs(traders) do
      if rand(4) == 0 then
        seq = seq + 1
        local target = t.strategy(book_price)
        local side = target >= book_price and "buy" or "sell"
        local price = math.max(1, target + rand(21) - 10)
        local o
        if rand(3) == 0 then
          o = Order.new(seq, t.account, side, price, 1 + rand(50))
        else
          o = LimitOrder.new(seq, t.account, side, price, 1 + rand(50), 20 + rand(200))
        end
        coroutine.yield(o)
      end
    end
  end)
end

local scale = parse_scale(arg)
local ticks = count(scale, 1000)
local traders = {}
for i = 1, 2000 do
  traders[i] = {account = Account.new(i, 1000000 + rand(1000000)),
                strategy = (i % 2 == 0) and momentum(2 + i % 9) or contrarian(1000 + i % 50)}
end
local book = Book.new()
local price, seq, volume = 1000, 0, 0
local turnover = Money.new(0)
local function on_trade(b, a, q, p)
  book.trades = book.trades + 1
  volume = volume + q
  local cost = Money.new(p * q)
  b.account.cash = b.account.cash - cost
  a.account.cash = a.account.cash + cost
  b.account.shares = b.account.shares + q
  a.account.shares = a.account.shares - q
  turnover = turnover + cost
  b.account:record("B" .. q .. "@" .. p)
  a.account:record("S" .. q .. "@" .. p)
  price = p
  book.logn = book.logn + 1
  book.log[book.logn % 1000 + 1] = string.format("%d %s %s %d %s", book.logn, b.tag, a.tag, q, tostring(cost))
end
for tick = 1, ticks do
  local batch = {}
  local first = rand(#traders - 200) + 1
  for i = first, first + 199 do batch[#batch + 1] = traders[i] end
  for o in trader_gen(batch, price, tick, seq) do
    seq = o.seq
    book:insert(o)
  end
  seq = seq + 1
  book:match(on_trade)
  if tick % 10 == 0 then book:expire(seq) end
  if tick % 100 == 0 then
    add(tick); add(price); add(#book.bids); add(#book.asks); add(book.trades)
  end
end
local cash, shares, hist = Money.new(0), 0, 0
for _, t in ipairs(traders) do
  cash = cash + t.account.cash
  shares = shares + t.account.shares
  hist = hist + #t.account.history
end
add(tostring(cash)); add(shares); add(hist); add(volume); add(tostring(turnover))
add(book.log[book.logn % 1000 + 1] or "")
report({{"ticks", ticks}, {"trades", book.trades}})
