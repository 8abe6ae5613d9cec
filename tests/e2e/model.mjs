// A local server speaking Anthropic's Messages API (SSE streaming, tool use), scripted for the
// app's assistant step: asked a question, it searches the mail for "checklist", then answers
// citing the first message found; asked to archive, it proposes archiving that message. The
// text streams in small pieces with pauses, as a real model's does.
import { createServer } from 'node:http';

const sse = (name, data) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

function reply(text, tools) {
  const events = [
    sse('message_start', { type: 'message_start', message: { id: 'msg_e2e', type: 'message', role: 'assistant', model: 'claude-e2e', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 900, output_tokens: 1 } } }),
  ];
  let index = 0;
  if (text) {
    events.push(sse('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }));
    for (let i = 0; i < text.length; i += 6) {
      events.push(sse('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: text.slice(i, i + 6) } }));
    }
    events.push(sse('content_block_stop', { type: 'content_block_stop', index }));
    index++;
  }
  for (const [id, name, input] of tools) {
    events.push(sse('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id, name, input: {} } }));
    const json = JSON.stringify(input);
    for (let i = 0; i < json.length; i += 4) {
      events.push(sse('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: json.slice(i, i + 4) } }));
    }
    events.push(sse('content_block_stop', { type: 'content_block_stop', index }));
    index++;
  }
  events.push(sse('message_delta', { type: 'message_delta', delta: { stop_reason: tools.length ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: 60 } }));
  events.push(sse('message_stop', { type: 'message_stop' }));
  return events;
}

function decide(body) {
  const messages = body.messages ?? [];
  const question = (messages.findLast?.((m) => m.role === 'user' && m.content.some((b) => b.type === 'text')) ?? messages[0])?.content?.find((b) => b.type === 'text')?.text ?? '';
  const last = messages[messages.length - 1];
  const results = (last?.content ?? []).filter((b) => b.type === 'tool_result');
  const archive = /archive/i.test(question);
  if (results.length === 0) return reply('', [['tu_search', 'search_mail', { query: 'checklist' }]]);
  const found = /\[m:(\d+)\]/.exec(results[0].content ?? '');
  const id = found ? Number(found[1]) : 0;
  if (/conversations match/.test(results[0].content ?? '')) {
    if (archive) return reply('I found it.', [['tu_archive', 'archive', { messages: [id] }]]);
    return reply(`The launch checklist is in [m:${id}]. It asks you to review the list before Friday; nothing else is open.`, []);
  }
  return reply('I proposed archiving it. Confirm it if you want.', []);
}

export async function startModel() {
  const requests = [];
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', async () => {
      let body = {};
      try {
        body = JSON.parse(data);
      } catch {
        // Not JSON: answered below as the API would.
      }
      requests.push({ url: req.url, headers: req.headers, body });
      if (req.url !== '/v1/messages' || !body.messages) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: 'bad request' } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (const event of decide(body)) {
        res.write(event);
        await new Promise((r) => setTimeout(r, 15));
      }
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, requests, close: () => server.close() };
}
