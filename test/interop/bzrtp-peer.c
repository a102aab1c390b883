/*
 * bzrtp-peer: ONE ZRTP endpoint (RFC 6189) driven by Debian's libbzrtp 5.1, over UDP on
 * 127.0.0.1. It is susurro's independent reference for interop tests and benchmarks:
 * our TypeScript engine (`npm run zrtp-peer`) prints the same JSON line, so tests compare
 * the two directly.
 *
 * Written by the susurro project against the public API in /usr/include/bzrtp/bzrtp.h
 * (facts about bzrtp's behaviour were read from bzrtp 5.1.64's sources, cited below).
 *
 *   bzrtp-peer --local PORT --remote PORT [--ssrc HEX] [--role initiator|responder|auto]
 *              [--ka X255,DH3k] [--hash S256] [--cipher AES1] [--auth HS80] [--sas B32]
 *              [--cache FILE] [--self-uri URI] [--peer-uri URI] [--forget-peers] [--verify]
 *              [--aux-secret HEX] [--wait-go] [--capture FILE] [--timeout-ms N] [--linger-ms N] [--verbose]
 *   bzrtp-peer --bench-handshake N --ka X255   (two in-process bzrtp engines, no I/O)
 *   bzrtp-peer --bench-ka N --ka DH3k          (bctoolbox's key agreement alone, as bzrtp calls it)
 *
 * Output (stdout, once secure, exit 0): one JSON line, see print_result().
 * Failure or timeout: a message on stderr, exit 1 (usage errors: exit 2).
 *
 * Roles. bzrtp has no "be responder" switch: it sends Commit as soon as it has both the
 * peer's Hello and a HelloACK (bzrtp src/stateMachine.c: state_discovery_waitingForHello,
 * state_discovery_waitingForHelloAck), and a Commit received in waitingForHelloAck turns it
 * into the responder (RFC 6189 §4.1: a Commit may replace the HelloACK). So --role responder
 * withholds every incoming HelloACK from bzrtp; bzrtp then keeps resending Hello until the
 * peer's Commit arrives. --role initiator leaves bzrtp alone (it commits eagerly; the peer
 * must not, e.g. our `--role responder`). --role auto: RFC §4.2 commit contention decides.
 * The role actually taken is read from what bzrtp sends (DHPart1 = responder, DHPart2 =
 * initiator) and must match the requested one.
 *
 * --wait-go: after binding the socket and building the Hello, print "READY <json>" on stderr
 * (with this endpoint's a=zrtp-hash) and wait for one stdin line: "go" or "go <peer zrtp-hash>".
 * Benchmarks use it to start both endpoints at the same instant, so no Hello is lost to a
 * port that is not bound yet.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bzrtp/bzrtp.h>

#define MAX_PACKET 3000
#define MAX_ALGOS 7
/* RFC 6189 §5: 12-byte packet header, then the message; its type block is at message offset 4 */
#define PACKET_HEADER_LENGTH 12
#define MESSAGE_TYPE_OFFSET (PACKET_HEADER_LENGTH + 4)
#define EXPORT_PROBE_LABEL "susurro interop probe"

/* ---------------------------------------------------------------- small helpers */

