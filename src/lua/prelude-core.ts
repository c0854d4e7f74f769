// The first Lua chunk of every script's state: collects the host functions, then defines the
// dispatcher (the one entry from JavaScript), tasks and blocking calls, `sys`, `log`, `print`,
// `os.exit`, `arg`, `require`, and the firmware modules wsx does not provide. Plain Lua 5.4.

import { EXIT_SIGNAL } from './bridge.js';

export const PRELUDE_CORE = String.raw`
local H = {}
for k, v in pairs(_G) do
  if type(k) == 'string' and k:sub(1, 6) == '__wsx_' then H[k:sub(7)] = v end
end
for k in pairs(H) do _G['__wsx_' .. k] = nil end

local EXIT = '${EXIT_SIGNAL}'
local pack, unpack = table.pack, table.unpack
local traceback = debug.traceback
local W = { H = H, EXIT = EXIT, on = {} }

-- A callback, task or main chunk failed: report it with its traceback; the script ends.
local function fail(err, co)
  if err == EXIT then return end
  local text = type(err) == 'string' and err or tostring(err)
  H.fail(co and traceback(co, text) or text)
end
local function handler(err)
  if err == EXIT then return err end
  return traceback(type(err) == 'string' and err or tostring(err), 2)
end
-- Calls a user callback; an error ends the script (the firmware would reboot).
function W.protect(fn, ...)
  local ok, err = xpcall(fn, handler, ...)
  if not ok and err ~= EXIT then H.fail(err) end
end

-- Tasks: coroutines resumed from JavaScript when what they wait for is done.
local tasks, taskOf, nextTask = {}, setmetatable({}, { __mode = 'k' }), 0
local function spawn(fn, ...)
  if type(fn) ~= 'function' then
    W.raise('sys.taskInit: the task must be a function, not ' .. type(fn))
  end
  nextTask = nextTask + 1
  local id, args = nextTask, pack(...)
  local co = coroutine.create(function() return fn(unpack(args, 1, args.n)) end)
  tasks[id], taskOf[co] = co, id
  H.spawn(id)
  return co
end
function W.on.resume(id, ...)
  local co = tasks[id]
  if co == nil then return end
  local ok, err = coroutine.resume(co, ...)
  if not ok then
    tasks[id] = nil
    H.taskDone(id)
    fail(err, co)
  elseif coroutine.status(co) == 'dead' then
    tasks[id] = nil
    H.taskDone(id)
  end
end
-- Raises msg at the script's line that called into the runner (the first frame that is not
-- the runner's own Lua).
function W.raise(msg)
  for level = 2, 20 do
    local info = debug.getinfo(level, 'Sl')
    if info == nil then break end
    if info.short_src ~= '[wsx]' and info.currentline > 0 then
      error(info.short_src .. ':' .. info.currentline .. ': ' .. tostring(msg), 0)
    end
  end
  error(msg, 0)
end
-- The task that is running, or an error naming the blocking call made outside one.
function W.task(what)
  local id = taskOf[coroutine.running()]
  if id == nil then
    W.raise(what .. ' blocks, so it must be called in a task (sys.taskInit or the main chunk), not in a callback')
  end
  return id
end
-- What a suspended task gets back: ('ok', values...) or ('err', message).
local function settle(status, ...)
  if status == 'err' then W.raise((...)) end
  return ...
end
-- Starts a JavaScript operation for the running task and suspends it until it settles.
function W.block(what, start, ...)
  local id = W.task(what)
  start(id, ...)
  return settle(coroutine.yield())
end

-- sys: tasks, the message bus, timers.
local sys = {}
sys.taskInit = spawn
function sys.wait(ms)
  local id = W.task('sys.wait')
  H.sleep(id, ms)
  return settle(coroutine.yield())
end
-- The PC's network is up from the start: scripts that wait for the firmware's network-ready
-- message go on at once.
local READY = { IP_READY = true, IP_READY_IND = true }
function sys.waitUntil(topic, ms)
  if READY[topic] then W.task('sys.waitUntil') return true end
  return W.block('sys.waitUntil', H.waitUntil, topic, ms)
end
function sys.publish(topic, ...) H.publish(topic, ...) end
local subIds, subFns, nextSub = setmetatable({}, { __mode = 'k' }), {}, 0
function sys.subscribe(topic, fn)
  if type(fn) ~= 'function' then W.raise('sys.subscribe: the callback must be a function, not ' .. type(fn)) end
  local id = subIds[fn]
  if id == nil then nextSub = nextSub + 1; id = nextSub; subIds[fn], subFns[id] = id, fn end
  H.subscribe(topic, id)
end
function sys.unsubscribe(topic, fn)
  local id = subIds[fn]
  if id ~= nil then H.unsubscribe(topic, id) end
end
function W.on.sub(id, ...) local fn = subFns[id]; if fn then W.protect(fn, ...) end end

local timers, nextTimer = {}, 0
function W.timer(fn, ms, loop, args)
  if type(ms) ~= 'number' or ms < 0 then W.raise('the timer period must be a number of milliseconds >= 0') end
  nextTimer = nextTimer + 1
  timers[nextTimer] = { fn = fn, args = args, loop = loop }
  H.timer(nextTimer, ms, loop)
  return nextTimer
end
function W.timerStop(id) if timers[id] then timers[id] = nil; H.timerStop(id) end end
function W.on.timer(id)
  local t = timers[id]
  if t == nil then return end
  if not t.loop then timers[id] = nil end
  W.protect(t.fn, unpack(t.args, 1, t.args.n))
end
local function matching(val, ...)
  local found, want = {}, pack(...)
  for id, t in pairs(timers) do
    local same = id == val or t.fn == val
    if same and type(val) == 'function' then
      for i = 1, want.n do if t.args[i] ~= want[i] then same = false end end
    end
    if same then found[#found + 1] = id end
  end
  return found
end
function sys.timerStart(fn, ms, ...) return W.timer(fn, ms, false, pack(...)) end
function sys.timerLoopStart(fn, ms, ...) return W.timer(fn, ms, true, pack(...)) end
function sys.timerStop(val, ...) for _, id in ipairs(matching(val, ...)) do W.timerStop(id) end end
function sys.timerStopAll(fn) for _, id in ipairs(matching(fn)) do W.timerStop(id) end end
function sys.timerIsActive(val, ...) return #matching(val, ...) > 0 end
function sys.run() end
function sys.init() end
W.sys = sys

-- Output: print, io.write and log in the firmware's "I/user.tag" style.
local function joined(sep, ...)
  local parts = {}
  for i = 1, select('#', ...) do parts[i] = tostring((select(i, ...))) end
  return table.concat(parts, sep)
end
function print(...) H.write('out', joined('\t', ...) .. '\n') end
io.write = function(...)
  for i = 1, select('#', ...) do H.write('out', tostring((select(i, ...)))) end
  return io
end
local log = { LOG_SILENT = 0, LOG_DEBUG = 1, LOG_INFO = 2, LOG_WARN = 3, LOG_ERROR = 4 }
local names = { SILENT = 0, DEBUG = 1, INFO = 2, WARN = 3, ERROR = 4 }
local level = 1
local function emitter(letter, rank)
  return function(tag, ...)
    if rank >= level and level > 0 then
      local head = letter .. '/user.' .. tostring(tag)
      H.write('out', (select('#', ...) > 0 and head .. ' ' .. joined(' ', ...) or head) .. '\n')
    end
  end
end
log.debug, log.info = emitter('D', 1), emitter('I', 2)
log.warn, log.error = emitter('W', 3), emitter('E', 4)
function log.setLevel(l) level = names[l] or tonumber(l) or level end
function log.getLevel() return level end
W.log = log

-- os.exit ends the script (never the process); os.date and os.time are Lua's own.
os.exit = function(code)
  H.exit(code == nil and true or code)
  error(EXIT, 0)
end

-- The firmware modules a WebSocket script does not need: a call names what is missing.
function W.missing(module, name)
  return function()
    W.raise(module .. '.' .. tostring(name) .. '() is not available: wsx runs only the WebSocket-related'
      .. ' firmware modules (websocket, sys, log, json, socket constants; tmr, sjson, node.heap, bit)')
  end
end
function W.partial(module, t)
  return setmetatable(t or {}, { __index = function(_, k) return W.missing(module, k) end })
end
W.absent = { 'gpio', 'uart', 'i2c', 'spi', 'adc', 'pwm', 'mobile', 'net', 'wifi', 'file', 'http',
  'mqtt', 'crypto', 'rtc', 'pm', 'wdt', 'fs', 'sim', 'misc', 'pins', 'netLed', 'ril', 'link',
  'audio', 'lcd', 'fota', 'libnet', 'libfota', 'ntp', 'sntp', 'rtctime', 'pmd', 'nvm', 'mcu',
  'rtos', 'fskv', 'fdb', 'iotauth', 'errDump', 'sysplus', 'ws2812', 'ow', 'tls', 'enduser_setup',
  'mdns', 'encoder', 'struct', 'u8g2', 'ucg', 'zlib', 'miniz', 'gmssl', 'httpsrv', 'ftp' }

-- The main chunk runs as the first task, so that a documentation example that calls
-- sys.wait at its top level runs as it is.
function W.on.main(chunk, name, ...)
  arg = table.pack(...)
  arg[0], arg.n = name, nil
  nextTask = nextTask + 1
  local id, args = nextTask, pack(...)
  local co = coroutine.create(function() return chunk(unpack(args, 1, args.n)) end)
  tasks[id], taskOf[co] = co, id
  W.on.resume(id)
end

function __wsx_dispatch(kind, ...) return W.on[kind](...) end
`;
