// A minimal @slack/bolt app (HTTPReceiver, default settings) that acks every event:
// the baseline bench/slack.sh compares fa2 serve against. Port from argv[2],
// signing secret from SLACK_SIGNING_SECRET.
'use strict';
const { App, LogLevel } = require('@slack/bolt');
const app = new App({
  token: 'xoxb-bench-unused',
  signingSecret: process.env.SLACK_SIGNING_SECRET,
  tokenVerificationEnabled: false,
  botId: 'BBENCH', // with both ids Bolt never calls auth.test (no network)
  botUserId: 'UBENCH',
  logLevel: LogLevel.ERROR,
});
app.event('message', async () => {});
app.start(Number(process.argv[2])).then(() => console.log('bolt listening'));