static void die(int code, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	fputs("bzrtp-peer: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(code);
}

static double now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void to_hex(const uint8_t *in, size_t len, char *out) {
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

static size_t from_hex(const char *hex, uint8_t *out, size_t max) {
	size_t len = strlen(hex);
	if (len % 2 != 0 || len / 2 > max) die(2, "bad hex value '%s'", hex);
	for (size_t i = 0; i < len / 2; i++) {
		unsigned int byte;
		if (sscanf(hex + 2 * i, "%2x", &byte) != 1) die(2, "bad hex value '%s'", hex);
		out[i] = (uint8_t)byte;
	}
	return len / 2;
}

/* ---------------------------------------------------------------- algorithm names */

typedef struct { const char *name; uint8_t code; uint8_t type; } algo_name_t;

/* Wire names of RFC 6189 §5.1.2-§5.1.6 (X255 as bzrtp names Curve25519); SAS "B32 " is
 * written without its trailing space, as in susurro's TypeScript API. */
static const algo_name_t ALGOS[] = {
	{"S256", ZRTP_HASH_S256, ZRTP_HASH_TYPE}, {"S384", ZRTP_HASH_S384, ZRTP_HASH_TYPE},
	{"AES1", ZRTP_CIPHER_AES1, ZRTP_CIPHERBLOCK_TYPE}, {"AES3", ZRTP_CIPHER_AES3, ZRTP_CIPHERBLOCK_TYPE},
	{"HS32", ZRTP_AUTHTAG_HS32, ZRTP_AUTHTAG_TYPE}, {"HS80", ZRTP_AUTHTAG_HS80, ZRTP_AUTHTAG_TYPE},
	{"DH2k", ZRTP_KEYAGREEMENT_DH2k, ZRTP_KEYAGREEMENT_TYPE}, {"X255", ZRTP_KEYAGREEMENT_X255, ZRTP_KEYAGREEMENT_TYPE},
	{"EC25", ZRTP_KEYAGREEMENT_EC25, ZRTP_KEYAGREEMENT_TYPE}, {"X448", ZRTP_KEYAGREEMENT_X448, ZRTP_KEYAGREEMENT_TYPE},
	{"DH3k", ZRTP_KEYAGREEMENT_DH3k, ZRTP_KEYAGREEMENT_TYPE}, {"Mult", ZRTP_KEYAGREEMENT_Mult, ZRTP_KEYAGREEMENT_TYPE},
	{"B32", ZRTP_SAS_B32, ZRTP_SAS_TYPE}, {"B256", ZRTP_SAS_B256, ZRTP_SAS_TYPE},
};

static const char *algo_to_name(uint8_t code) {
	for (size_t i = 0; i < sizeof ALGOS / sizeof ALGOS[0]; i++)
		if (ALGOS[i].code == code) return ALGOS[i].name;
	return "unknown";
}

typedef struct { uint8_t codes[MAX_ALGOS]; uint8_t count; } algo_list_t;

/* "X255,DH3k" -> codes; rejects names of another family and names bzrtp lacks. */
static void parse_algo_list(const char *csv, uint8_t type, algo_list_t *out) {
	char buf[256];
	snprintf(buf, sizeof buf, "%s", csv);
	out->count = 0;
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const algo_name_t *found = NULL;
		for (size_t i = 0; i < sizeof ALGOS / sizeof ALGOS[0]; i++)
			if (strcmp(ALGOS[i].name, tok) == 0 && ALGOS[i].type == type) found = &ALGOS[i];
		if (!found) die(2, "unknown algorithm '%s' in '%s'", tok, csv);
		if (out->count == MAX_ALGOS) die(2, "too many algorithms in '%s'", csv);
		out->codes[out->count++] = found->code;
	}
	if (out->count == 0) die(2, "empty algorithm list");
}

/* ---------------------------------------------------------------- options */

typedef struct {
	int localPort, remotePort;
	uint32_t ssrc;
	enum { ROLE_AUTO, ROLE_INITIATOR, ROLE_RESPONDER } role;
	algo_list_t lists[5]; /* hash, cipher, auth, ka, sas; count 0 = bzrtp's defaults */
	const char *cachePath, *selfUri, *peerUri, *capturePath;
	uint8_t auxSecret[64];
	size_t auxSecretLength;
	int forgetPeers, verify, waitGo, verbose;
	double timeoutMs, lingerMs;
	int benchHandshakes, benchKeyAgreements;
} options_t;

static const uint8_t LIST_TYPES[5] = {ZRTP_HASH_TYPE, ZRTP_CIPHERBLOCK_TYPE, ZRTP_AUTHTAG_TYPE, ZRTP_KEYAGREEMENT_TYPE, ZRTP_SAS_TYPE};

static void usage(void) {
	fputs("usage: bzrtp-peer --local PORT --remote PORT [--ssrc HEX] [--role initiator|responder|auto]\n"
	      "       [--ka X255,DH3k] [--hash S256] [--cipher AES1] [--auth HS80] [--sas B32]\n"
	      "       [--cache FILE] [--self-uri URI] [--peer-uri URI] [--forget-peers] [--verify]\n"
	      "       [--aux-secret HEX] [--wait-go] [--capture FILE] [--timeout-ms N] [--linger-ms N] [--verbose]\n"
	      "   or: bzrtp-peer --bench-handshake N [--ka X255] [--hash ...]\n"
	      "   or: bzrtp-peer --bench-ka N --ka X255|X448|DH3k|DH2k [--cipher AES1|AES3]\n", stderr);
	exit(2);
}

static int parse_port(const char *s) {
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || v < 1 || v > 65535) die(2, "bad port '%s'", s);
	return (int)v;
}

