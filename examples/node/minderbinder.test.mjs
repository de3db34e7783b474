// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// minderbinder from `node --test`: process-level rules on a child node
// process, through the environment (LD_PRELOAD + MINDERBINDER_SYSCALL /
// MINDERBINDER_NET) or `minderbinder run`. Node's standard library has no
// FFI, so the in-process C API is out of reach without an addon.
//
//   MB_BUILD=$PWD/build node --test examples/node/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BUILD = process.env.MB_BUILD || new URL('../../build', import.meta.url).pathname;
const AGENT = join(BUILD, 'libmbpreload.so');
const MB = join(BUILD, 'minderbinder');

// A child node process that reads FILE and prints the result.
const READER = `try { require('fs').readFileSync(process.argv[1]); console.log('read ok') }
  catch (e) { console.log(e.code); process.exitCode = 1 }`;

function withFile(t) {
  const dir = mkdtempSync(join(tmpdir(), 'mb-node-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const f = join(dir, 'app.conf');
  writeFileSync(f, 'greeting=hi\n');
  return f;
}

function run(cmd, args, env) {
  return spawnSync(cmd, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
}

test('the environment fails the child\'s open with ENOENT', (t) => {
  const f = withFile(t);
  const r = run(process.execPath, ['-e', READER, f],
    { LD_PRELOAD: AGENT, MINDERBINDER_SYSCALL: `openat:ENOENT:path=${f}` });
  assert.equal(r.stdout.trim(), 'ENOENT', r.stderr);
  assert.equal(r.status, 1);
  // without the variables the same child reads the file
  assert.equal(run(process.execPath, ['-e', READER, f], {}).stdout.trim(), 'read ok');
});

test('minderbinder run refuses the child\'s connect', async (t) => {
  const server = createServer((c) => c.end('pong\n'));
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  t.after(() => server.close());
  const port = server.address().port;
  const client = `require('net').connect(${port}, '127.0.0.1')
    .on('connect', () => { console.log('connected'); process.exit(0) })
    .on('error', (e) => { console.log(e.code); process.exit(1) })`;
  // spawnSync would block this process's event loop, and so the server
  const r = await new Promise((ok) => {
    const p = spawn(MB, ['run', '-n', `tcp:${port}:refuse`, '--', process.execPath, '-e', client]);
    let out = '', err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('close', (status) => ok({ status, out, err }));
  });
  assert.equal(r.out.trim(), 'ECONNREFUSED', r.err);
  assert.equal(r.status, 1);
});

test('a bad spec stops the child before it runs, with the nearest name', (t) => {
  const f = withFile(t);
  const r = run(process.execPath, ['-e', READER, f],
    { LD_PRELOAD: AGENT, MINDERBINDER_SYSCALL: 'opennat:ENOENT' });
  assert.equal(r.status, 125);
  assert.equal(r.stdout, '');
  assert.match(r.stderr,
    /MINDERBINDER_SYSCALL: unknown syscall 'opennat' at column 1 \(did you mean 'openat'\?\)/);
});
