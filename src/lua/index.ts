// `wsx/lua`: run LuatOS, LuatOS-Air and NodeMCU device scripts (Lua) unchanged, in-process,
// each in its own Lua state, with the firmware's `websocket` module backed by the dialects.

export { parseConnectTo } from './connect-to.js';
export {
  type LuaDialect,
  type LuaEndReason,
  LuaExit,
  type LuaRun,
  type RunLuaOptions,
  runLua,
} from './runner.js';