static void parse_options(int argc, char **argv, options_t *o) {
	static const struct option longopts[] = {
		{"local", 1, 0, 'l'}, {"remote", 1, 0, 'r'}, {"ssrc", 1, 0, 's'}, {"role", 1, 0, 'R'},
		{"hash", 1, 0, 'H'}, {"cipher", 1, 0, 'C'}, {"auth", 1, 0, 'A'}, {"ka", 1, 0, 'K'}, {"sas", 1, 0, 'S'},
		{"cache", 1, 0, 'c'}, {"self-uri", 1, 0, 'u'}, {"peer-uri", 1, 0, 'p'}, {"forget-peers", 0, 0, 'f'},
		{"verify", 0, 0, 'v'}, {"aux-secret", 1, 0, 'x'}, {"wait-go", 0, 0, 'g'}, {"capture", 1, 0, 'w'},
		{"timeout-ms", 1, 0, 't'}, {"verbose", 0, 0, 'V'}, {"bench-handshake", 1, 0, 'B'}, {"linger-ms", 1, 0, 'L'},
		{"bench-ka", 1, 0, 'k'}, {0, 0, 0, 0}};
	memset(o, 0, sizeof *o);
	o->ssrc = 0x5a525450;
	o->selfUri = "sip:bzrtp-peer@127.0.0.1";
	o->peerUri = "sip:zrtp-peer@127.0.0.1";
	o->timeoutMs = 10000;
	o->lingerMs = 100;
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': o->localPort = parse_port(optarg); break;
		case 'r': o->remotePort = parse_port(optarg); break;
		case 's': o->ssrc = (uint32_t)strtoul(optarg, NULL, 16); break;
		case 'R':
			if (strcmp(optarg, "initiator") == 0) o->role = ROLE_INITIATOR;
			else if (strcmp(optarg, "responder") == 0) o->role = ROLE_RESPONDER;
			else if (strcmp(optarg, "auto") == 0) o->role = ROLE_AUTO;
			else die(2, "bad role '%s'", optarg);
			break;
		case 'H': parse_algo_list(optarg, ZRTP_HASH_TYPE, &o->lists[0]); break;
		case 'C': parse_algo_list(optarg, ZRTP_CIPHERBLOCK_TYPE, &o->lists[1]); break;
		case 'A': parse_algo_list(optarg, ZRTP_AUTHTAG_TYPE, &o->lists[2]); break;
		case 'K': parse_algo_list(optarg, ZRTP_KEYAGREEMENT_TYPE, &o->lists[3]); break;
		case 'S': parse_algo_list(optarg, ZRTP_SAS_TYPE, &o->lists[4]); break;
		case 'c': o->cachePath = optarg; break;
		case 'u': o->selfUri = optarg; break;
		case 'p': o->peerUri = optarg; break;
		case 'f': o->forgetPeers = 1; break;
		case 'v': o->verify = 1; break;
		case 'x': o->auxSecretLength = from_hex(optarg, o->auxSecret, sizeof o->auxSecret); break;
		case 'g': o->waitGo = 1; break;
		case 'w': o->capturePath = optarg; break;
		case 't': o->timeoutMs = atof(optarg); if (o->timeoutMs <= 0) die(2, "bad --timeout-ms"); break;
		case 'V': o->verbose = 1; break;
		case 'L': o->lingerMs = atof(optarg); if (o->lingerMs < 0) die(2, "bad --linger-ms"); break;
		case 'B': o->benchHandshakes = atoi(optarg); if (o->benchHandshakes < 1) die(2, "bad --bench-handshake"); break;
		case 'k': o->benchKeyAgreements = atoi(optarg); if (o->benchKeyAgreements < 1) die(2, "bad --bench-ka"); break;
		default: usage();
		}
	}
	if (optind != argc) usage();
	if (!o->benchHandshakes && !o->benchKeyAgreements && (!o->localPort || !o->remotePort)) usage();
}

static void apply_algorithms(bzrtpContext_t *ctx, const options_t *o) {
	/* bzrtp appends the RFC's mandatory algorithms (DH3k, S256, AES1, HS32+HS80, B32) after
	 * the given ones (bzrtp_addMandatoryCryptoTypesIfNeeded), as RFC 6189 §5.1.2 requires. */
	for (int i = 0; i < 5; i++) {
		if (o->lists[i].count == 0) continue;
		uint8_t codes[MAX_ALGOS];
		memcpy(codes, o->lists[i].codes, MAX_ALGOS);
		bzrtp_setSupportedCryptoTypes(ctx, LIST_TYPES[i], codes, o->lists[i].count);
	}
}

/* ---------------------------------------------------------------- the endpoint */

typedef struct {
	const options_t *opt;
	bzrtpContext_t *ctx;
	sqlite3 *db;
	int fd;
	FILE *capture;
	double tStart, tFirstHello, tSecure;
	int sentDhPart1, sentDhPart2, secure, cacheMismatchMessage;
	int lastError; /* last non-zero bzrtp_processMessage result, reported on timeout */
	int verified;
	bzrtpSrtpSecrets_t secrets; /* copied scalars; the strings below own the bytes */
	char sas[64], sendKey[129], sendSalt[129], recvKey[129], recvSalt[129];
	char exportProbe[129];
	int haveExportProbe;
} endpoint_t;


/* Bench mode routes packets through in-memory queues instead of the socket. */
typedef struct {
	uint8_t packets[16][MAX_PACKET];
	uint16_t lengths[16];
	int count;
} queue_t;

static endpoint_t *as_endpoint(void *clientData) { return (endpoint_t *)clientData; }

static void capture_packet(endpoint_t *ep, const char *direction, const uint8_t *p, size_t len) {
	if (!ep->capture) return;
	char hex[2 * MAX_PACKET + 1];
	to_hex(p, len < MAX_PACKET ? len : MAX_PACKET, hex);
	fprintf(ep->capture, "{\"t\":%.3f,\"dir\":\"%s\",\"packet\":\"%s\"}\n", now_ms() - ep->tStart, direction, hex);
	fflush(ep->capture);
}

