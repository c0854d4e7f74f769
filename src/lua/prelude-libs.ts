// Lua libraries that need no JavaScript beyond timers: json (LuatOS) and sjson (NodeMCU),
// NodeMCU's bit and tmr, node.heap, socket constants, unpack, string.toHex/fromHex, and
// require for the provided modules and for .lua files next to the script. Plain Lua 5.4.

export const PRELUDE_LIBS = String.raw`
-- JSON, shared by json and sjson.
local escapes = { ['"'] = '\\"', ['\\'] = '\\\\', ['\b'] = '\\b', ['\f'] = '\\f',
  ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t' }
local function encodeValue(v, depth, out)
  local t = type(v)
  if depth > 200 then error('json.encode: nested too deeply (a table that contains itself?)', 0) end
  if t == 'nil' then out[#out + 1] = 'null'
  elseif t == 'boolean' then out[#out + 1] = tostring(v)
  elseif t == 'number' then
    if v ~= v or v == math.huge or v == -math.huge then error('json.encode: cannot encode ' .. tostring(v), 0) end
    out[#out + 1] = math.type(v) == 'integer' and string.format('%d', v) or string.format('%.14g', v)
  elseif t == 'string' then
    out[#out + 1] = '"' .. v:gsub('[%c"\\]', function(c) return escapes[c] or string.format('\\u%04x', c:byte()) end) .. '"'
  elseif t == 'table' then
    local n = #v
    local isArray = n > 0
    if isArray then
      for k in pairs(v) do
        if math.type(k) ~= 'integer' or k < 1 or k > n then isArray = false break end
      end
    end
    if isArray then
      out[#out + 1] = '['
      for i = 1, n do
        if i > 1 then out[#out + 1] = ',' end
        encodeValue(v[i], depth + 1, out)
      end
      out[#out + 1] = ']'
    else
      out[#out + 1] = '{'
      local first = true
      for k, item in pairs(v) do
        if type(k) ~= 'string' and type(k) ~= 'number' then error('json.encode: cannot encode a ' .. type(k) .. ' key', 0) end
        if not first then out[#out + 1] = ',' end
        first = false
        encodeValue(tostring(k), depth + 1, out)
        out[#out + 1] = ':'
        encodeValue(item, depth + 1, out)
      end
      out[#out + 1] = '}'
    end
  else error('json.encode: cannot encode a ' .. t, 0) end
end
local function encode(v)
  local out = {}
  encodeValue(v, 0, out)
  return table.concat(out)
end

local decodeValue
local function decodeError(s, i, what) error(string.format('json.decode: %s at character %d', what, i), 0) end
local function skip(s, i) return s:find('[^ \t\r\n]', i) or #s + 1 end
local function decodeString(s, i)
  local parts, j = {}, i + 1
  while true do
    local k = s:find('["\\]', j)
    if k == nil then decodeError(s, i, 'unterminated string') end
    parts[#parts + 1] = s:sub(j, k - 1)
    if s:sub(k, k) == '"' then return table.concat(parts), k + 1 end
    local c = s:sub(k + 1, k + 1)
    local simple = ({ b = '\b', f = '\f', n = '\n', r = '\r', t = '\t', ['"'] = '"', ['\\'] = '\\', ['/'] = '/' })[c]
    if simple then parts[#parts + 1] = simple; j = k + 2
    elseif c == 'u' then
      local code = tonumber(s:sub(k + 2, k + 5), 16)
      if code == nil then decodeError(s, k, 'bad \\u escape') end
      j = k + 6
      if code >= 0xD800 and code <= 0xDBFF and s:sub(j, j + 1) == '\\u' then
        local low = tonumber(s:sub(j + 2, j + 5), 16)
        if low and low >= 0xDC00 and low <= 0xDFFF then
          code = 0x10000 + (code - 0xD800) * 0x400 + (low - 0xDC00)
          j = j + 6
        end
      end
      parts[#parts + 1] = utf8.char(code)
    else decodeError(s, k, 'bad escape') end
  end
end
function decodeValue(s, i, depth)
  if depth > 200 then decodeError(s, i, 'nested too deeply') end
  i = skip(s, i)
  local c = s:sub(i, i)
  if c == '{' then
    local t = {}
    i = skip(s, i + 1)
    if s:sub(i, i) == '}' then return t, i + 1 end
    while true do
      if s:sub(i, i) ~= '"' then decodeError(s, i, 'expected a string key') end
      local k
      k, i = decodeString(s, i)
      i = skip(s, i)
      if s:sub(i, i) ~= ':' then decodeError(s, i, "expected ':'") end
      t[k], i = decodeValue(s, i + 1, depth + 1)
      i = skip(s, i)
      local d = s:sub(i, i)
      if d == '}' then return t, i + 1 end
      if d ~= ',' then decodeError(s, i, "expected ',' or '}'") end
      i = skip(s, i + 1)
    end
  elseif c == '[' then
    local t, n = {}, 0
    i = skip(s, i + 1)
    if s:sub(i, i) == ']' then return t, i + 1 end
    while true do
      n = n + 1
      t[n], i = decodeValue(s, i, depth + 1)
      i = skip(s, i)
      local d = s:sub(i, i)
      if d == ']' then return t, i + 1 end
      if d ~= ',' then decodeError(s, i, "expected ',' or ']'") end
      i = i + 1
    end
  elseif c == '"' then return decodeString(s, i)
  elseif s:sub(i, i + 3) == 'true' then return true, i + 4
  elseif s:sub(i, i + 4) == 'false' then return false, i + 5
  elseif s:sub(i, i + 3) == 'null' then return nil, i + 4
  else
    local text = s:match('^-?%d+%.?%d*[eE]?[-+]?%d*', i)
    if text == nil or text == '' then decodeError(s, i, 'unexpected ' .. (c == '' and 'end' or "'" .. c .. "'")) end
    local n = tonumber(text)
    if n == nil then decodeError(s, i, 'bad number') end
    return n, i + #text
  end
end
local function decode(s)
  if type(s) ~= 'string' then error('json.decode: expected a string, not ' .. type(s), 0) end
  local v, i = decodeValue(s, 1, 0)
  i = skip(s, i)
  if i <= #s then decodeError(s, i, 'trailing characters') end
  return v
end

W.json = {
  encode = function(v) local ok, r = pcall(encode, v); if ok then return r end; W.raise(r) end,
  -- LuatOS: the table and 1, or nil, 0 and the reason.
  decode = function(s)
    local ok, r = pcall(decode, s)
    if ok then return r, 1 end
    return nil, 0, r
  end,
}
W.sjson = W.partial('sjson', {
  encode = W.json.encode,
  decode = function(s) local ok, r = pcall(decode, s); if ok then return r end; W.raise(r) end,
})

-- NodeMCU's bit library on 32-bit signed integers.
local function int(x, what)
  local n = math.tointeger(x)
  if n == nil then W.raise('bit.' .. what .. ': expected an integer, got ' .. tostring(x)) end
  return n
end
local function s32(x) x = x & 0xffffffff; if x >= 0x80000000 then x = x - 0x100000000 end; return x end
local function fold(name, op)
  return function(a, ...)
    local r = int(a, name)
    for i = 1, select('#', ...) do r = op(r, int((select(i, ...)), name)) end
    return s32(r)
  end
end
W.bit = {
  bnot = function(x) return s32(~int(x, 'bnot')) end,
  band = fold('band', function(a, b) return a & b end),
  bor = fold('bor', function(a, b) return a | b end),
  bxor = fold('bxor', function(a, b) return a ~ b end),
  lshift = function(v, n) return s32(int(v, 'lshift') << int(n, 'lshift')) end,
  rshift = function(v, n) return s32((int(v, 'rshift') & 0xffffffff) >> int(n, 'rshift')) end,
  -- A negative value has all upper 32 of its 64 bits set, so the low 32 keep the sign.
  arshift = function(v, n) return s32(s32(int(v, 'arshift')) >> int(n, 'arshift')) end,
  bit = function(n) return s32(1 << int(n, 'bit')) end,
  set = fold('set', function(a, b) return a | (1 << b) end),
  clear = fold('clear', function(a, b) return a & ~(1 << b) end),
  isset = function(v, n) return (int(v, 'isset') >> int(n, 'isset')) & 1 == 1 end,
  isclear = function(v, n) return (int(v, 'isclear') >> int(n, 'isclear')) & 1 == 0 end,
}

-- NodeMCU's tmr: timer objects over the same timers as sys.timerStart.
local T = {}
T.__index = T
local MAX_MS = 6870947
local function self_(t, what)
  if getmetatable(t) ~= T then W.raise('tmr: call ' .. what .. ' with a colon on a timer, as in t:' .. what .. '(...)') end
  return t
end
function T:register(ms, mode, cb)
  self_(self, 'register')
  if math.type(ms) ~= 'integer' or ms < 1 or ms > MAX_MS then W.raise('tmr: the interval must be 1 to ' .. MAX_MS .. ' ms') end
  if mode ~= 0 and mode ~= 1 and mode ~= 2 then W.raise('tmr: mode must be tmr.ALARM_SINGLE, tmr.ALARM_SEMI or tmr.ALARM_AUTO') end
  if type(cb) ~= 'function' then W.raise('tmr: the callback must be a function') end
  self:stop()
  self.ms, self.mode, self.cb = ms, mode, cb
end
function T:start()
  self_(self, 'start')
  if self.cb == nil then W.raise('tmr: the timer is not registered') end
  if self.id then return true end
  self.id = W.timer(function()
    if self.mode ~= 2 then self.id = nil end
    local cb = self.cb
    if self.mode == 0 then self.cb = nil end
    cb(self)
  end, self.ms, self.mode == 2, table.pack())
  return true
end
function T:alarm(ms, mode, cb) self_(self, 'alarm'); self:register(ms, mode, cb); return self:start() end
function T:stop()
  self_(self, 'stop')
  if self.id == nil then return false end
  W.timerStop(self.id)
  self.id = nil
  return true
end
function T:unregister() self_(self, 'unregister'); self:stop(); self.cb = nil end
function T:interval(ms)
  self_(self, 'interval')
  if math.type(ms) ~= 'integer' or ms < 1 or ms > MAX_MS then W.raise('tmr: the interval must be 1 to ' .. MAX_MS .. ' ms') end
  self.ms = ms
  if self.id then self:stop(); self:start() end
end
function T:state()
  self_(self, 'state')
  if self.cb == nil then return nil end
  return self.id ~= nil, self.mode
end
W.tmr = W.partial('tmr', {
  ALARM_SINGLE = 0, ALARM_SEMI = 1, ALARM_AUTO = 2,
  create = function() return setmetatable({}, T) end,
  now = function() return math.floor(H.now() * 1000) & 0x7fffffff end,
  time = function() return math.floor(H.now() / 1000) end,
  wdclr = function() end,
})

W.node = W.partial('node', {
  heap = function() return math.max(0, 2097152 - math.floor(collectgarbage('count') * 1024)) end,
})
W.socket = W.partial('socket', { LWIP_GP = 0, STA = 1, AP = 2, ETH = 3, ETH0 = 3 })

_G.unpack = table.unpack
function string.toHex(s, sep)
  local hex = s:gsub('.', function(c) return string.format('%02X', c:byte()) .. (sep or '') end)
  return hex, #s
end
function string.fromHex(hex)
  -- Digits are read in pairs; a lone last digit has no byte and is dropped.
  local digits = hex:gsub('%X', '')
  if #digits % 2 == 1 then digits = digits:sub(1, -2) end
  return (digits:gsub('%x%x', function(h) return string.char(tonumber(h, 16)) end))
end
`;
