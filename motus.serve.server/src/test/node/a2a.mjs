// The official A2A JavaScript client (@a2a-js/sdk, A2A 1.0 over JSON-RPC) against a served agent.
// Usage: node a2a.mjs <scenario> <url> [<url of another replica>]; env MOTUS_TEST_KEY: the API key.
// Prints what it saw and exits 0, or exits 1 naming the first expectation that failed.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Role, TaskState } from '@a2a-js/sdk';
import {
  ClientFactory, ClientFactoryOptions, DefaultAgentCardResolver, JsonRpcTransportFactory,
} from '@a2a-js/sdk/client';

const [, , scenario, first, second] = process.argv;
const key = process.env.MOTUS_TEST_KEY;
const withKey = (url, init = {}) =>
  fetch(url, { ...init, headers: { ...(init.headers ?? {}), ...(key ? { Authorization: `Bearer ${key}` } : {}) } });

async function clientOf(url) {
  const factory = new ClientFactory(ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
    transports: [new JsonRpcTransportFactory({ fetchImpl: withKey })],
    cardResolver: new DefaultAgentCardResolver({ fetchImpl: withKey }),
  }));
  return factory.createFromUrl(url);
}

const text = (value) => ({ content: { $case: 'text', value }, metadata: undefined, filename: '', mediaType: '' });
const data = (value) => ({ content: { $case: 'data', value }, metadata: undefined, filename: '', mediaType: '' });

function message(parts, { contextId = '', taskId = '', metadata } = {}) {
  return {
    messageId: randomUUID(), contextId, taskId, role: Role.ROLE_USER, parts, metadata,
    extensions: [], referenceTaskIds: [],
  };
}

const send = (client, msg, configuration) => client.sendMessage({ message: msg, configuration });
const textOf = (msg) => msg?.parts?.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('') ?? '';
const stateName = (state) => TaskState[state];

/** A stream's StreamResponses, each as { kind: task | statusUpdate | artifactUpdate | message, ...its value }. */
async function collect(stream) {
  const events = [];
  for await (const event of stream) {
    events.push({ kind: event.payload.$case, ...event.payload.value });
  }
  return events;
}

async function expectError(what, promise, code, words) {
  try {
    await promise;
  } catch (e) {
    const seen = e.envelopeCode ?? e.code ?? e.error?.code;
    if (code !== undefined) assert.equal(seen, code, `${what}: error code (${e.message})`);
    assert.match(e.message, words, `${what}: error message`);
    return e;
  }
  assert.fail(`${what}: expected an error`);
}