static int is_message_type(const uint8_t *packet, size_t len, const char type[8]) {
	return len >= MESSAGE_TYPE_OFFSET + 8 && memcmp(packet + MESSAGE_TYPE_OFFSET, type, 8) == 0;
}

static queue_t *bench_queue_of(endpoint_t *ep);

/* bzrtpCallbacks_t.bzrtp_sendData: a complete §5 packet (header, message, CRC). */
static int on_send(void *clientData, const uint8_t *packet, uint16_t length) {
	endpoint_t *ep = as_endpoint(clientData);
	if (is_message_type(packet, length, "Hello   ") && ep->tFirstHello == 0) ep->tFirstHello = now_ms();
	if (is_message_type(packet, length, "DHPart1 ")) ep->sentDhPart1 = 1;
	if (is_message_type(packet, length, "DHPart2 ")) ep->sentDhPart2 = 1;
	if (ep->opt->verbose) fprintf(stderr, "bzrtp-peer: %8.1f ms sent %.8s\n", now_ms() - ep->tStart, packet + MESSAGE_TYPE_OFFSET);
	capture_packet(ep, "out", packet, length);
	queue_t *q = bench_queue_of(ep);
	if (q) {
		if (q->count < 16 && length <= MAX_PACKET) {
			memcpy(q->packets[q->count], packet, length);
			q->lengths[q->count++] = length;
		}
		return 0;
	}
	/* connected UDP socket; ECONNREFUSED just means the peer is not bound yet: RFC 6189 §6
	 * retransmission covers it */
	if (send(ep->fd, packet, length, 0) < 0 && errno != ECONNREFUSED && ep->opt->verbose)
		fprintf(stderr, "bzrtp-peer: send: %s\n", strerror(errno));
	return 0;
}

static void copy_hex(char *dst, const uint8_t *src, uint8_t len) {
	to_hex(src, len > 64 ? 64 : len, dst);
}

/* bzrtpCallbacks_t.bzrtp_startSrtpSession: called once the channel is secure (bzrtp
 * src/stateMachine.c state_secure); `verified` is bzrtp's own cached PVS flag AND the
 * peer's V flag from its Confirm (RFC 6189 §7.1). */
static int on_secure(void *clientData, const bzrtpSrtpSecrets_t *s, int32_t verified) {
	endpoint_t *ep = as_endpoint(clientData);
	ep->tSecure = now_ms();
	ep->secure = 1;
	ep->verified = verified;
	ep->secrets = *s; /* keep the scalars only: the buffers belong to bzrtp */
	ep->secrets.sas = NULL;
	ep->secrets.selfSrtpKey = ep->secrets.selfSrtpSalt = ep->secrets.peerSrtpKey = ep->secrets.peerSrtpSalt = NULL;
	snprintf(ep->sas, sizeof ep->sas, "%s", s->sas ? s->sas : "");
	copy_hex(ep->sendKey, s->selfSrtpKey, s->selfSrtpKeyLength);
	copy_hex(ep->sendSalt, s->selfSrtpSalt, s->selfSrtpSaltLength);
	copy_hex(ep->recvKey, s->peerSrtpKey, s->peerSrtpKeyLength);
	copy_hex(ep->recvSalt, s->peerSrtpSalt, s->peerSrtpSaltLength);
	return 0;
}

static int on_status(void *clientData, const uint8_t level, const uint8_t id, const char *text) {
	endpoint_t *ep = as_endpoint(clientData);
	if (id == BZRTP_MESSAGE_CACHEMISMATCH) ep->cacheMismatchMessage = 1;
	if (ep->opt->verbose) fprintf(stderr, "bzrtp-peer: status level %u id %u %s\n", level, id, text ? text : "");
	return 0;
}

/* bzrtpCallbacks_t.bzrtp_contextReadyForExportedKeys: s0 still exists. We derive one key
 * from the RFC 6189 §4.5.2 Exported Key, KDF(ExportedKey, label, KDF_Context, 256), so a
 * peer can check its own Exported Key without printing it. (bzrtp delays this callback
 * after a cache mismatch until the SAS is verified.) */
static int on_exported_keys(void *clientData, int zuid, uint8_t role) {
	(void)zuid;
	(void)role;
	endpoint_t *ep = as_endpoint(clientData);
	uint8_t key[32];
	size_t length = sizeof key;
	if (bzrtp_exportKey(ep->ctx, EXPORT_PROBE_LABEL, strlen(EXPORT_PROBE_LABEL), key, &length) == 0) {
		to_hex(key, length, ep->exportProbe);
		ep->haveExportProbe = 1;
	}
	return 0;
}

