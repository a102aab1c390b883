/**
 * Runs inside a client namespace (behind its own NAT) of netns-nat.test.ts: a sip.js phone over
 * WSS and a TURN allocation on the server, driven by JSON lines on stdin, reporting JSON lines
 * on stdout. Commands: {"peer":{ip,port}} {"call":ext} {"answer":true} {"send":n} {"stop":true}.
 * The callee echoes every relayed packet back to the peer's relay address.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createPhone, dtlsSdp } from '../../support/sip-client.ts';
import { TurnUdpClient } from '../../support/turn-client.ts';

interface Setup { server: string; wssPort: number; adminPort: number; turnPort: number; domain: string; ext: string; password: string; caPem: string; turn: { username: string; credential: string } }
const setup = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as Setup;
const out = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n');

const phone = await createPhone({
  wssUrl: `wss://${setup.server}:${setup.wssPort}/ws`, domain: setup.domain, ext: setup.ext, password: setup.password,
  ca: setup.caPem, origin: `https://${setup.server}:${setup.adminPort}`,
});
out({ registered: await phone.register() });
const turn = await TurnUdpClient.open(setup.server, setup.turnPort, '0.0.0.0');
const cred = setup.turn;
const alloc = await turn.allocate(cred.username, cred.credential);
out({ allocated: alloc.status, relayed: alloc.relayed ?? null });

let peer: { ip: string; port: number } | null = null;
let echoed = 0;
let seen = 0;
const echo = setInterval(() => {
  // callee role: echo new relayed packets back through our allocation
  for (; seen < turn.dataIndications.length; seen++) {
    const d = turn.dataIndications[seen];
    if (d && peer && setup.ext === '202') { turn.sendIndication(peer.ip, peer.port, d.data); echoed++; }
  }
}, 5);
const timer = setTimeout(() => void finish(), 60_000); // bounded life even if the test dies

async function finish() {
  clearInterval(echo);
  clearTimeout(timer);
  turn.close();
  await phone.stop();
  process.exit(0);
}

const rl = createInterface({ input: process.stdin });
rl.on('close', () => void finish());
rl.on('line', async (line) => {
  const cmd = JSON.parse(line) as { peer?: { ip: string; port: number }; call?: string; answer?: boolean; send?: number; stop?: boolean };
  try {
    if (cmd.peer) {
      peer = cmd.peer;
      out({ permission: await turn.createPermission(cmd.peer.ip) });
    } else if (cmd.answer) {
      const inv = await phone.nextInvitation(10_000);
      await inv.accept();
      out({ answered: true, from: inv.remoteIdentity.uri.user });
    } else if (cmd.call) {
      const r = await phone.call(`sip:${cmd.call}@${setup.domain}`, { sdp: dtlsSdp() });
      out({ callStatus: r.status });
    } else if (cmd.send && peer) {
      const before = turn.dataIndications.length;
      for (let i = 0; i < cmd.send; i++) {
        const frame = Buffer.alloc(160);
        frame.writeUInt32BE(i, 0);
        turn.sendIndication(peer.ip, peer.port, frame);
        await new Promise((r) => setTimeout(r, 20)); // 50 packets/s, like a voice stream
      }
      await new Promise((r) => setTimeout(r, 500));
      const back = turn.dataIndications.slice(before).filter((d) => d.from.ip === peer?.ip && d.from.port === peer?.port);
      out({ sent: cmd.send, echoedBack: back.length });
    } else if (cmd.stop) {
      out({ stopped: true, echoed });
      await finish();
    }
  } catch (err) {
    out({ error: String(err) });
  }
});
out({ ready: true });
