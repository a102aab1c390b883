-- susurro media policy: a strict SDP tokenizer and allow-list, run in-process by Kamailio's
-- app_lua (Lua 5.1) from kamailio.cfg route[SDPCHECK] / route[SDPREPLY] via
-- lua_run("susurro_sdp_policy"). Every SDP body in every direction passes through it: offers
-- and answers in INVITE, re-INVITE, UPDATE, PRACK, ACK and in 18x/2xx replies.
--
-- calls.requireSas (WITH_REQUIRE_SAS in the rendered susurro-defs.cfg, passed in as
-- $var(require_sas)): an RTP stream keyed by DTLS-SRTP alone shows no short authentication
-- string (RFC 6189 §7) — nobody can read a code aloud to detect a MitM that terminates DTLS —
-- so with the policy on, every active DTLS-SRTP RTP stream must ALSO carry a media-level
-- a=zrtp-hash (RFC 6189 §8.1). The web softphone puts one in its audio m-section (it runs ZRTP
-- over the data channel, draft-johnston-rtcweb-zrtp), so softphone calls pass; a DTLS-only
-- peer (Linphone in `dtls` mode, a JsSIP page, any plain WebRTC client) is refused with
-- SAS_REFUSED in both directions (its offer, or its answer to a ZRTP offer).
--
-- The cfg reads the verdict from $var(sdp_code) ("" = accepted, "400" malformed, "488" refused
-- by the policy) and $var(sdp_reason) (a reason phrase for the refusal; never SDP content).
--
-- check(body) is pure (no KSR), so test/signaling/sdp-policy-unit.test.ts runs the same code
-- with Debian's lua5.1 interpreter over the table in test/support/sdp-cases.ts.
--
-- Grammar: RFC 8866 §5 (SDP), §5.14 (m=); RFC 8122 §5 (a=fingerprint); RFC 6189 §8.1
-- (a=zrtp-hash); RFC 4568 §9.1 (a=crypto, refused); RFC 4567 §3 (a=key-mgmt, refused);
-- RFC 8841 §4 (data channel m-line).

local M = {}

-- RFC 8122 §5 hash-func → number of bytes of its fingerprint. SHA-1 (RFC 8122 §5 keeps it for
-- compatibility) is left out: collisions are practical, and Chromium, Firefox and Linphone all
-- send SHA-256. MD5/MD2/SHA-224 are left out for the same reason.
local FINGERPRINT_BYTES = { ["sha-256"] = 32, ["sha-384"] = 48, ["sha-512"] = 64 }

-- RFC 8866 §5: which <type> letters may appear before the first m= line and inside a media
-- section. k= (§5.12, obsolete) would carry an encryption key in clear: never allowed.
local SESSION_TYPES = { v = true, o = true, s = true, i = true, u = true, e = true, p = true,
  c = true, b = true, t = true, r = true, z = true, a = true }
local MEDIA_TYPES = { i = true, c = true, b = true, a = true }