static void setup_context(endpoint_t *ep) {
	const options_t *o = ep->opt;
	ep->ctx = bzrtp_createBzrtpContext();
	if (!ep->ctx) die(1, "bzrtp_createBzrtpContext failed");
	if (ep->db) {
		int rc = bzrtp_setZIDCache(ep->ctx, ep->db, o->selfUri, o->peerUri);
		if (rc != 0 && rc != BZRTP_CACHE_SETUP && rc != BZRTP_CACHE_UPDATE)
			die(1, "bzrtp_setZIDCache failed: 0x%x (is libbzrtp built with its sqlite ZID cache?)", rc);
	}
	bzrtpCallbacks_t cbs;
	memset(&cbs, 0, sizeof cbs);
	cbs.bzrtp_sendData = on_send;
	cbs.bzrtp_startSrtpSession = on_secure;
	cbs.bzrtp_statusMessage = on_status;
	cbs.bzrtp_messageLevel = o->verbose ? BZRTP_MESSAGE_DEBUG : BZRTP_MESSAGE_ERROR;
	cbs.bzrtp_contextReadyForExportedKeys = on_exported_keys;
	if (bzrtp_setCallbacks(ep->ctx, &cbs) != 0) die(1, "bzrtp_setCallbacks failed");
	/* algorithms must be set before the channel exists: its Hello is built at channel init */
	apply_algorithms(ep->ctx, o);
	if (bzrtp_initBzrtpContext(ep->ctx, o->ssrc) != 0) die(1, "bzrtp_initBzrtpContext failed");
	if (bzrtp_setClientData(ep->ctx, o->ssrc, ep) != 0) die(1, "bzrtp_setClientData failed");
	if (o->auxSecretLength > 0 && bzrtp_setAuxiliarySharedSecret(ep->ctx, o->auxSecret, o->auxSecretLength) != 0)
		die(1, "bzrtp_setAuxiliarySharedSecret failed");
}

/* Feed one received packet to bzrtp, except the HelloACKs a forced responder withholds. */
static void deliver(endpoint_t *ep, uint8_t *packet, size_t length) {
	if (ep->opt->verbose) fprintf(stderr, "bzrtp-peer: %8.1f ms recv %.8s\n", now_ms() - ep->tStart, packet + MESSAGE_TYPE_OFFSET);
	capture_packet(ep, "in", packet, length);
	if (ep->opt->role == ROLE_RESPONDER && is_message_type(packet, length, "HelloACK")) return;
	int rc = bzrtp_processMessage(ep->ctx, ep->opt->ssrc, packet, (uint16_t)length);
	if (rc != 0) {
		ep->lastError = rc;
		if (ep->opt->verbose) fprintf(stderr, "bzrtp-peer: bzrtp_processMessage returned 0x%x\n", rc);
	}
}

/* ---------------------------------------------------------------- ZID cache (sqlite) */

static sqlite3 *open_cache(const options_t *o) {
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(o->cachePath, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		die(1, "cannot open cache '%s': %s", o->cachePath, db ? sqlite3_errmsg(db) : "out of memory");
	if (o->forgetPeers) {
		/* Forget every peer's retained secrets (RFC 6189 §4.9) but keep our own ZID, which
		 * bzrtp stores in ziduri with peeruri 'self' (bzrtp src/zidCache.c). Tables may not
		 * exist yet in a fresh file; bzrtp creates them in bzrtp_setZIDCache. */
		sqlite3_exec(db, "DELETE FROM zrtp; DELETE FROM ziduri WHERE peeruri <> 'self';", NULL, NULL, NULL);
	}
	return db;
}

/* ---------------------------------------------------------------- output */

static const char *json_bool(int v) { return v ? "true" : "false"; }

static void print_result(endpoint_t *ep) {
	const bzrtpSrtpSecrets_t *s = &ep->secrets;
	/* bzrtp renders B256 as "word1:word2" (src/cryptoUtils.c bzrtp_base256); susurro's API
	 * uses "word1 word2", so the common "sas" key uses a space and "sasRaw" keeps bzrtp's. */
	char sas[64];
	snprintf(sas, sizeof sas, "%s", ep->sas);
	for (char *c = sas; *c; c++) if (*c == ':') *c = ' ';
	const char *aux = s->auxSecretMismatch == BZRTP_AUXSECRET_MATCH ? "true"
	                : s->auxSecretMismatch == BZRTP_AUXSECRET_MISMATCH ? "false" : "null";
	char probe[140];
	if (ep->haveExportProbe) snprintf(probe, sizeof probe, "\"%s\"", ep->exportProbe);
	else snprintf(probe, sizeof probe, "null");
	printf("{\"implementation\":\"bzrtp\",\"sas\":\"%s\",\"sasRaw\":\"%s\",\"sasType\":\"%s\",\"hash\":\"%s\","
	       "\"cipher\":\"%s\",\"authTag\":\"%s\",\"keyAgreement\":\"%s\",\"role\":\"%s\","
	       "\"cacheMismatch\":%s,\"previouslyVerified\":%s,\"auxSecretMatched\":%s,"
	       "\"srtp\":{\"send\":{\"key\":\"%s\",\"salt\":\"%s\"},\"recv\":{\"key\":\"%s\",\"salt\":\"%s\"}},"
	       "\"exportProbe\":%s,\"timing\":{\"firstHelloToSecureMs\":%.3f}}\n",
	       sas, ep->sas, algo_to_name(s->sasAlgo), algo_to_name(s->hashAlgo), algo_to_name(s->cipherAlgo),
	       algo_to_name(s->authTagAlgo), algo_to_name(s->keyAgreementAlgo),
	       ep->sentDhPart2 ? "initiator" : "responder",
	       json_bool(s->cacheMismatch || ep->cacheMismatchMessage), json_bool(ep->verified), aux,
	       ep->sendKey, ep->sendSalt, ep->recvKey, ep->recvSalt, probe, ep->tSecure - ep->tFirstHello);
	fflush(stdout);
}

/* ---------------------------------------------------------------- UDP mode */

static int open_socket(const options_t *o) {
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) die(1, "socket: %s", strerror(errno));
	struct sockaddr_in addr;
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* loopback only, never another interface */
	addr.sin_port = htons((uint16_t)o->localPort);
	if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die(1, "bind 127.0.0.1:%d: %s", o->localPort, strerror(errno));
	addr.sin_port = htons((uint16_t)o->remotePort);
	if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die(1, "connect 127.0.0.1:%d: %s", o->remotePort, strerror(errno));
	return fd;
}