const scenarios = {
  async discovery(a) {
    const card = a.agentCard;
    assert.equal(card.supportedInterfaces[0].protocolBinding, 'JSONRPC');
    assert.equal(card.supportedInterfaces[0].protocolVersion, '1.0');
    assert.ok(card.supportedInterfaces[0].url.endsWith('/a2a'), card.supportedInterfaces[0].url);
    assert.equal(card.capabilities.streaming, true);
    assert.equal(card.skills[0].id, 'chat');
    return { name: card.name, bearer: Object.keys(card.securitySchemes ?? {}) };
  },

  async conversation(a, b) {
    const one = await send(a, message([text('seen')]));
    assert.equal(stateName(one.status.state), 'TASK_STATE_COMPLETED');
    assert.equal(textOf(one.status.message), '0');
    assert.equal(textOf({ parts: one.artifacts[0].parts }), '0');
    const two = await send(b, message([text('seen')], { contextId: one.contextId }));
    assert.equal(two.contextId, one.contextId, 'the same context');
    assert.notEqual(two.id, one.id, 'a new task');
    assert.equal(textOf(two.status.message), '2', 'the second message sees the first one and its reply');
    const read = await b.getTask({ id: one.id, historyLength: undefined, tenant: '' });
    assert.equal(stateName(read.status.state), 'TASK_STATE_COMPLETED');
    assert.deepEqual(read.history.map((m) => textOf(m)), ['seen', '0']);
    const list = await a.listTasks({ contextId: one.contextId, tenant: '', status: 0, pageToken: '' });
    assert.deepEqual(list.tasks.map((t) => t.id), [two.id, one.id], 'newest first');
    return { context: one.contextId, replies: [textOf(one.status.message), textOf(two.status.message)] };
  },

  async streaming(a) {
    const events = await collect(a.sendMessageStream({ message: message([text('stream one two three')]) }));
    const kinds = events.map((e) => e.kind);
    const chunks = events.filter((e) => e.kind === 'artifactUpdate').map((e) => textOf({ parts: e.artifact.parts }));
    assert.deepEqual(chunks, ['one', ' two', ' three'], 'the reply streams as the agent wrote it');
    assert.deepEqual(events.filter((e) => e.kind === 'artifactUpdate').map((e) => e.append), [false, true, true]);
    assert.equal(kinds[0], 'task');
    assert.equal(stateName(events[0].status.state), 'TASK_STATE_SUBMITTED');
    assert.equal(stateName(events[1].status.state), 'TASK_STATE_WORKING');
    const last = events.at(-1);
    assert.equal(stateName(last.status?.state), 'TASK_STATE_COMPLETED');
    return { kinds, chunks, reply: textOf(last.status.message) };
  },

  async approval(a, b) {
    const asked = await send(a, message([text('approve delete_file')]));
    assert.equal(stateName(asked.status.state), 'TASK_STATE_INPUT_REQUIRED');
    const question = asked.status.message.parts[0];
    assert.equal(question.content.$case, 'data');
    assert.equal(question.content.value.type, 'tool_approval');
    const answered = await send(b, message([data({ approved: true })], { taskId: asked.id, contextId: asked.contextId }));
    assert.equal(stateName(answered.status.state), 'TASK_STATE_COMPLETED');
    assert.equal(textOf(answered.status.message), 'approved');
    return { question: question.content.value, reply: textOf(answered.status.message) };
  },

  async input(a, b) {
    const events = await collect(a.sendMessageStream({ message: message([text('ask')]) }));
    const asked = events.at(-1);
    assert.equal(stateName(asked.status.state), 'TASK_STATE_INPUT_REQUIRED', 'the stream ends at the question');
    const answer = await collect(b.sendMessageStream({
      message: message([text('blue')], { taskId: asked.taskId }),
    }));
    const end = answer.at(-1);
    assert.equal(stateName(end.status.state), 'TASK_STATE_COMPLETED');
    assert.match(textOf(end.status.message), /blue/);
    return { reply: textOf(end.status.message) };
  },

  async cancel(a, b) {
    const started = await send(a, message([text('sleep 300')]), { returnImmediately: true, acceptedOutputModes: [] });
    assert.equal(stateName(started.status.state), 'TASK_STATE_WORKING');
    const streamed = collect(b.resubscribeTask({ id: started.id, tenant: '' }));
    const cancelled = await b.cancelTask({ id: started.id, tenant: '' });
    assert.equal(stateName(cancelled.status.state), 'TASK_STATE_CANCELED');
    const events = await streamed;
    assert.equal(stateName(events.at(-1).status?.state), 'TASK_STATE_CANCELED', 'the subscriber sees the end');
    await expectError('cancel again', a.cancelTask({ id: started.id, tenant: '' }), -32002, /has ended/);
    return { state: 'canceled' };
  },

  async unknownTask(a) {
    const e = await expectError('get', a.getTask({ id: 'no-such-task', tenant: '' }), -32001, /Task not found: no-such-task/);
    return { error: e.message };
  },

  async busy(a, b) {
    const started = await send(a, message([text('sleep 300')]), { returnImmediately: true, acceptedOutputModes: [] });
    const e = await expectError('second message', send(b, message([text('seen')], { contextId: started.contextId })),
      -32000, /is busy/);
    await a.cancelTask({ id: started.id, tenant: '' });
    return { error: e.message };
  },
};

const run = scenarios[scenario];
if (!run) {
  console.error(`unknown scenario ${scenario}: ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}
try {
  const a = await clientOf(first);
  const b = second ? await clientOf(second) : a;
  console.log(JSON.stringify(await run(a, b)));
} catch (e) {
  console.error(e.stack ?? String(e));
  process.exit(1);
}
