// Reads a JSON array of {secret, ts, sig, body} on stdin and prints, as a JSON array,
// whether @slack/bolt's own request verifier (isValidSlackRequest) accepts each one.
'use strict';
const { isValidSlackRequest } = require('@slack/bolt');
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  const cases = JSON.parse(input);
  const out = cases.map((c) => {
    const headers = { 'x-slack-request-timestamp': Number(c.ts) };
    if (c.sig !== null) headers['x-slack-signature'] = c.sig;
    return isValidSlackRequest({ signingSecret: c.secret, body: c.body, headers });
  });
  process.stdout.write(JSON.stringify(out));
});