static void wait_for_go(endpoint_t *ep) {
	uint8_t helloHash[80] = {0};
	bzrtp_getSelfHelloHash(ep->ctx, ep->opt->ssrc, helloHash, sizeof helloHash);
	fprintf(stderr, "READY {\"helloHash\":\"%s\"}\n", (char *)helloHash);
	fflush(stderr);
	char line[256];
	if (!fgets(line, sizeof line, stdin)) die(1, "stdin closed before \"go\"");
	line[strcspn(line, "\r\n")] = '\0';
	if (strncmp(line, "go", 2) != 0) die(1, "expected \"go\" on stdin, got '%s'", line);
	if (line[2] == ' ' && line[3]) {
		/* RFC 6189 §8.1: the peer's a=zrtp-hash; bzrtp checks its Hello against it */
		if (bzrtp_setPeerHelloHash(ep->ctx, ep->opt->ssrc, (uint8_t *)line + 3, strlen(line + 3)) != 0)
			die(1, "bzrtp_setPeerHelloHash rejected '%s'", line + 3);
	}
}

static int run_udp(const options_t *o) {
	endpoint_t ep;
	memset(&ep, 0, sizeof ep);
	ep.opt = o;
	ep.fd = open_socket(o);
	if (o->capturePath && !(ep.capture = fopen(o->capturePath, "w"))) die(1, "cannot write %s", o->capturePath);
	if (o->cachePath) ep.db = open_cache(o);
	setup_context(&ep);
	if (o->waitGo) wait_for_go(&ep);

	ep.tStart = now_ms();
	const double deadline = ep.tStart + o->timeoutMs;
	if (bzrtp_startChannelEngine(ep.ctx, o->ssrc) != 0) die(1, "bzrtp_startChannelEngine failed");
	/* Event loop: bzrtp answers a packet from inside bzrtp_processMessage, so only its §6
	 * retransmission timers depend on how often bzrtp_iterate runs (every 2 ms at most). */
	while (!ep.secure) {
		double t = now_ms();
		if (t > deadline) {
			die(1, "timeout after %.0f ms without reaching secure state (channel status 0x%x, last bzrtp error 0x%x)",
			    o->timeoutMs, bzrtp_getChannelStatus(ep.ctx, o->ssrc), ep.lastError);
		}
		bzrtp_iterate(ep.ctx, o->ssrc, (uint64_t)t);
		if (ep.secure) break;
		if (bzrtp_getChannelStatus(ep.ctx, o->ssrc) == BZRTP_CHANNEL_ERROR)
			die(1, "bzrtp channel in error state (last bzrtp error 0x%x)", ep.lastError);
		struct pollfd pfd = {.fd = ep.fd, .events = POLLIN};
		if (poll(&pfd, 1, 2) > 0 && (pfd.revents & POLLIN)) {
			uint8_t packet[MAX_PACKET];
			ssize_t n;
			while ((n = recv(ep.fd, packet, sizeof packet, MSG_DONTWAIT)) > 0 && !ep.secure) deliver(&ep, packet, (size_t)n);
		}
	}

	int roleOk = o->role == ROLE_AUTO || (o->role == ROLE_INITIATOR) == (ep.sentDhPart2 != 0);
	if (!roleOk) die(1, "asked for role %s but bzrtp became the %s (commit contention lost)",
	                 o->role == ROLE_INITIATOR ? "initiator" : "responder", ep.sentDhPart2 ? "initiator" : "responder");
	/* RFC 6189 §7.1: the user confirmed the SAS; bzrtp sets the V flag in its cache (and, after
	 * a cache mismatch, only now stores the new rs1) */
	if (o->verify) bzrtp_SASVerified(ep.ctx);
	print_result(&ep);

	/* The responder went secure on Confirm2 and answered Conf2ACK; linger (--linger-ms) so a
	 * retransmitted Confirm2 (lost Conf2ACK) still gets its answer (RFC 6189 §6). */
	if (!ep.sentDhPart2) {
		double until = now_ms() + o->lingerMs;
		while (now_ms() < until) {
			struct pollfd pfd = {.fd = ep.fd, .events = POLLIN};
			if (poll(&pfd, 1, 10) > 0) {
				uint8_t packet[MAX_PACKET];
				ssize_t n = recv(ep.fd, packet, sizeof packet, MSG_DONTWAIT);
				if (n > 0) deliver(&ep, packet, (size_t)n);
			}
		}
	}
	bzrtp_destroyBzrtpContext(ep.ctx, o->ssrc);
	if (ep.db) sqlite3_close(ep.db);
	if (ep.capture) fclose(ep.capture);
	close(ep.fd);
	return 0;
}

