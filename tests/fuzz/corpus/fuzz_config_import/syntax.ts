/* header
   comment */
const base = 'us-east-1';
const groups = ["/a", '/b',] as const;
const helper = (x: string) => { return x + '1'; };
function f() { const hidden = { modelId: 'no' }; return hidden; }
class K { static readonly v = { a: 1 }; }
export const p = {
  'quoted-key': "dq \"esc\" \u00e9 \u{1F600} \x41 \
 continued",
  42: 'numeric key',
  env: { region: base, account: process.env.CDK_DEFAULT_ACCOUNT },
  cwLogsLogGroups: [...groups, `/c/${base}`],
  maxAgentCycles: 0x0A,
  big: 1_000_000, neg: -2.5e3, oct: 0o17, bin: 0b101,
  list: [ { x: [1, [2, [3]]] }, null, undefined, true ],
  nested: ({ a: 1 }),
  callValue: helper('z'),
  base,
} satisfies AppParameter;
export const q = { ...p, maxAgentCycles: 7 } as AppParameter;
