// The official MCP TypeScript client (@modelcontextprotocol/sdk, Streamable HTTP) against a served agent.
// Usage: node mcp.mjs <scenario> <url> [<url of another replica>]; env MOTUS_TEST_KEY: the API key.
// Prints what it saw and exits 0, or exits 1 naming the first expectation that failed.
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const [, , scenario, first, second] = process.argv;
const key = process.env.MOTUS_TEST_KEY;
const auth = key ? { Authorization: `Bearer ${key}` } : {};

/** A connected client; with onElicit, one that declares elicitation and answers with it. */
async function connect(url, onElicit) {
  const client = new Client({ name: 'motus-test', version: '1.0.0' },
    { capabilities: onElicit ? { elicitation: {} } : {} });
  if (onElicit) {
    client.setRequestHandler(ElicitRequestSchema, async (request) => onElicit(request.params));
  }
  await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', url), { requestInit: { headers: auth } }));
  return client;
}

const chat = (client, args, options) => client.callTool({ name: 'chat', arguments: args }, undefined, options);
const reply = (result) => result.structuredContent;

/** Waits until check() gives a truthy value, failing after 30 s. */
async function until(what, check) {
  const end = Date.now() + 30_000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const get = async (path) => (await fetch(new URL(path, first), { headers: auth })).json();

const scenarios = {
  async tools() {
    const client = await connect(first);
    const { tools } = await client.listTools();
    assert.equal(tools.length, 1);
    assert.equal(tools[0].name, 'chat');
    assert.ok(tools[0].inputSchema.properties.message);
    assert.ok(tools[0].inputSchema.properties.resume);
    return { tools: tools.map((t) => t.name), server: client.getServerVersion() };
  },

  async conversation() {
    const a = await connect(first);
    const one = await chat(a, { message: 'seen' });
    assert.equal(reply(one).status, 'idle');
    assert.equal(one.content[0].text, '0');
    const b = await connect(second ?? first);
    const two = await chat(b, { message: 'seen', session_id: reply(one).session_id });
    assert.equal(two.content[0].text, '2', 'the second call sees the first one and its reply');
    assert.equal(reply(two).session_id, reply(one).session_id);
    return { session: reply(one).session_id, replies: [one.content[0].text, two.content[0].text] };
  },

  async progress() {
    const client = await connect(first);
    const seen = [];
    const result = await chat(client, { message: 'stream one two three' }, { onprogress: (p) => seen.push(p) });
    assert.deepEqual(seen.map((p) => p.message), ['one', ' two', ' three'], 'each delta is a progress notification');
    assert.deepEqual(seen.map((p) => p.progress), [1, 2, 3]);
    assert.equal(result.content[0].text, 'one two three');
    return { progress: seen.map((p) => p.message) };
  },

  async elicitAccepted() {
    const asked = [];
    const client = await connect(first, (params) => {
      asked.push(params);
      return { action: 'accept', content: { approved: true } };
    });
    const result = await chat(client, { message: 'approve delete_file' });
    assert.equal(asked.length, 1);
    assert.match(asked[0].message, /delete_file/);
    assert.equal(result.content[0].text, 'approved');
    return { message: asked[0].message, reply: result.content[0].text };
  },

  async elicitDeclined() {
    const client = await connect(first, () => ({ action: 'decline' }));
    const result = await chat(client, { message: 'approve delete_file' });
    assert.equal(result.content[0].text, 'rejected');
    return { reply: result.content[0].text };
  },

  async elicitInput() {
    const client = await connect(first, (params) => {
      assert.deepEqual(params.requestedSchema.properties.answer1.enum, ['red', 'blue']);
      return { action: 'accept', content: { answer1: 'blue' } };
    });
    const result = await chat(client, { message: 'ask' });
    assert.match(result.content[0].text, /blue/);
    return { reply: result.content[0].text };
  },

  async resume() {
    const a = await connect(first);
    const asked = await chat(a, { message: 'approve delete_file' });
    assert.equal(reply(asked).status, 'interrupted', 'a client without elicitation gets the question as a result');
    const [question] = reply(asked).interrupts;
    assert.equal(question.type, 'tool_approval');
    const b = await connect(second ?? first);
    const answered = await chat(b, { session_id: reply(asked).session_id,
      resume: { interrupt_id: question.interrupt_id, value: { approved: true } } });
    assert.equal(answered.content[0].text, 'approved');
    return { interrupt: question.type, reply: answered.content[0].text };
  },

  async cancel() {
    const client = await connect(first);
    const abort = new AbortController();
    const call = chat(client, { message: `drip ${'word '.repeat(200)}` },
      { signal: abort.signal, onprogress: () => abort.abort('enough') });
    await assert.rejects(call, /enough|abort/i);
    const ended = await until('the turn has ended', async () =>
      (await get('/sessions')).find((s) => s.status === 'error'));
    const cancelled = await get(`/sessions/${ended.session_id}`);
    assert.match(cancelled.error, /cancelled/i);
    return { status: cancelled.status, error: cancelled.error };
  },
};

const run = scenarios[scenario];
if (!run) {
  console.error(`unknown scenario ${scenario}: ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}
try {
  console.log(JSON.stringify(await run()));
  process.exit(0); // the clients' connections would keep Node up
} catch (e) {
  console.error(e.stack ?? String(e));
  process.exit(1);
}
