// The runtime benchmark's floor: the smallest Node HTTP proxy that does the runtime's hops — read and
// parse the caller's JSON, POST a chat completion to the upstream over a keep-alive agent, parse its
// answer, answer JSON — with no SDK, validation, logging or metrics. What the runtime adds beyond this is
// its own cost; what this adds over the upstream is the cost of any Node proxy on the machine.
//   MODEL_BASE_URL=http://127.0.0.1:4000/v1 MODEL_NAME=m PORT=8080 npx tsx bench/lib/floor-proxy.ts
import { Agent, createServer, request } from 'node:http';

const base = process.env.MODEL_BASE_URL ?? 'http://127.0.0.1:4000/v1';
const model = process.env.MODEL_NAME ?? 'bench-model';
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

function readAll(stream: NodeJS.ReadableStream, done: (text: string) => void): void {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
}

createServer((req, res) => {
  if (req.url === '/readyz') {
    res.end('ok');
    return;
  }
  readAll(req, (text) => {
    const { messages } = JSON.parse(text) as { messages: unknown };
    const body = JSON.stringify({ model, messages });
    const up = request(
      `${base}/chat/completions`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (answer) =>
        readAll(answer, (json) => {
          const c = JSON.parse(json) as {
            model: string;
            usage: unknown;
            choices: { message: { content: string } }[];
          };
          const out = JSON.stringify({
            output: c.choices[0]?.message.content,
            model: c.model,
            usage: c.usage,
          });
          res.writeHead(200, {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(out),
          });
          res.end(out);
        }),
    );
    up.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    up.end(body);
  });
}).listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? '127.0.0.1');
