-- XEP-0215 external services for susurro (issue 17, docs/chat.md "TURN for chat clients").
-- Prosody's mod_turn_external derives TURN REST credentials from a shared secret, which the
-- project's coturn no longer accepts (one revocable userdb row per issued credential). So for
-- each services request of a logged-in account this module asks the admin service, which issues
-- a credential for that account through src/media-relay/credential-store.ts; revoking the
-- account deletes it like a phone's. No account policy here: the admin service decides.
local http = require "net.http";
local async = require "util.async";
local json = require "util.json";

module:depends("external_services");

local url = module:get_option_string("susurro_turn_url");
local token = module:get_option_string("susurro_turn_token");
local cafile = module:get_option_string("susurro_turn_cafile");
local sslctx = { mode = "client", protocol = "any", options = { "no_sslv2", "no_sslv3", "no_tlsv1", "no_tlsv1_1" }, verify = { "peer", "fail_if_no_peer_cert" },
	cafile = cafile, capath = (not cafile) and "/etc/ssl/certs" or nil };

module:hook("external_service/services", function (event)
	local origin = event.origin;
	if origin.type ~= "c2s" or not origin.username then return; end
	if event.requested_type and event.requested_type ~= "turn" and event.requested_type ~= "turns" then return; end
	local wait, done = async.waiter();
	local body, code;
	http.request(url, {
		method = "POST";
		headers = { ["Content-Type"] = "application/json"; ["Authorization"] = "Bearer " .. token };
		body = json.encode({ account = origin.username });
		sslctx = sslctx;
	}, function (b, c) body, code = b, c; done(); end);
	wait();
	if code ~= 200 then
		-- code 0: no HTTP answer, body is the reason (e.g. certificate-chain-invalid)
		module:log("warn", "no TURN credential from the admin service: %s", code == 0 and tostring(body) or ("HTTP " .. tostring(code)));
		return;
	end
	local c = json.decode(body);
	if type(c) ~= "table" or type(c.services) ~= "table" then return; end
	for _, s in ipairs(c.services) do
		if not event.requested_type or event.requested_type == s.type then
			event.services:push({ type = s.type; transport = s.transport; host = s.host; port = s.port;
				username = c.username; password = c.password; expires = os.time() + c.ttl });
		end
	end
end);
