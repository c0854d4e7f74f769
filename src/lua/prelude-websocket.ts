// The Lua face of the three dialects: client objects whose methods call the dialect code in
// JavaScript (host-websocket.ts) by a numeric handle, events delivered to the callbacks the
// script registered, and the calls that block the running task. Then the globals, by dialect.

export const PRELUDE_WEBSOCKET = String.raw`
local HANDLE = {}
local objs, deliver = {}, {}
local function handleOf(self, what)
  local h = type(self) == 'table' and rawget(self, HANDLE)
  if not h then
    W.raise(what .. ': call it with a colon on a client, as in ' .. what .. '(...)')
  end
  return h
end
local function bind(h, mt, fn)
  local o = setmetatable({ [HANDLE] = h }, mt)
  objs[h], deliver[h] = o, fn
  H.bind(h, o)
  return o
end
local function methods(mt, prefix, names)
  mt.__index = mt
  mt.__tostring = function(self) return 'websocket client ' .. tostring(rawget(self, HANDLE)) end
  for _, name in ipairs(names) do
    local what = prefix .. name
    mt[name] = function(self, ...) return H.call(handleOf(self, what), name, ...) end
  end
end
function W.on.ev(h, event, ...)
  local fn = deliver[h]
  if fn then fn(objs[h], event, ...) end
end

-- LuatOS: websocket.create; one callback cb(wsc, event, ...).
local LT, ltCb = {}, {}
methods(LT, 'wsc:', { 'connect', 'autoreconn', 'send', 'close', 'ready', 'headers', 'debug' })
function LT:on(cb)
  local h = handleOf(self, 'wsc:on')
  ltCb[h] = type(cb) == 'function' and cb or nil
  H.listen(h, nil, ltCb[h] ~= nil)
end
local function ltDeliver(o, event, ...)
  local cb = ltCb[rawget(o, HANDLE)]
  if cb then W.protect(cb, o, event, ...) end
end

-- LuatOS-Air: websocket.new and websocket.exit; callbacks per event, without the client.
local AIR, airCb = {}, {}
methods(AIR, 'ws:', { 'send', 'sendFrame', 'ping', 'pong', 'close', 'state', 'online' })
function AIR:on(event, fn)
  local h = handleOf(self, 'ws:on')
  if type(event) ~= 'string' then W.raise('ws:on: the event name must be a string, not ' .. type(event)) end
  if fn ~= nil and type(fn) ~= 'function' then W.raise('ws:on: the ' .. event .. ' callback must be a function or nil') end
  airCb[h] = airCb[h] or {}
  airCb[h][event] = fn
  H.listen(h, event, fn ~= nil)
end
function AIR:connect(timeout)
  return W.block('ws:connect', H.await, handleOf(self, 'ws:connect'), 'connect', timeout)
end
function AIR:recv() return W.block('ws:recv', H.await, handleOf(self, 'ws:recv'), 'recv') end
function AIR:start(keepAlive, proc, reconnTime)
  local h = handleOf(self, 'ws:start')
  if proc ~= nil and type(proc) ~= 'function' then
    W.raise('ws:start: proc must be a function or nil, not ' .. type(proc))
  end
  local id = W.task('ws:start')
  H.start(id, h, keepAlive, proc ~= nil, reconnTime)
  while true do
    local status, value = coroutine.yield()
    if status == 'message' then
      proc(value)
      H.procDone(h)
    elseif status == 'err' then
      W.raise(value)
    else
      return
    end
  end
end
local function airDeliver(o, event, ...)
  local cbs = airCb[rawget(o, HANDLE)]
  local fn = cbs and cbs[event]
  if fn then W.protect(fn, ...) end
end

-- NodeMCU: websocket.createClient; callbacks per event, with the client first.
local MCU, mcuCb = {}, {}
methods(MCU, 'ws:', { 'config', 'connect', 'send', 'close' })
function MCU:on(name, fn)
  local h = handleOf(self, 'ws:on')
  if fn ~= nil and type(fn) ~= 'function' then W.raise('ws:on: the handler must be a function or nil') end
  H.listen(h, name, fn ~= nil)
  mcuCb[h] = mcuCb[h] or {}
  mcuCb[h][name] = fn
end
local function mcuDeliver(o, event, ...)
  local cbs = mcuCb[rawget(o, HANDLE)]
  local fn = cbs and cbs[event]
  if fn then W.protect(fn, o, ...) end
end

local luatos = {
  create = function(adapter, url, keepalive, ipv6)
    local h = H.create('luatos', adapter, url, keepalive, ipv6)
    return h and bind(h, LT, ltDeliver)
  end,
}
local air = {
  new = function(url, cert) return bind(H.create('luatos-air', url, cert), AIR, airDeliver) end,
  exit = function(ws) H.call(handleOf(ws, 'websocket.exit'), 'exit') end,
}
local nodemcu = {
  createClient = function() return bind(H.create('nodemcu'), MCU, mcuDeliver) end,
}

-- The globals of the chosen firmware; every one of them without --dialect.
local dialect = H.dialect()
local ws = {}
local function use(name) return dialect == 'all' or dialect == name end
local provided = {}
local function give(name, value) _G[name] = value; provided[name] = value end
if use('luatos') then for k, v in pairs(luatos) do ws[k] = v end end
if use('luatos-air') then for k, v in pairs(air) do ws[k] = v end end
if use('nodemcu') then for k, v in pairs(nodemcu) do ws[k] = v end end
give('websocket', W.partial('websocket', ws))
if use('luatos') or use('luatos-air') then
  give('sys', W.sys); give('log', W.log); give('json', W.json)
end
if use('luatos') then give('socket', W.socket) end
if use('nodemcu') then
  give('tmr', W.tmr); give('sjson', W.sjson); give('node', W.node); give('bit', W.bit)
end
for _, name in ipairs({ 'sys', 'log', 'json', 'socket', 'tmr', 'sjson', 'node', 'bit' }) do
  W.absent[#W.absent + 1] = name
end
for _, name in ipairs(W.absent) do
  if _G[name] == nil then _G[name] = W.partial(name) end
  local module = _G[name]
  package.preload[name] = function() return module end
end
package.preload.websocket = function() return provided.websocket end
-- Modules of the script's own project: .lua files next to it.
table.insert(package.searchers, 2, function(name)
  local source, path = H.module(name)
  if source == nil then return '\n\tno file ' .. tostring(path) end
  local fn, err = load(source, '@' .. path)
  if fn == nil then error(err, 0) end
  return fn, path
end)
`;