-- Profiles keyed end to end by DTLS-SRTP (RFC 5764 §8): need a fingerprint.
local DTLS_RTP = { ["UDP/TLS/RTP/SAVP"] = true, ["UDP/TLS/RTP/SAVPF"] = true }
-- RTP profiles native ZRTP phones use (RFC 6189 §5: ZRTP runs in-band over RTP): need a
-- media-level a=zrtp-hash (§8.1) so the signalled Hello hash binds the ZRTP exchange.
local ZRTP_RTP = { ["RTP/AVP"] = true, ["RTP/AVPF"] = true, ["RTP/SAVP"] = true, ["RTP/SAVPF"] = true }
-- RFC 8841 §4.1: the WebRTC data channel (the web softphone's in-band ZRTP channel).
local DTLS_SCTP = { ["UDP/DTLS/SCTP"] = true, ["DTLS/SCTP"] = true }
local MEDIA = { audio = true, video = true, application = true }

local function malformed(why) return "400", "Bad Request: malformed SDP (" .. why .. ")" end
local function refused(why) return "488", "Not Acceptable Here: " .. why end

-- The words a user sees (docs/hardening.md "media policy"; cfg route[SDPREPLY] relays it).
M.SAS_REFUSED = "verified calls only: DTLS-SRTP media without ZRTP cannot show a security code"

-- A decimal number written canonically: "0" or no leading zero, at most `max`.
local function canonical(s, max)
  if not s:match("^%d+$") or #s > 5 then return nil end
  if #s > 1 and s:sub(1, 1) == "0" then return nil end
  local n = tonumber(s)
  if n > max then return nil end
  return n
end

-- RFC 8122 §5: fingerprint = hash-func SP 2HEX *(":" 2HEX); hash-func is case-insensitive
-- (ABNF literal), hex is accepted in either case. Returns nil when acceptable, else code, reason.
local function check_fingerprint(value)
  local hash, hex = value:match("^([%w%-]+) ([%x:]+)$")
  if not hash then return malformed("a=fingerprint syntax") end
  local bytes = 0
  for pair, sep in hex:gmatch("(%x*)(:?)") do
    if pair == "" and sep == "" then break end
    if #pair ~= 2 then return malformed("a=fingerprint syntax") end
    bytes = bytes + 1
  end
  if hex:sub(-1) == ":" then return malformed("a=fingerprint syntax") end
  local want = FINGERPRINT_BYTES[hash:lower()]
  if not want then return refused("DTLS fingerprint hash not allowed") end
  if bytes ~= want then return refused("DTLS fingerprint of the wrong length") end
  return nil
end

-- RFC 6189 §8.1: a=zrtp-hash:<zrtp-version> SP <64 hex digits of the SHA-256 Hello hash>.
local function check_zrtp_hash(value)
  local version, hex = value:match("^(%d+%.%d+) (%x+)$")
  if not version or #hex ~= 64 then return malformed("a=zrtp-hash syntax") end
  return nil
end

-- RFC 8866 §5.14: m=<media> SP <port>[/<number of ports>] SP <proto> 1*(SP <fmt>), split on
-- single spaces (a tab or a double space is a syntax error, not a separator).
local function parse_m(value)
  local fields = {}
  for f in (value .. " "):gmatch("([^ ]*) ") do fields[#fields + 1] = f end
  if #fields < 4 then return nil, "m= line needs media, port, proto and a format" end
  for _, f in ipairs(fields) do
    if f == "" then return nil, "empty field in m= line" end
  end
  local port_s, count_s = fields[2]:match("^(%d+)/(%d+)$")
  port_s = port_s or fields[2]
  local port = canonical(port_s, 65535)
  if not port then return nil, "m= port not a canonical number 0..65535" end
  if count_s and (not canonical(count_s, 65535) or count_s == "0") then
    return nil, "m= number of ports"
  end
  local fmts = {}
  for i = 4, #fields do fmts[#fmts + 1] = fields[i] end
  return { media = fields[1], port = port, proto = fields[3], fmts = fmts, attrs = {} }
end

-- The policy for one active (port ≠ 0) m-line; session holds session-level attributes.
local function check_media(m, session, require_sas)
  if not MEDIA[m.media] then return refused("media type not allowed") end
  local has_fp = m.attrs.fingerprint or session.fingerprint
  if m.media == "application" then
    if DTLS_SCTP[m.proto] and #m.fmts == 1 and m.fmts[1] == "webrtc-datachannel" then
      if not has_fp then return refused("data channel without DTLS fingerprint") end
      return nil
    end
    return refused("application stream other than a DTLS data channel")
  end
  -- RTP payload types are 7-bit numbers (RFC 3550 §5.1), written canonically
  for _, f in ipairs(m.fmts) do
    if not canonical(f, 127) then return malformed("RTP payload type") end
  end
  if DTLS_RTP[m.proto] then
    if not has_fp then return refused("DTLS-SRTP stream without fingerprint") end
    -- media level only, as for RTP/AVP below: RFC 6189 §8.1 binds the hash to one stream
    if require_sas and not m.attrs["zrtp-hash"] then return refused(M.SAS_REFUSED) end
    return nil
  end
  if ZRTP_RTP[m.proto] then
    if not m.attrs["zrtp-hash"] then return refused("RTP stream without zrtp-hash (plaintext media)") end
    return nil
  end
  return refused("media profile not allowed")
end

-- check(body, opts) → nil when the SDP is acceptable, else code ("400"/"488"), reason.
-- opts.require_sas: calls.requireSas; anything but an explicit false means on (fail closed).
function M.check(body, opts)
  local require_sas = not (opts and opts.require_sas == false)
  if type(body) ~= "string" or body == "" then return malformed("empty body") end
  -- RFC 8866 §5: lines end in CRLF (LF accepted); no other control character, tab included
  if body:find("[%z\1-\9\11-\12\14-\31\127]") then return malformed("control character") end
  if body:find("\r[^\n]") or body:sub(-1) == "\r" then return malformed("bare CR") end
  -- one final line terminator (or none); trailing blank lines are tolerated, inner ones are not
  local text = body:gsub("\r\n", "\n"):gsub("\n+$", "") .. "\n"

  local session = {}
  local media = {}
  local current = nil
  local n = 0
  local seen_t = false
  for line in text:gmatch("([^\n]*)\n") do
    n = n + 1
    local kind, value = line:match("^(%l)=(.*)$")
    if not kind then return malformed("line " .. n .. " is not <type>=<value>") end
    if value:sub(1, 1) == " " then return malformed("space after '='") end
    -- §5: v=0 first, then o= and s=
    if n == 1 and line ~= "v=0" then return malformed("first line must be v=0") end
    if n == 2 and kind ~= "o" then return malformed("o= must follow v=") end
    if n == 3 and kind ~= "s" then return malformed("s= must follow o=") end
    if n > 1 and kind == "v" then return malformed("second v= line") end
    if kind == "k" then return refused("k= keys in signalling refused") end
    if kind == "t" then seen_t = true end
    if kind == "m" then
      if not seen_t then return malformed("m= before t=") end
      local m, why = parse_m(value)
      if not m then return malformed(why) end
      media[#media + 1] = m
      current = m
    elseif current and not MEDIA_TYPES[kind] then
      return malformed(kind .. "= line inside a media section")
    elseif not current and not SESSION_TYPES[kind] then
      return malformed(kind .. "= line in the session section")
    elseif kind == "a" then
      local name, sep, avalue = value:match("^([%w%-_%.%+]+)(:?)(.*)$")
      if not name or (sep == "" and avalue ~= "") then return malformed("a= attribute name") end
      -- matched case-insensitively: "a=CRYPTO:" must not slip past the SDES refusal
      name = name:lower()
      -- RFC 4568 (SDES) and RFC 4567 (MIKEY key-mgmt) put media keys inside the signalling
      -- this proxy reads: not end-to-end, refused even next to a fingerprint
      if name == "crypto" then return refused("SDES keys in signalling refused") end
      if name == "key-mgmt" then return refused("key-mgmt keys in signalling refused") end
      local code, reason
      if name == "fingerprint" then code, reason = check_fingerprint(avalue)
      elseif name == "zrtp-hash" then code, reason = check_zrtp_hash(avalue) end
      if code then return code, reason end
      local attrs = current and current.attrs or session
      attrs[name] = true
    end
  end
  if n < 3 or not seen_t then return malformed("missing v=, o=, s= or t=") end
  for _, m in ipairs(media) do
    -- port 0 disables a stream (RFC 8866 §5.14), except a=bundle-only (RFC 8843 §6), whose
    -- media flows on the BUNDLE transport: that one is checked like an active stream
    if m.port ~= 0 or m.attrs["bundle-only"] then
      local code, reason = check_media(m, session, require_sas)
      if code then return code, reason end
    end
  end
  return nil
end

-- Kamailio entry point: lua_run("susurro_sdp_policy") on the current message's body.
function susurro_sdp_policy()
  local code, reason = M.check(KSR.pv.get("$rb"), { require_sas = tostring(KSR.pv.get("$var(require_sas)")) ~= "0" })
  KSR.pv.sets("$var(sdp_code)", code or "")
  KSR.pv.sets("$var(sdp_reason)", reason or "")
  return 1
end

return M