/* ---------------------------------------------------------------- bench mode */

/* Two bzrtp engines in one process exchange packets through memory (no sockets, no cache),
 * like bzrtp's own test/bzrtpConfigsTest.c; each sample is the wall time of one complete DH
 * mode handshake, Hello to both sides secure. Reference for bench/zrtp-handshake.bench.ts. */
static queue_t benchQueues[2];
static endpoint_t *benchEndpoints[2];

static queue_t *bench_queue_of(endpoint_t *ep) {
	/* a packet sent by endpoint i lands in the other endpoint's queue */
	if (ep == benchEndpoints[0]) return &benchQueues[1];
	if (ep == benchEndpoints[1]) return &benchQueues[0];
	return NULL;
}

static int compare_doubles(const void *a, const void *b) {
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void print_summary(const char *ka, const char *what, double *samples, int count);

static int run_bench(const options_t *o) {
	double *samples = calloc((size_t)o->benchHandshakes, sizeof(double));
	if (!samples) die(1, "out of memory");
	options_t optA = *o, optB = *o;
	optA.ssrc = 0x11111111;
	optA.role = ROLE_INITIATOR;
	optB.ssrc = 0x22222222;
	optB.role = ROLE_RESPONDER; /* withholds HelloACK: no commit contention, as in a call */
	char ka[8] = "";
	for (int n = 0; n < o->benchHandshakes; n++) {
		endpoint_t a, b;
		memset(&a, 0, sizeof a);
		memset(&b, 0, sizeof b);
		a.opt = &optA;
		b.opt = &optB;
		benchEndpoints[0] = &a;
		benchEndpoints[1] = &b;
		benchQueues[0].count = benchQueues[1].count = 0;
		double t0 = now_ms();
		a.tStart = b.tStart = t0;
		setup_context(&a);
		setup_context(&b);
		bzrtp_startChannelEngine(a.ctx, optA.ssrc);
		bzrtp_startChannelEngine(b.ctx, optB.ssrc);
		uint64_t simulatedMs = 1; /* a simulated clock: only loss would need bzrtp's timers */
		for (int rounds = 0; !(a.secure && b.secure); rounds++) {
			if (rounds > 10000) die(1, "bench handshake %d did not complete", n);
			bzrtp_iterate(a.ctx, optA.ssrc, simulatedMs);
			bzrtp_iterate(b.ctx, optB.ssrc, simulatedMs);
			for (int side = 0; side < 2; side++) {
				queue_t q = benchQueues[side];
				benchQueues[side].count = 0;
				endpoint_t *ep = benchEndpoints[side];
				for (int i = 0; i < q.count; i++) deliver(ep, q.packets[i], q.lengths[i]);
			}
			simulatedMs += 1;
		}
		samples[n] = now_ms() - t0;
		if (strcmp(a.sas, b.sas) != 0 || strcmp(a.sendKey, b.recvKey) != 0) die(1, "bench handshake %d: sides disagree", n);
		snprintf(ka, sizeof ka, "%s", algo_to_name(a.secrets.keyAgreementAlgo));
		bzrtp_destroyBzrtpContext(a.ctx, optA.ssrc);
		bzrtp_destroyBzrtpContext(b.ctx, optB.ssrc);
	}
	print_summary(ka, "handshake", samples, o->benchHandshakes);
	free(samples);
	return 0;
}

/* The key agreement alone, through bctoolbox exactly as bzrtp uses it (src/packetParser.c,
 * src/stateMachine.c): one sample = both sides' key pairs and both shared secrets. DH secret
 * exponents are 256 bits with AES1 and 512 with AES3, bzrtp's choice. */
static void print_summary(const char *ka, const char *what, double *samples, int count);

static int run_bench_ka(const options_t *o) {
	uint8_t ka = o->lists[3].count ? o->lists[3].codes[0] : ZRTP_KEYAGREEMENT_X255;
	uint8_t cipher = o->lists[1].count ? o->lists[1].codes[0] : ZRTP_CIPHER_AES1;
	uint8_t secretLength = cipher == ZRTP_CIPHER_AES3 ? 64 : 32;
	bctbx_rng_context_t *rng = bctbx_rng_context_new();
	int (*rngFunction)(void *, uint8_t *, size_t) = (int (*)(void *, uint8_t *, size_t))bctbx_rng_get;
	double *samples = calloc((size_t)o->benchKeyAgreements, sizeof(double));
	if (!samples || !rng) die(1, "out of memory");
	for (int n = 0; n < o->benchKeyAgreements; n++) {
		double t0 = now_ms();
		if (ka == ZRTP_KEYAGREEMENT_DH3k || ka == ZRTP_KEYAGREEMENT_DH2k) {
			uint8_t algo = ka == ZRTP_KEYAGREEMENT_DH3k ? BCTBX_DHM_3072 : BCTBX_DHM_2048;
			bctbx_DHMContext_t *a = bctbx_CreateDHMContext(algo, secretLength);
			bctbx_DHMContext_t *b = bctbx_CreateDHMContext(algo, secretLength);
			bctbx_DHMCreatePublic(a, rngFunction, rng);
			bctbx_DHMCreatePublic(b, rngFunction, rng);
			a->peer = malloc(a->primeLength);
			b->peer = malloc(b->primeLength);
			memcpy(a->peer, b->self, a->primeLength);
			memcpy(b->peer, a->self, b->primeLength);
			bctbx_DHMComputeSecret(a, rngFunction, rng);
			bctbx_DHMComputeSecret(b, rngFunction, rng);
			if (memcmp(a->key, b->key, a->primeLength) != 0) die(1, "DH results differ");
			bctbx_DestroyDHMContext(a);
			bctbx_DestroyDHMContext(b);
		} else if (ka == ZRTP_KEYAGREEMENT_X255 || ka == ZRTP_KEYAGREEMENT_X448) {
			uint8_t algo = ka == ZRTP_KEYAGREEMENT_X255 ? BCTBX_ECDH_X25519 : BCTBX_ECDH_X448;
			bctbx_ECDHContext_t *a = bctbx_CreateECDHContext(algo);
			bctbx_ECDHContext_t *b = bctbx_CreateECDHContext(algo);
			bctbx_ECDHCreateKeyPair(a, rngFunction, rng);
			bctbx_ECDHCreateKeyPair(b, rngFunction, rng);
			bctbx_ECDHSetPeerPublicKey(a, b->selfPublic, b->pointCoordinateLength);
			bctbx_ECDHSetPeerPublicKey(b, a->selfPublic, a->pointCoordinateLength);
			bctbx_ECDHComputeSecret(a, rngFunction, rng);
			bctbx_ECDHComputeSecret(b, rngFunction, rng);
			if (memcmp(a->sharedSecret, b->sharedSecret, a->pointCoordinateLength) != 0) die(1, "ECDH results differ");
			bctbx_DestroyECDHContext(a);
			bctbx_DestroyECDHContext(b);
		} else {
			die(2, "--bench-ka: bzrtp 5.1 has no %s", algo_to_name(ka));
		}
		samples[n] = now_ms() - t0;
	}
	print_summary(algo_to_name(ka), "keyAgreement", samples, o->benchKeyAgreements);
	free(samples);
	bctbx_rng_context_free(rng);
	return 0;
}

static void print_summary(const char *ka, const char *what, double *samples, int count) {
	qsort(samples, (size_t)count, sizeof(double), compare_doubles);
	double median = count % 2 ? samples[count / 2] : (samples[count / 2 - 1] + samples[count / 2]) / 2;
	int rank = (int)((99 * count + 99) / 100) - 1; /* nearest rank, as bench/lib/report.ts */
	printf("{\"implementation\":\"bzrtp\",\"measure\":\"%s\",\"keyAgreement\":\"%s\",\"samples\":%d,\"medianMs\":%.4f,\"p99Ms\":%.4f,\"allMs\":[",
	       what, ka, count, median, samples[rank < 0 ? 0 : rank]);
	for (int i = 0; i < count; i++) printf("%s%.4f", i ? "," : "", samples[i]);
	printf("]}\n");
}

int main(int argc, char **argv) {
	options_t o;
	parse_options(argc, argv, &o);
	setvbuf(stderr, NULL, _IOLBF, 0);
	if (o.benchKeyAgreements) return run_bench_ka(&o);
	return o.benchHandshakes ? run_bench(&o) : run_udp(&o);
}
