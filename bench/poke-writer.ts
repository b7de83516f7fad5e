/**
 * Client A of the poke-latency bench, in a process of its own, as a second device would be:
 *
 *   node --import tsx bench/poke-writer.ts --url <server> --scope <scope> --options <WritePathOptions JSON> [--sqlite <file>]
 *
 * Prints `{"ready":true}` once its client is up. Each `put <i> <revision>` line puts `noteKey(i)` and
 * answers `{"started":…, "resolved":…}`: when the put was called and when it resolved, as epoch
 * milliseconds (performance.timeOrigin + performance.now(), sub-millisecond and comparable across
 * processes on one machine). `stop` (or stdin closing) closes the client and exits.
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { benchClient, closeClient, noteKey, noteValue, type WritePathOptions } from './write-path-setup.js';

const { values } = parseArgs({ options: { url: { type: 'string' }, scope: { type: 'string' }, options: { type: 'string' }, sqlite: { type: 'string' } } });
if (values.url === undefined || values.scope === undefined || values.options === undefined) {
  process.stderr.write('usage: poke-writer.ts --url <server> --scope <scope> --options <json> [--sqlite <file>]\n');
  process.exit(2);
}
const options = JSON.parse(values.options) as WritePathOptions;
const writer = await benchClient({
  url: values.url,
  scope: values.scope,
  store: values.sqlite === undefined ? 'memory' : { sqlite: values.sqlite },
  extra: { autoSync: true, pullIntervalMs: 0 },
}, options);
const epoch = (): number => performance.timeOrigin + performance.now();
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await closeClient(writer);
  process.exit(0);
};
// One command at a time: the parent waits for each answer before it sends the next.
const commands = createInterface({ input: process.stdin });
commands.on('line', (line) => {
  const [command, i, revision] = line.trim().split(' ');
  if (command === 'stop') void stop();
  if (command !== 'put') return;
  void (async () => {
    const n = Number(i);
    const started = epoch();
    await writer.client.collection('notes').put(noteKey(n), noteValue(n, Number(revision)));
    const resolved = epoch();
    process.stdout.write(`${JSON.stringify({ started, resolved })}\n`);
  })();
});
commands.on('close', () => void stop());
